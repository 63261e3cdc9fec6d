"""Seventh audit (audit12): each test performs an attack the audit proved and asserts the refusal and an unchanged
database."""

import uuid

from cryptography.hazmat.primitives.asymmetric import ec

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.g2p_partner_api.tests.common import INVALID_CLIENT, G2PApiCase, activation_secret
from odoo.addons.g2p_partner_ingest.tests.common import IngestCase, public_pem

TOKEN_PATH = "/api/v2/oauth/token"
ROTATE_PATH = "/api/v2/oauth/client_secret"


@tagged("post_install", "-at_install")
class TestAudit12ApiManagerActivatesASecretItself(G2PApiCase):
    """The activation secret only replaced itself, but nothing told the partner's replacement from the API Manager's:
    the API Manager who pressed *Generate secret* called ``POST /api/v2/oauth/client_secret`` with it and got a secret
    that got tokens. And *Generate secret* checked only that the client had no secret now: on a live partner that
    authenticates by its key alone (ingest), the API Manager gave it a "first" secret and acted as it. Now an
    activation secret is two halves seen by two people, only the pair activates, and a secret for a client that has or
    had a credential is a system administrator's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "audit12_api_manager", groups="g2p_partner_api.group_api_manager")
        cls.manager.partner_id.email = False
        cls.second = new_test_user(cls.env, "audit12_second_manager", groups="g2p_partner_api.group_api_manager")
        cls.admin = new_test_user(cls.env, "audit12_admin", groups="base.group_user,base.group_system")
        cls.ingest_endpoint = cls.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest")
        cls.partner_key = ec.generate_private_key(ec.SECP256R1())

    def _post(self, path, data, source):
        with self._api(self.rest_endpoint, source_address=self._address(source)) as api:
            return api.post(path, data=data)

    def _state(self, client):
        client.invalidate_recordset()
        (values,) = client.sudo().read(
            [
                "secret_hash",
                "secret_second_half_hash",
                "secret_first_half_by",
                "secret_shown_to_staff",
                "first_credential_on",
                "tokens_valid_from",
            ]
        )
        return dict(values, messages=client.sudo().message_ids.ids)

    def assertManagerActivatesNothing(self, client, secret):
        """``secret`` neither replaces itself nor gets a token: the one invalid_client, each counted as a failure."""
        before = self._state(client)
        failures = sum(self._audit_rows(outcome="failure", error_code="invalid_client").mapped("call_count"))
        source = f"manager-{uuid.uuid4().hex}"  # an address of its own: the failures counted here are throttled
        for path, data in (
            (ROTATE_PATH, {}),
            (TOKEN_PATH, {"grant_type": "client_credentials"}),
        ):
            answer = self._post(path, {"client_id": client.client_id, "client_secret": secret, **data}, source)
            self.assertEqual((answer.status_code, answer.json()), (401, INVALID_CLIENT), path)
        self.assertEqual(self._state(client), before, "no secret replaced, no token revoked, no chatter line")
        rows = self._audit_rows(outcome="failure", error_code="invalid_client")
        self.assertEqual(sum(rows.mapped("call_count")) - failures, 2, "each call a counted failure")

    def test_api_manager_gives_no_secret_to_a_live_key_only_partner(self):
        # a live ingest partner onboarded with its key only (its first and only credential)
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
        before = self._state(client)

        with self.assertRaisesRegex(AccessError, "Only a system administrator may give Audit12 field survey a secret"):
            client.with_user(self.manager).action_generate_secret()
        with self.assertRaises(UserError):  # no first half to complete either
            client.with_user(self.manager).action_generate_second_half()
        self.assertEqual(self._state(client), before)
        self.assertFalse(client.has_secret)
        self.assertManagerActivatesNothing(client, "guess.guess")

        # a system administrator may (the partner lost nothing: a secret beside its key), two people again
        first_half = client.with_user(self.admin).action_generate_secret()["params"]["secret"]
        with self.assertRaises(AccessError):
            client.with_user(self.admin).action_generate_second_half()
        pair = activation_secret(client, first_half, self.manager)
        replaced = self._post(ROTATE_PATH, {"client_id": client.client_id, "client_secret": pair}, "partner")
        self.assertEqual(replaced.status_code, 200, replaced.text)

    def test_api_manager_cannot_activate_the_onboarding_secret_alone(self):
        client = self._new_client("Audit12 cash provider", scopes=["individual:read"])
        first_half = client.with_user(self.manager).action_generate_secret()["params"]["secret"]
        # what the API Manager holds: the first half, alone or with a made-up second half
        for secret in (first_half, f"{first_half}.", f"{first_half}.{first_half}"):
            with self.subTest(secret=secret.replace(first_half, "<first half>")):
                self.assertManagerActivatesNothing(client, secret)
        # the second half is another person's: the one who saw the first is refused, over JSON-RPC or not
        before = self._state(client)
        with self.assertRaisesRegex(AccessError, "You saw the first half of the activation secret"):
            client.with_user(self.manager).action_generate_second_half()
        self.assertEqual(self._state(client), before)
        self.assertEqual(before["secret_first_half_by"][0], self.manager.id)
        self.assertFalse(before["secret_second_half_hash"])

        # another person generates the second half: neither half alone activates, only the pair
        second_half = client.with_user(self.second).action_generate_second_half()["params"]["secret"]
        for secret in (first_half, second_half, f"{second_half}.{first_half}"):
            self.assertManagerActivatesNothing(client, secret)
        pair = f"{first_half}.{second_half}"
        # a pair with a half of an earlier generation is a wrong secret (an administrator generated a new one)
        new_first = client.with_user(self.admin).action_generate_secret()["params"]["secret"]
        new_pair = activation_secret(client, new_first, self.second)
        new_second = new_pair.partition(".")[2]
        for secret in (pair, f"{first_half}.{new_second}", f"{new_first}.{second_half}"):
            self.assertManagerActivatesNothing(client, secret)

        # the partner activates with the whole pair; the token endpoint never takes it
        grant = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": new_pair}
        refused = self._post(TOKEN_PATH, grant, "partner")
        self.assertEqual((refused.status_code, refused.json()["error"]), (400, "unauthorized_client"))
        replaced = self._post(ROTATE_PATH, {"client_id": client.client_id, "client_secret": new_pair}, "partner")
        self.assertEqual(replaced.status_code, 200, replaced.text)
        state = self._state(client)
        self.assertFalse(state["secret_shown_to_staff"] or state["secret_second_half_hash"])
        self.assertFalse(state["secret_first_half_by"])
        notes = " ".join(client.sudo().message_ids.mapped("body"))
        self.assertIn(f"First half of its activation secret shown to {self.manager.name}", notes)
        self.assertIn(f"shown to {self.second.name} (the first half was shown to {self.admin.name})", notes)
        for secret in (first_half, second_half, new_first, new_second):
            self.assertNotIn(secret, notes)

    def test_an_activation_secret_one_person_saw_before_the_rule_activates_nothing(self):
        client = self._new_client("Audit12 pending partner", scopes=["individual:read"])
        seen = client._generate_secret(shown_to_staff=True)
        client.sudo().write({"secret_first_half_by": False})  # as generated before activation took two people
        self.assertIn("before activation took two", client.blocked_reason)
        self.assertManagerActivatesNothing(client, seen)
        before = self._state(client)
        with self.assertRaises(UserError):
            client.with_user(self.second).action_generate_second_half()
        with self.assertRaises(AccessError):
            client.with_user(self.manager).action_generate_secret()
        self.assertEqual(self._state(client), before)
