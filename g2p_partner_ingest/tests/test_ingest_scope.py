import json
import uuid

from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_partner_api.services import jwt_service
from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin
from odoo.addons.g2p_partner_api.tests.test_client_changes_traced import der_fingerprint

from .common import IngestCase, public_pem


@tagged("post_install", "-at_install")
class TestIngestScope(IngestCase):
    """Ingest is a permission (scope ingest:write) like any other: a client with a partner mnemonic and a key
    but without it is refused in the ingest envelope, and nothing is stored."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader, _secret = cls._create_client(
            "Reads only", scopes=["individual:read"], partner_mnemonic="READER", public_key=public_pem(cls.key)
        )

    def _jobs(self):
        return self.env["queue.job"].search_count([("model_name", "=", "g2p.ingest.raw")])

    def test_client_without_the_scope_refused_in_the_envelope_nothing_stored(self):
        received, jobs = self.received_count(), self._jobs()
        for params in ({"data_model": "PERSON_JSON"}, {"data_model": "PERSON_JSON", "dry_run": "true"}):
            with self.subTest(params=params):
                response = self.post(self.body({"person": self.person(nid="95000001")}, sender="READER"), params)
                self.assertEqual(response.status_code, 200, response.text)
                header = response.json()["response_header"]
                self.assertEqual((header["response_status"], header["error_code"]), ("ERROR", "INSUFFICIENT_SCOPE"))
                self.assertIn("ingest:write", header["error_message"])
                self.assertIsNone(header["correlation_id"])
                self.assertIsNone(response.json()["response_payload"])
        self.assertEqual((self.received_count(), self._jobs()), (received, jobs), "nothing stored, nothing queued")
        audited = self._audit_rows(client_id=self.reader.id, error_code="INSUFFICIENT_SCOPE")
        self.assertEqual((len(audited), set(audited.mapped("actor"))), (2, {"READER"}))
        # an administrator grants it: the same call is accepted
        self.reader.scope_ids = [(4, self.env.ref("g2p_partner_ingest.scope_ingest_write").id)]
        data, rows = self.ingest(self.body({"person": self.person(nid="95000001")}, sender="READER"))
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS", data)
        self.assertEqual(len(rows), 1)

    def test_accepted_items_record_the_key_that_verified_them(self):
        data, rows = self.ingest(self.body({"person": self.person(nid="95000002")}))
        self.assertEqual(data["response_header"]["response_status"], "SUCCESS", data)
        self.assertEqual(rows.verified_key_fingerprint, der_fingerprint(public_pem(self.key)))
        self.assertEqual(rows.verified_key_fingerprint, self.client.public_key_fingerprint)

    def test_jwk_and_pem_of_one_key_have_one_fingerprint(self):
        jwk = json.dumps(jwt_service.public_jwk(self.key.public_key(), "kid-1", "ES256"))
        self.assertEqual(jwt_service.public_key_fingerprint(jwk), der_fingerprint(public_pem(self.key)))

    def test_upgrade_keeps_every_ingesting_client_able(self):
        scope = self.env.ref("g2p_partner_ingest.scope_ingest_write")
        archived = self.Client.create({"name": "Old collector", "partner_mnemonic": "OLDCOLL", "active": False})
        rest_only = self.Client.create({"name": "REST only"})
        self.Client._grant_ingest_scope_to_ingesting_clients()
        self.assertIn(scope, self.reader.scope_ids)
        self.assertIn(scope, archived.scope_ids)
        self.assertNotIn(scope, rest_only.scope_ids, "a client that could not ingest is not given the right")
        self.assertIn(scope, self.env.ref("g2p_partner_api.demo_api_client").scope_ids)

    def test_what_this_client_can_do_names_ingest(self):
        self.assertIn("may send data to /partner/ingest_data as KOBO", self.client.capabilities)
        self.assertIn("lacks the scope ingest:write", self.reader.capabilities)


@tagged("post_install", "-at_install")
class TestKeySwapTraced(JsonRpcAttackMixin, HttpCase):
    """An API Manager sets a new partner's key, but only a system administrator replaces it (else the person who
    onboards partners could sign as one with a key of its own); the swap is in the chatter and the audit log by
    fingerprint, and every item accepted afterwards names the key that verified it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user("swap_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls.manager.partner_id.email = False
        cls._user("swap_admin", "base.group_user,base.group_system").partner_id.email = False
        cls.old_key = ec.generate_private_key(ec.SECP256R1())
        cls.new_key = ec.generate_private_key(ec.SECP256R1())
        cls.client = cls.env["g2p.api.client"].create(
            {
                "name": "Swapped collector",
                "partner_mnemonic": "SWAP",
                "public_key": public_pem(cls.old_key),
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_ingest.scope_ingest_write").ids)],
            }
        )

    def _ingest(self, key, nid):
        message_id = str(uuid.uuid4())
        message = {"person": IngestCase.person(nid=nid)}
        body = {
            "header": {"message_id": message_id, "sender_id": "SWAP"},
            "message": message,
            "signature": IngestCase.signature(message, key, message_id),
        }
        response = self.url_open(
            "/partner/ingest_data?data_model=PERSON_JSON",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()["response_header"]

    def test_key_swap_is_traced_and_the_next_item_names_the_new_key(self):
        old_fp, new_fp = der_fingerprint(public_pem(self.old_key)), der_fingerprint(public_pem(self.new_key))
        self._as("swap_admin")
        result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"public_key": public_pem(self.new_key)}]
        )
        self.assertIsNone(error)
        tracked = self.client.message_ids.sudo().tracking_value_ids.filtered(
            lambda t: t.field_id.name == "public_key_fingerprint"
        )
        self.assertEqual((tracked.old_value_char, tracked.new_value_char), (old_fp, new_fp))
        change = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", self.client.id), ("action", "=", "change public_key")]
        )
        self.assertEqual(
            (change.actor, change.old_value, change.new_value),
            ("swap_admin", f"SHA-256 {old_fp}", f"SHA-256 {new_fp}"),
        )
        refused = self._ingest(self.old_key, "96000001")
        self.assertEqual(refused["error_code"], "REQUEST_VALIDATION_ERROR", "the old key no longer verifies")
        accepted = self._ingest(self.new_key, "96000002")
        self.assertEqual(accepted["response_status"], "SUCCESS", accepted)
        item = self.env["g2p.ingest.raw"].search([("correlation_id", "=", accepted["correlation_id"])])
        self.assertEqual(item.verified_key_fingerprint, new_fp)

    def _evidence(self):
        client = self.client.sudo()
        client.invalidate_recordset()
        return (
            client.public_key,
            client.jwks_uri,
            len(client.message_ids),
            self.env["g2p.api.audit.log"].search_count([("client_id", "=", client.id)]),
            self.env["g2p.ingest.raw"].search_count([("client_id", "=", client.id)]),
        )

    def test_an_api_manager_cannot_swap_the_key_and_sign_as_the_partner(self):
        own_key = ec.generate_private_key(ec.SECP256R1())  # the manager's own
        before = self._evidence()
        self._as("swap_api_manager")
        for vals in (
            {"public_key": public_pem(own_key)},
            {"public_key": False, "jwks_uri": "https://keys.manager.example/jwks.json"},
            {"public_key": False},
        ):
            _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], vals])
            self.assertEqual(error, "odoo.exceptions.AccessError", vals)
        self.assertEqual(self._evidence(), before, "refused: key, chatter, audit log as they were")
        refused = self._ingest(own_key, "96000003")
        self.assertEqual(refused["error_code"], "REQUEST_VALIDATION_ERROR", "the manager's key signs nothing")
        self.assertEqual(self._ingest(self.old_key, "96000004")["response_status"], "SUCCESS")

    def test_an_api_manager_sets_the_first_key_and_may_rewrite_the_same_one(self):
        keyless = self.env["g2p.api.client"].create({"name": "New collector"})
        self._as("swap_api_manager")
        pem = public_pem(self.new_key)
        for vals in ({"public_key": pem}, {"public_key": pem, "note": "checked"}):
            _result, error = self.call_kw("g2p.api.client", "write", [[keyless.id], vals])
            self.assertIsNone(error, vals)
        self.assertEqual(keyless.public_key, pem)
