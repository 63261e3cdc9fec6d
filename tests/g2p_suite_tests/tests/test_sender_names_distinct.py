"""A partner's sender names (client id, partner mnemonic, DCI sender id) are one namespace across clients: no client
may take a name another client gives as its sender (seventh audit, audit12)."""

import uuid

from cryptography.hazmat.primitives.asymmetric import ec

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase, public_pem


@tagged("post_install", "-at_install")
class TestSenderNamesOneNamespace(G2PApiCase):
    """Ingest finds its sender by client id, else by partner mnemonic (a client id wins); DCI by client id or DCI
    sender id. An API Manager who could give a new client a live partner's mnemonic as its client id (with the
    partner's public key, which is public) would receive and handle the partner's signed payloads under a client of
    its own: its scopes, its consents, its submission events."""

    endpoint_xmlid = "g2p_partner_ingest.fastapi_endpoint_ingest"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "names12_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.partner_key = ec.generate_private_key(ec.SECP256R1())
        cls.partner = cls._new_client(
            "Names12 Kobo collect",
            scopes=["individual:read", "ingest:write"],
            client_id="names12-kobo",
            partner_mnemonic="N12KOBO",
            dci_sender_id="n12.kobo.example",
            public_key=public_pem(cls.partner_key),
        )
        cls.ingest_scope = cls.env["g2p.api.scope"].search([("code", "=", "ingest:write")])

    def _send(self, nid):
        """The partner sends one signed person naming itself by its mnemonic; the client its item is stored under."""
        message = {"person": IngestCase.person(nid=nid)}
        message_id = str(uuid.uuid4())
        body = {
            "header": {"message_id": message_id, "sender_id": "N12KOBO"},
            "message": message,
            "signature": IngestCase.signature(message, self.partner_key, message_id),
        }
        with self._api(source_address=self._address("partner")) as api:
            answer = api.post("/partner/ingest_data", json=body)
        header = answer.json()["response_header"]
        self.assertEqual(header["response_status"], "SUCCESS", answer.text)
        return self.env["g2p.ingest.raw"].search([("correlation_id", "=", header["correlation_id"])]).client_id

    def _create_as_manager(self, **vals):
        return (
            self.env["g2p.api.client"]
            .with_user(self.manager)
            .create(dict({"name": "Names12 lookalike", "scope_ids": [(6, 0, self.ingest_scope.ids)]}, **vals))
        )

    def test_a_new_clients_id_cannot_take_the_partners_mnemonic(self):
        self.assertEqual(self._send("90001413"), self.partner)
        clients = self.env["g2p.api.client"].with_context(active_test=False).search_count([])
        with self.assertRaisesRegex(ValidationError, "another client gives as its sender"), self.env.cr.savepoint():
            self._create_as_manager(client_id="N12KOBO", public_key=public_pem(self.partner_key))
        self.assertEqual(self.env["g2p.api.client"].with_context(active_test=False).search_count([]), clients)
        self.assertEqual(self._send("90001414"), self.partner, "the partner's payloads are still its own")

    def test_no_name_of_a_client_is_another_clients_name(self):
        own = {"client_id": "names12-kobo", "partner_mnemonic": "N12KOBO", "dci_sender_id": "n12.kobo.example"}
        for taken_from, taken in own.items():
            for field in own:
                if field == taken_from:
                    continue  # the same name in the same field: the unique constraints of the table refuse it
                with (
                    self.subTest(field=field, taken=taken),
                    self.assertRaisesRegex(ValidationError, "another client gives as its sender"),
                    self.env.cr.savepoint(),
                ):
                    self._create_as_manager(**{field: taken})

    def test_an_existing_client_cannot_take_a_name_by_a_write(self):
        other = self._create_as_manager(client_id="names12-other")
        with self.assertRaisesRegex(ValidationError, "another client gives as its sender"), self.env.cr.savepoint():
            other.with_user(self.manager).write({"partner_mnemonic": "names12-kobo"})
        other.invalidate_recordset()
        self.assertFalse(other.partner_mnemonic)

    def test_an_archived_clients_names_stay_taken(self):
        self.partner.action_archive()
        with self.assertRaisesRegex(ValidationError, "another client gives as its sender"), self.env.cr.savepoint():
            self._create_as_manager(dci_sender_id="N12KOBO")

    def test_a_client_may_give_one_name_twice(self):
        client = self._create_as_manager(client_id="names12-same", partner_mnemonic="names12-same")
        self.assertEqual(client.partner_mnemonic, client.client_id)
