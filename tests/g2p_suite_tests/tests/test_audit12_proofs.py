"""Seventh audit (audit12) proofs: each test performs an attack that SUCCEEDS today (it passes now and fails once
fixed). Not refusal tests: turn them into refusal tests when fixing."""

import uuid

from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase, public_pem

TOKEN_PATH = "/api/v2/oauth/token"
ROTATE_PATH = "/api/v2/oauth/client_secret"


@tagged("post_install", "-at_install")
class TestAudit12ApiManagerActivatesASecretItself(G2PApiCase):
    """The activation secret (``secret_shown_to_staff``) only replaces itself, but nothing tells the partner's
    replacement from the API Manager's: the API Manager who pressed *Generate secret* calls
    ``POST /api/v2/oauth/client_secret`` with it and gets a secret that gets tokens (chatter: "replaced by the
    partner"). Worse, *Generate secret* checks only that the client has no secret now, not that it never had a
    credential: on a partner that authenticates by its key alone (an ingest partner: ``/partner/ingest_data`` is
    authenticated by the signature alone, so it needs no secret), the API Manager gives it a "first" secret, activates
    it, and acts as that live partner at the REST API with its scopes and legal basis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "audit12_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.manager.partner_id.email = False
        cls.ingest_endpoint = cls.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest")
        cls.partner_key = ec.generate_private_key(ec.SECP256R1())
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")

    def _post(self, path, data, source, endpoint=None):
        with self._api(endpoint or self.rest_endpoint, source_address=self._address(source)) as api:
            return api.post(path, data=data)

    def _activate_as_manager(self, client, secret):
        """What the API Manager does with the secret it saw: replace it itself, then take a token with the new one."""
        replaced = self._post(ROTATE_PATH, {"client_id": client.client_id, "client_secret": secret}, "manager")
        self.assertEqual(replaced.status_code, 200, replaced.text)
        working = replaced.json()["client_secret"]
        token = self._post(
            TOKEN_PATH,
            {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": working},
            "manager",
        )
        self.assertEqual(token.status_code, 200, token.text)
        return working, token.json()["access_token"]

    def _read_person(self, token):
        with self._api(self.rest_endpoint, source_address=self._address("manager")) as api:
            return api.get(f"/api/v2/Individual/{self.person.uuid}", headers={"Authorization": f"Bearer {token}"})

    def test_api_manager_takes_over_a_live_key_only_partner(self):
        # a live ingest partner onboarded with its key only (its first and only credential), under a legal basis an
        # administrator set; it ingests signed payloads and never needed a secret
        client = self._new_client("Audit12 field survey", scopes=["individual:read", "ingest:write"])
        client.write({"partner_mnemonic": "AUD12SURV", "public_key": public_pem(self.partner_key)})
        message = {"person": IngestCase.person(nid="90001212")}
        message_id = str(uuid.uuid4())
        with self._api(self.ingest_endpoint, source_address=self._address("partner")) as api:
            sent = api.post(
                "/partner/ingest_data",
                json={
                    "header": {"message_id": message_id, "sender_id": "AUD12SURV"},
                    "message": message,
                    "signature": IngestCase.signature(message, self.partner_key, message_id),
                },
            )
        self.assertEqual(sent.json()["response_header"]["response_status"], "SUCCESS", sent.text)
        self.assertTrue(client.first_credential_on, "the key is the client's first credential")
        self.assertFalse(client.has_secret)

        # the API Manager: Generate secret (a "first" secret on a client that has a credential), then activates it
        seen = client.with_user(self.manager).action_generate_secret()["params"]["secret"]
        _working, token = self._activate_as_manager(client, seen)
        read = self._read_person(token)
        self.assertEqual(read.status_code, 200, read.text)
        self.assertEqual(read.json()["uuid"], self.person.uuid)
        notes = client.sudo().message_ids.mapped("body")
        self.assertTrue(any("Client secret replaced by the partner" in note for note in notes), notes)
        self.assertFalse(client.secret_shown_to_staff, "nothing marks the working secret as staff's")

    def test_api_manager_activates_the_onboarding_secret_itself(self):
        client = self._new_client("Audit12 cash provider", scopes=["individual:read"])
        seen = client.with_user(self.manager).action_generate_secret()["params"]["secret"]
        working, token = self._activate_as_manager(client, seen)
        self.assertEqual(self._read_person(token).status_code, 200)
        # handed this working secret, the partner cannot tell it from an activation secret: its replacement works too,
        # and a partner that takes tokens at once leaves the API Manager's copy working
        still = self._post(
            TOKEN_PATH,
            {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": working},
            "partner",
        )
        self.assertEqual(still.status_code, 200, still.text)
