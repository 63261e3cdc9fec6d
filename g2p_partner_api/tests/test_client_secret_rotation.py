"""A partner replaces its own client secret (POST /api/v2/oauth/client_secret), authenticated with the current one
as at the token route: the API Manager who generated the first secret, and saw it, then holds nothing that works."""

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from odoo.tests import new_test_user, tagged

from ..models.g2p_api_client import JWT_BEARER_ASSERTION, PRIVATE_KEY_JWT
from .common import INVALID_CLIENT as REFUSED
from .common import SECRET_SHOWN_TO_STAFF, G2PApiCase, activation_secret

ROUTE = "/api/v2/oauth/client_secret"


def public_pem():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@tagged("post_install", "-at_install")
class TestClientSecretRotation(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "rotation_api_manager", groups="g2p_partner_api.group_api_manager")
        # the onboarding: the API Manager creates the client (no secret yet), presses Generate secret and sees the
        # first half once, another person the second half; the partner holds both
        cls.client = cls._new_client("Cash transfer provider", scopes=["individual:read"])
        cls.first_half = cls.client.with_user(cls.manager).action_generate_secret()["params"]["secret"]
        cls.managers_copy = activation_secret(cls.client, cls.first_half)

    def _rotate(self, data=None, headers=None, source="partner"):
        with self._api(source_address=self._address(source)) as api:
            return api.post(ROUTE, data=data or {}, headers=headers or {})

    def _token_answer(self, client, secret, source="partner"):
        with self._api(source_address=self._address(source)) as api:
            return api.post(
                "/api/v2/oauth/token",
                data={"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
            )

    def _read(self, token):
        with self._api() as api:
            return api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {token}"})

    def _state(self, client):
        """What a rotation changes: the hash, its date, the revocation moment, the chatter, the client's state."""
        client.invalidate_recordset()
        (values,) = client.sudo().read(
            ["secret_hash", "secret_rotated_on", "secret_shown_to_staff", "tokens_valid_from", "active"]
        )
        return dict(values, messages=len(client.sudo().message_ids))

    def assertClientRefused(self, response):
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(response.json(), REFUSED)
        self.assertEqual(response.headers["cache-control"], "no-store")

    def test_the_partner_rotates_and_only_the_new_secret_works(self):
        # the secret the API Manager saw gets no token: the answer tells whoever holds it what to do
        refused = self._token_answer(self.client, self.managers_copy)
        self.assertEqual((refused.status_code, refused.json()), (400, SECRET_SHOWN_TO_STAFF))
        self.assertEqual(refused.headers["cache-control"], "no-store")
        hash_before = self._state(self.client)["secret_hash"]

        response = self._rotate(headers=basic(self.client.client_id, self.managers_copy))

        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["cache-control"], "no-store")
        self.assertEqual(response.headers["pragma"], "no-cache")
        body = response.json()
        self.assertEqual(set(body), {"client_id", "client_secret", "client_secret_expires_at"})
        self.assertEqual((body["client_id"], body["client_secret_expires_at"]), (self.client.client_id, 0))
        new_secret = body["client_secret"]
        self.assertNotEqual(new_secret, self.managers_copy)
        state = self._state(self.client)
        self.assertNotEqual(state["secret_hash"], hash_before)
        self.assertNotIn(new_secret, state["secret_hash"], "only the hash is kept")
        self.assertFalse(state["secret_shown_to_staff"], "nobody here saw the new one")
        # the API Manager's copy is dead
        self.assertClientRefused(self._token_answer(self.client, self.managers_copy))
        self.assertClientRefused(self._rotate(headers=basic(self.client.client_id, self.managers_copy)))
        # the partner's new secret gets tokens that read
        fresh = self._token_answer(self.client, new_secret)
        self.assertEqual(fresh.status_code, 200, fresh.text)
        earlier_token = fresh.json()["access_token"]
        self.assertEqual(self._read(earlier_token).status_code, 200)
        notes = self.client.sudo().message_ids.mapped("body")
        self.assertTrue(any("Client secret replaced by the partner" in note for note in notes), notes)
        # the form (client_secret_post) serves as well as HTTP Basic; a rotation ends every token issued before
        again = self._rotate({"client_id": self.client.client_id, "client_secret": new_secret})
        self.assertEqual(again.status_code, 200, again.text)
        self.assertClientRefused(self._token_answer(self.client, new_secret))
        earlier = self._read(earlier_token)
        self.assertEqual(earlier.status_code, 401, earlier.text)
        self.assertIn("revoked", earlier.json()["detail"])
        self.assertEqual(self._token_answer(self.client, again.json()["client_secret"]).status_code, 200)

    def test_the_rotation_is_audited_as_the_clients_call(self):
        response = self._rotate({"client_id": self.client.client_id, "client_secret": self.managers_copy})
        self.assertEqual(response.status_code, 200, response.text)
        (row,) = self._audit_rows(resource=ROUTE, outcome="success")
        self.assertEqual(
            (row.client_id, row.actor, row.status_code, row.action),
            (self.client, self.client.client_id, 200, "POST /oauth/client_secret"),
        )
        self.assertNotIn(response.json()["client_secret"], str(row.read()[0]))

    def test_a_bearer_token_is_not_enough(self):
        client, secret = self._create_client("Token holder", scopes=["individual:read"])
        token = self._token(client.client_id, secret)
        before = self._state(client)
        bearer = {"Authorization": f"Bearer {token}"}
        for data in ({}, {"client_id": client.client_id}):
            with self.subTest(data=data):
                self.assertClientRefused(self._rotate(data, headers=bearer))
        self.assertEqual(self._state(client), before)
        self.assertEqual(self._read(token).status_code, 200, "nothing revoked either")

    def test_a_client_with_its_own_key_has_no_secret_to_rotate(self):
        # the secret it had before it moved to its own key: dropped then, refused now
        keyed, secret = self._create_client("Keyed partner", scopes=["individual:read"], public_key=public_pem())
        keyed.token_auth_method = PRIVATE_KEY_JWT
        before = self._state(keyed)
        for data, headers in (
            ({"client_id": keyed.client_id, "client_secret": secret}, {}),
            ({}, basic(keyed.client_id, secret)),
            ({"client_assertion_type": JWT_BEARER_ASSERTION, "client_assertion": "a.b.c"}, {}),
        ):
            with self.subTest(data=data, headers=headers):
                self.assertClientRefused(self._rotate(data, headers=headers))
        self.assertEqual(self._state(keyed), before)
        self.assertFalse(before["secret_hash"])

    def test_an_archived_client_is_refused(self):
        self.client.action_archive()
        before = self._state(self.client)
        self.assertClientRefused(
            self._rotate({"client_id": self.client.client_id, "client_secret": self.managers_copy})
        )
        self.assertEqual(self._state(self.client), before)
        self.assertFalse(before["active"])

    def test_a_wrong_secret_is_answered_as_an_unknown_client(self):
        before = self._state(self.client)
        wrong = self._rotate({"client_id": self.client.client_id, "client_secret": "guess"}, source="wrong")
        unknown = self._rotate({"client_id": "g2p-nobody", "client_secret": "guess"}, source="unknown")
        self.assertClientRefused(wrong)
        self.assertEqual((unknown.status_code, unknown.content), (wrong.status_code, wrong.content))
        self.assertEqual(dict(unknown.headers), dict(wrong.headers))
        self.assertEqual(self._state(self.client), before)
        failures = self._audit_rows(resource=ROUTE, outcome="failure")
        self.assertEqual(set(failures.mapped("error_code")), {"invalid_client"})
        self.assertEqual(sum(failures.mapped("call_count")), 2)

    def test_failures_count_with_the_token_routes(self):
        """Guessing here is throttled as at the token route, with the same counters: the right secret then waits."""
        before = self._state(self.client)
        statuses = [
            self._rotate({"client_id": self.client.client_id, "client_secret": f"guess-{n}"}).status_code
            for n in range(10)
        ]
        self.assertEqual(statuses, [401] * 10)
        for answer in (
            self._rotate({"client_id": self.client.client_id, "client_secret": self.managers_copy}),
            self._token_answer(self.client, self.managers_copy),
        ):
            self.assertEqual((answer.status_code, answer.json()["error"]), (429, "temporarily_unavailable"))
            self.assertTrue(answer.headers["retry-after"])
        self.assertEqual(self._state(self.client), before)

    def test_the_openapi_document_lists_the_route(self):
        with self._api() as api:
            spec = api.get("/api/v2/openapi.json").json()
        operation = spec["paths"]["/oauth/client_secret"]["post"]
        self.assertEqual(operation["operationId"], "rotateClientSecret")
        self.assertNotIn("security", operation)
        self.assertEqual(
            operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ClientSecretResponse",
        )
        for status in ("400", "401", "413", "429"):
            self.assertEqual(
                operation["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/OAuthErrorResponse",
                status,
            )
