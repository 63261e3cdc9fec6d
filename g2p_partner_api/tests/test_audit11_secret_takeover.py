"""Sixth audit (audit11): the API Manager who onboards a partner must never hold a working credential of it.

The audit proved two holes, both closed: the secret the API Manager saw at onboarding got tokens until the partner
replaced it (long enough to make a subscription to a server of its own, which outlived the rotation), and after the
rotation the API Manager gave the client a key of its own and switched it to private key JWT. A secret shown to staff
now only replaces itself (``POST /api/v2/oauth/client_secret``), and an API Manager sets the first credential of a
client that has none, nothing more. Each test performs the attack and asserts the refusal and an unchanged database."""

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from odoo.tests import HttpCase, new_test_user, tagged

from ..models.g2p_api_client import JWT_BEARER_ASSERTION, PRIVATE_KEY_JWT
from .common import INVALID_CLIENT, SECRET_SHOWN_TO_STAFF, G2PApiCase, JsonRpcAttackMixin, activation_secret

TOKEN_PATH = "/api/v2/oauth/token"
ROTATE_PATH = "/api/v2/oauth/client_secret"


@tagged("post_install", "-at_install")
class TestAudit11ApiManagerTakesOverARotatedClient(JsonRpcAttackMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._user("audit11_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        cls.manager.partner_id.email = False
        # onboarding as documented: the API Manager creates the client and hands over the first secret
        scope = cls.env["g2p.api.scope"].search([("code", "=", "individual:read")])
        cls.client = cls.env["g2p.api.client"].create({"name": "Audit11 cash provider", "scope_ids": scope.ids})
        cls.managers_copy = activation_secret(
            cls.client, cls.client.with_user(cls.manager).action_generate_secret()["params"]["secret"]
        )
        cls.own_key = ec.generate_private_key(ec.SECP256R1())  # the API Manager's own
        cls.own_pem = cls.own_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    def _post(self, path, data):
        return self.url_open(path, data=data)

    def _state(self):
        self.client.invalidate_recordset()
        (values,) = self.client.sudo().read(
            ["public_key", "jwks_uri", "token_auth_method", "secret_hash", "tokens_valid_from", "first_credential_on"]
        )
        audit = self.env["g2p.api.audit.log"].search_count(
            [("action", "like", "change %"), ("client_id", "=", values["id"])]
        )
        return dict(values, messages=len(self.client.sudo().message_ids), setting_changes=audit)

    def _assertion_token(self):
        now = int(time.time())
        token_url = self.env["ir.config_parameter"].get_param("web.base.url").rstrip("/") + TOKEN_PATH
        assertion = jwt.encode(
            {
                "iss": self.client.client_id,
                "sub": self.client.client_id,
                "aud": token_url,
                "iat": now,
                "exp": now + 120,
                "jti": str(uuid.uuid4()),
            },
            self.own_key,
            algorithm="ES256",
        )
        return self._post(
            TOKEN_PATH,
            {
                "grant_type": "client_credentials",
                "client_assertion_type": JWT_BEARER_ASSERTION,
                "client_assertion": assertion,
            },
        )

    def test_api_manager_cannot_take_over_the_client_after_the_partner_rotated(self):
        # the partner replaces its secret first, as docs/security.md tells it: the manager's copy is dead
        rotated = self._post(ROTATE_PATH, {"client_id": self.client.client_id, "client_secret": self.managers_copy})
        self.assertEqual(rotated.status_code, 200, rotated.text)
        partners_secret = rotated.json()["client_secret"]
        dead = self._post(
            TOKEN_PATH,
            {
                "grant_type": "client_credentials",
                "client_id": self.client.client_id,
                "client_secret": self.managers_copy,
            },
        )
        self.assertEqual((dead.status_code, dead.json()), (401, INVALID_CLIENT))

        # the API Manager (JSON-RPC write) gives the client a key of its own and switches it to private key JWT, or
        # only sets a "first" key beside the partner's secret (ingest and DCI signatures): both refused
        before = self._state()
        self._as("audit11_api_manager")
        for vals in ({"public_key": self.own_pem, "token_auth_method": PRIVATE_KEY_JWT}, {"public_key": self.own_pem}):
            with self.subTest(vals=list(vals)):
                _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], vals])
                self.assertEqual(error, "odoo.exceptions.AccessError")
                self.assertEqual(self._state(), before, "key, method, secret, chatter and audit log as they were")

        # no token for the API Manager's key; the partner's own secret still gets one
        refused = self._assertion_token()
        self.assertEqual((refused.status_code, refused.json()), (401, INVALID_CLIENT))
        answer = self._post(
            TOKEN_PATH,
            {"grant_type": "client_credentials", "client_id": self.client.client_id, "client_secret": partners_secret},
        )
        self.assertEqual(answer.status_code, 200, answer.text)

    def test_api_manager_sets_no_key_on_a_client_with_a_secret_even_unrotated(self):
        before = self._state()
        self._as("audit11_api_manager")
        _result, error = self.call_kw("g2p.api.client", "write", [[self.client.id], {"public_key": self.own_pem}])
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._state(), before)
        self.assertFalse(before["public_key"])


@tagged("post_install", "-at_install")
class TestAudit11SubscriptionOutlivesTheRotation(G2PApiCase):
    """The API Manager sees the first secret (onboarding, as documented) and, before the partner replaces it, tries
    to make a subscription with it (``POST /Subscription``) to a server of its own: the secret it saw gets no token,
    so no subscription. The partner replaces the secret, and the secret only it saw works."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "audit11_sub_manager", groups="g2p_partner_api.group_api_manager")
        cls.manager.partner_id.email = False
        cls.client = cls._new_client("Audit11 hooked provider", scopes=["individual:read", "subscription:manage"])
        cls.managers_copy = activation_secret(
            cls.client, cls.client.with_user(cls.manager).action_generate_secret()["params"]["secret"]
        )

    def _token_answer(self, secret, source):
        with self._api(source_address=self._address(source)) as api:
            return api.post(
                TOKEN_PATH,
                data={"grant_type": "client_credentials", "client_id": self.client.client_id, "client_secret": secret},
            )

    def _state(self):
        self.client.invalidate_recordset()
        (values,) = self.client.sudo().read(["secret_hash", "secret_shown_to_staff", "tokens_valid_from"])
        subscriptions = self.env["g2p.api.subscription"].sudo().with_context(active_test=False)
        return dict(values, subscriptions=subscriptions.search_count([("client_id", "=", self.client.id)]))

    def test_the_onboarding_secret_gets_no_token_so_no_subscription(self):
        before = self._state()
        self.assertTrue(before["secret_shown_to_staff"])
        refused = self._token_answer(self.managers_copy, "manager")
        self.assertEqual((refused.status_code, refused.json()), (400, SECRET_SHOWN_TO_STAFF))
        self.assertEqual(refused.headers["cache-control"], "no-store")
        with self._api(source_address=self._address("manager")) as api:
            made = api.post(
                "/api/v2/Subscription",
                json={
                    "name": "Updates",
                    "target_url": "https://audit11-manager.invalid/hook",
                    "events": ["individual.updated"],
                },
            )
        self.assertEqual(made.status_code, 401, made.text)
        self.assertEqual(self._state(), before, "no subscription, no revocation, the secret still to replace")

        # a wrong secret is still the one invalid_client, as for an unknown client
        wrong = self._token_answer("guess", "wrong")
        self.assertEqual((wrong.status_code, wrong.json()), (401, INVALID_CLIENT))

        # the partner replaces the secret: the secret only it saw gets tokens, the copy staff saw nothing
        with self._api(source_address=self._address("partner")) as api:
            rotated = api.post(
                ROTATE_PATH, data={"client_id": self.client.client_id, "client_secret": self.managers_copy}
            )
        self.assertEqual(rotated.status_code, 200, rotated.text)
        self.assertFalse(self._state()["secret_shown_to_staff"])
        answer = self._token_answer(rotated.json()["client_secret"], "partner")
        self.assertEqual(answer.status_code, 200, answer.text)
        dead = self._token_answer(self.managers_copy, "manager")
        self.assertEqual((dead.status_code, dead.json()), (401, INVALID_CLIENT))
