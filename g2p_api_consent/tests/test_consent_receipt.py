import importlib.util
import json

import jwt

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import file_path

from odoo.addons.g2p_partner_api.models.g2p_source_mixin import Provenance
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


@tagged("post_install", "-at_install")
class TestConsentReceipt(G2PApiCase):
    """GET /Consent/{uuid}/receipt and /history, for the clients that may read the consent only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Receipt programme", scopes=["individual:read", "consent:write"], legal_basis=None
        )
        cls.other, cls.other_secret = cls._create_client("Receipt stranger", scopes=["consent:write"], legal_basis=None)
        nid = cls.env.ref("g2p_partner_api.id_type_national_id")
        cls.person = cls.env["res.partner"].create(
            {
                "is_registrant": True,
                "given_name": "Receiving",
                "family_name": "Person",
                "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": "77001234"})],
            }
        )
        cls.officer = new_test_user(cls.env, "receipt_officer", groups="g2p_partner_api.group_registry_officer")
        cls.consent = (
            cls.env["g2p.consent"]
            .with_user(cls.officer)
            .create(
                {
                    "partner_id": cls.person.id,
                    "client_id": cls.client.id,
                    "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                    "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_individual_read").ids)],
                    "evidence_reference": "FORM-RECEIPT",
                }
            )
            .sudo()
        )

    def _get(self, path, client=None, secret=None, **params):
        with self._api() as api:
            return api.get(path, params=params, headers=self._auth(client or self.client, secret or self.secret))

    def _jwks(self):
        with self._api() as api:
            return api.get("/api/v2/.well-known/jwks.json").json()

    def _verified(self, token):
        """The claims of a receipt's JWS, verified with the registry's published keys."""
        header = jwt.get_unverified_header(token)
        self.assertEqual(header["typ"], "consent-receipt+jwt")
        key = next(k for k in self._jwks()["keys"] if k["kid"] == header["kid"])
        return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"])

    def test_receipt_verifies_with_the_registry_message_key(self):
        response = self._get(f"/api/v2/Consent/{self.consent.uuid}/receipt")
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        receipt, token = body["receipt"], body["jws"]
        header = jwt.get_unverified_header(token)
        self.assertEqual(header["typ"], "consent-receipt+jwt")
        self.assertTrue(header["kid"].startswith("msg-"), "signed by a message key, never the token key")
        key = next(k for k in self._jwks()["keys"] if k["kid"] == header["kid"])
        claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["ES256"])
        self.assertEqual(claims["receipt"], receipt)
        self.assertEqual(claims["sub"], self.consent.uuid)
        self.assertEqual(
            (receipt["registrant"], receipt["registrant_identifiers"], receipt["recipient"], receipt["scopes"]),
            (
                self.person.uuid,
                [{"system": "urn:g2p:id:national-id", "value": "77001234"}],
                self.client.client_id,
                ["individual:read"],
            ),
        )
        self.assertEqual((receipt["state"], receipt["given_date"]), ("active", str(self.consent.given_date)))
        self.assertNotIn(f'"{self.person.id}"', response.text)
        alone = self._get(f"/api/v2/Consent/{self.consent.uuid}/receipt", format="jws")
        self.assertEqual(alone.headers["content-type"], "application/jose")
        self.assertEqual(jwt.get_unverified_header(alone.text)["typ"], "consent-receipt+jwt")

    def test_receipt_is_not_an_access_token(self):
        token = self._get(f"/api/v2/Consent/{self.consent.uuid}/receipt", format="jws").text
        with self._api() as api:
            refused = api.get(f"/api/v2/Individual/{self.person.uuid}", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(refused.status_code, 401)

    def test_another_clients_consent_is_not_found_and_nothing_changes(self):
        unknown = "00000000-0000-4000-8000-000000000000"
        before = (self.consent.read()[0], self.consent.history_ids.ids)
        for path in ("receipt", "history"):
            for uuid in (self.consent.uuid, unknown):
                response = self._get(f"/api/v2/Consent/{uuid}/{path}", self.other, self.other_secret)
                self.assertEqual(response.status_code, 404, response.text)
                self.assertEqual(response.json()["code"], "not_found")
                self.assertNotIn("Receiving", response.text)
        self.env.invalidate_all()
        self.assertEqual((self.consent.read()[0], self.consent.history_ids.ids), before)

    def test_history_says_given_then_withdrawn_by_whom(self):
        with self._api() as api:
            withdrawn = api.post(
                f"/api/v2/Consent/{self.consent.uuid}/withdraw",
                json={"reason": "the person asked"},
                headers=self._auth(self.client, self.secret),
            )
        self.assertEqual(withdrawn.status_code, 200, withdrawn.text)
        history = self._get(f"/api/v2/Consent/{self.consent.uuid}/history").json()
        self.assertEqual(history["consent"], self.consent.uuid)
        self.assertEqual(
            [(e["event"], e["by"], e["note"]) for e in history["events"]],
            [("given", self.officer.name, None), ("withdrawn", "Receipt programme", "the person asked")],
        )
        self.assertTrue(all(e["time"].endswith("Z") for e in history["events"]))
        receipt = self._get(f"/api/v2/Consent/{self.consent.uuid}/receipt").json()["receipt"]
        self.assertEqual(receipt["state"], "withdrawn")
        self.assertTrue(receipt["withdrawn_at"])

    def test_expiry_and_staff_changes_are_in_the_history(self):
        self.consent.with_user(self.officer).write({"evidence_reference": "FORM-RECEIPT-2"})
        self.consent.write({"expiry_date": "2020-01-01", "given_date": "2019-01-01"})
        self.env["g2p.consent"]._cron_expire()
        events = [(h.event, h.actor) for h in self.consent.history_ids]
        self.assertEqual(events[0], ("given", self.officer.name))
        self.assertIn(("changed", self.officer.name), events)
        self.assertEqual(events[-1], ("expired", "The registry (expiry date)"))

    def test_a_user_cannot_name_someone_else_in_the_history(self):
        self.consent.with_user(self.officer).with_context(g2p_consent_actor="The data subject").write(
            {"evidence_reference": "FORM-FORGED"}
        )
        self.assertEqual(self.consent.history_ids[-1].actor, self.officer.name)

    def test_staff_download_the_signed_receipt_from_the_form(self):
        viewer = new_test_user(self.env, "receipt_viewer", groups="g2p_partner_api.group_registry_viewer")
        action = self.consent.with_user(viewer).action_download_receipt()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[-1].split("?")[0]))
        self.assertEqual((attachment.res_model, attachment.res_id), ("g2p.consent", self.consent.id))
        body = json.loads(attachment.raw)
        claims = self._verified(body["jws"])
        self.assertEqual(claims["receipt"], body["receipt"])
        self.assertEqual((claims["sub"], body["receipt"]["registrant"]), (self.consent.uuid, self.person.uuid))
        self.assertEqual(body["receipt"]["recipient"], self.client.client_id)

    def test_a_user_outside_the_registry_gets_no_receipt_and_nothing_changes(self):
        employee = new_test_user(self.env, "receipt_employee", groups="base.group_user")
        attachments = self.env["ir.attachment"].search_count([("res_model", "=", "g2p.consent")])
        before = (self.consent.read()[0], self.consent.history_ids.ids)
        with self.assertRaises(AccessError):
            self.consent.with_user(employee).action_download_receipt()
        self.env.invalidate_all()
        self.assertEqual(self.env["ir.attachment"].search_count([("res_model", "=", "g2p.consent")]), attachments)
        self.assertEqual((self.consent.read()[0], self.consent.history_ids.ids), before)


@tagged("post_install", "-at_install")
class TestConsentHistoryBackfill(G2PApiCase):
    """Consents recorded before their history was kept get one ``recorded`` row each from the upgrade to
    18.0.1.1.0; those with a history, and a second run, get nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Backfill programme", scopes=["individual:read", "consent:write"], legal_basis=None
        )
        cls.officer = new_test_user(cls.env, "backfill_officer", groups="g2p_partner_api.group_registry_officer")
        people = cls.env["res.partner"].create(
            [{"is_registrant": True, "given_name": "Before", "family_name": f"History{i}"} for i in range(3)]
        )
        values = [
            {
                "partner_id": person.id,
                "client_id": cls.client.id,
                "purpose_id": cls.env.ref("g2p_api_consent.vocab_consent_purpose_payment").id,
                "scope_ids": [(6, 0, cls.env.ref("g2p_partner_api.scope_individual_read").ids)],
            }
            for person in people
        ]
        Consent = cls.env["g2p.consent"]
        by_officer = Consent.with_user(cls.officer).create(values[0]).sudo()
        by_client = Consent.with_context(g2p_provenance=Provenance(cls.client.id, "survey")).create(values[1])
        cls.kept = Consent.create(values[2])
        cls.older = by_officer | by_client
        # the database as the previous version left it: these two consents have no history
        cls.env.flush_all()
        cls.env.cr.execute("DELETE FROM g2p_consent_history WHERE consent_id IN %s", [tuple(cls.older.ids)])
        cls.env.invalidate_all()

    def _migrate(self):
        path = file_path("g2p_api_consent/migrations/18.0.1.1.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("g2p_consent_history_post_migrate", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.0.0")

    def test_each_consent_without_history_gets_one_recorded_row(self):
        kept_before = [(h.event, h.actor) for h in self.kept.history_ids]
        self._migrate()
        by_officer, by_client = self.older
        self.assertEqual([(h.event, h.actor) for h in by_officer.history_ids], [("recorded", self.officer.name)])
        self.assertEqual([(h.event, h.actor) for h in by_client.history_ids], [("recorded", "Backfill programme")])
        self.assertEqual(by_officer.history_ids.time, by_officer.create_date, "when it was recorded")
        self.assertEqual([(h.event, h.actor) for h in self.kept.history_ids], kept_before, "a history is kept as it is")
        with self._api() as api:
            history = api.get(
                f"/api/v2/Consent/{by_officer.uuid}/history", headers=self._auth(self.client, self.secret)
            )
        self.assertEqual(history.status_code, 200, history.text)
        self.assertEqual([e["event"] for e in history.json()["events"]], ["recorded"])

    def test_running_it_again_adds_nothing(self):
        self._migrate()
        rows = self.env["g2p.consent.history"].search_count([])
        self.assertEqual(self.env["g2p.consent.history"]._backfill_recorded(), 0)
        self.assertEqual(self.env["g2p.consent.history"].search_count([]), rows)
