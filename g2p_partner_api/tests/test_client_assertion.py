"""Partners that authenticate with their own key (RFC 7523 §2.2, private_key_jwt): the registry holds no secret
of theirs, so nobody who configures clients can get tokens in their name."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from unittest.mock import patch

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from odoo.sql_db import Cursor
from odoo.tests import HttpCase, tagged

from ..models.g2p_api_client import JWT_BEARER_ASSERTION, SECRET_CRYPT_CONTEXT
from ..services import jwt_service
from .common import G2PApiCase, JsonRpcAttackMixin

TOKEN_PATH = "/api/v2/oauth/token"


def public_pem(private):
    return private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def algorithm_of(private):
    if isinstance(private, rsa.RSAPrivateKey):
        return "RS256"
    return "EdDSA" if isinstance(private, ed25519.Ed25519PrivateKey) else "ES256"


@tagged("post_install", "-at_install")
class TestClientAssertion(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cls.ec_key = ec.generate_private_key(ec.SECP256R1())
        cls.ed_key = ed25519.Ed25519PrivateKey.generate()
        cls.rsa_client, cls.rsa_secret = cls._key_client("RSA partner", cls.rsa_key)
        cls.ec_client, _secret = cls._key_client("EC partner", cls.ec_key)
        # a JWK rather than PEM: both are what a partner may register
        ed_jwk = jwt.algorithms.get_default_algorithms()["EdDSA"].to_jwk(cls.ed_key.public_key())
        cls.ed_client, _secret = cls._key_client("Ed25519 partner", cls.ed_key, public_key=ed_jwk)
        cls.token_url = cls.env["ir.config_parameter"].get_param("web.base.url").rstrip("/") + TOKEN_PATH

    @classmethod
    def _key_client(cls, name, private, **vals):
        vals = dict({"public_key": public_pem(private)}, **vals)
        client, secret = cls._create_client(name, scopes=["individual:read"], **vals)
        client.token_auth_method = "private_key_jwt"
        return client, secret

    def _claims(self, client, **override):
        now = int(time.time())
        claims = {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
        }
        claims.update(override)
        return {name: value for name, value in claims.items() if value is not None}

    def _assertion(self, private, claims, headers=None):
        return jwt.encode(claims, private, algorithm=algorithm_of(private), headers=headers)

    def _post(self, data, source="partner", headers=None):
        with self._api(source_address=self._address(source)) as api:
            return api.post(TOKEN_PATH, data=dict({"grant_type": "client_credentials"}, **data), headers=headers or {})

    def _by_assertion(self, assertion, source="partner", **data):
        return self._post(dict(data, client_assertion_type=JWT_BEARER_ASSERTION, client_assertion=assertion), source)

    def _used_assertions(self):
        return self.env["g2p.api.client.assertion"].sudo().search_count([])

    def _token_audit(self):
        rows = self._audit_rows(resource=TOKEN_PATH)
        return {
            outcome: sum(rows.filtered(lambda row, outcome=outcome: row.outcome == outcome).mapped("call_count"))
            for outcome in ("success", "failure")
        }

    def assertRefused(self, assertion, source, **data):
        """The request is answered 401 invalid_client like any other failed authentication, no token, the
        assertion not recorded as used, one more failure in the audit and none more success."""
        used, audit = self._used_assertions(), self._token_audit()
        response = self._by_assertion(assertion, source, **data)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertEqual(
            response.json(), {"error": "invalid_client", "error_description": "Client authentication failed."}
        )
        self.assertEqual(self._used_assertions(), used)
        self.assertEqual(self._token_audit(), {"success": audit["success"], "failure": audit["failure"] + 1})
        return response

    def test_rsa_ec_and_ed25519_partners_get_a_token_with_an_assertion(self):
        for client, private in (
            (self.rsa_client, self.rsa_key),
            (self.ec_client, self.ec_key),
            (self.ed_client, self.ed_key),
        ):
            response = self._by_assertion(self._assertion(private, self._claims(client)))
            self.assertEqual(response.status_code, 200, response.text)
            claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
            self.assertEqual((claims["sub"], response.json()["scope"]), (client.client_id, "individual:read"))
            with self._api() as api:
                read = api.get(
                    "/api/v2/Individual", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
                )
            self.assertEqual(read.status_code, 200, read.text)
        self.assertEqual(self._used_assertions(), 3)
        success = self._audit_rows(resource=TOKEN_PATH, outcome="success")
        self.assertEqual(success.mapped("client_id"), self.rsa_client | self.ec_client | self.ed_client)

    def test_client_id_field_optional_but_must_match_and_issuer_accepted_as_audience(self):
        issuer = self.Client._token_issuer()
        assertion = self._assertion(self.ec_key, self._claims(self.ec_client, aud=[issuer, "https://other.example"]))
        response = self._by_assertion(assertion, client_id=self.ec_client.client_id)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertRefused(
            self._assertion(self.ec_key, self._claims(self.ec_client)), "mismatch", client_id=self.rsa_client.client_id
        )

    def test_replayed_assertion_refused(self):
        assertion = self._assertion(self.ec_key, self._claims(self.ec_client))
        self.assertEqual(self._by_assertion(assertion).status_code, 200)
        self.assertRefused(assertion, "replay")
        # the same jti in another assertion of the client: still the same assertion to the registry
        jti = jwt.decode(assertion, options={"verify_signature": False})["jti"]
        self.assertRefused(
            self._assertion(self.ec_key, self._claims(self.ec_client, jti=jti, exp=int(time.time()) + 60)), "jti"
        )

    def test_claims_that_do_not_hold_refused(self):
        now = int(time.time())
        client, private = self.ec_client, self.ec_key
        cases = {
            "aud": self._claims(client, aud="https://registry.example.org/api/v2/oauth/token"),
            "aud-missing": self._claims(client, aud=None),
            "expired": self._claims(client, iat=now - 400, exp=now - 100),
            "too-long": self._claims(client, exp=now + 3600),
            "iat-too-old": self._claims(client, iat=now - 3600, exp=now + 60),
            "exp-missing": self._claims(client, exp=None),
            "jti-missing": self._claims(client, jti=None),
            "jti-empty": self._claims(client, jti=""),
            "not-yet": self._claims(client, nbf=now + 600, exp=now + 290),
            "iat-future": self._claims(client, iat=now + 600, exp=now + 290),
            "sub-other": self._claims(client, sub=self.rsa_client.client_id),
            "iss-other": self._claims(client, iss=self.rsa_client.client_id),
        }
        for source, claims in cases.items():
            with self.subTest(source):
                self.assertRefused(self._assertion(private, claims), source)

    def test_assertion_of_another_client_or_signed_by_another_key_refused(self):
        # the EC partner names the RSA partner: the RSA partner's key does not verify it
        self.assertRefused(self._assertion(self.ec_key, self._claims(self.rsa_client)), "as-other")
        # the RSA partner's own claims, signed with the EC partner's key
        self.assertRefused(
            self._assertion(self.ec_key, self._claims(self.rsa_client)),
            "other-key",
            client_id=self.rsa_client.client_id,
        )
        # a key nobody registered
        self.assertRefused(
            self._assertion(ec.generate_private_key(ec.SECP256R1()), self._claims(self.ec_client)), "stranger"
        )

    def test_alg_none_and_hmac_with_the_public_key_refused(self):
        self.assertRefused(jwt.encode(self._claims(self.rsa_client), None, algorithm="none"), "none")
        # HS256 keyed with the partner's public key: the RS/HS confusion attack
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
        payload = base64.urlsafe_b64encode(json.dumps(self._claims(self.rsa_client)).encode()).rstrip(b"=")
        signature = base64.urlsafe_b64encode(
            hmac.new(self.rsa_client.public_key.encode(), header + b"." + payload, hashlib.sha256).digest()
        ).rstrip(b"=")
        self.assertRefused((header + b"." + payload + b"." + signature).decode(), "hs256")

    def test_other_tokens_of_the_suite_refused_as_assertions(self):
        Key = self.env["g2p.api.signing.key"]
        claims = self._claims(self.ec_client)
        self.assertRefused(Key._sign_access_token(claims), "access-token")
        self.assertRefused(Key._sign_consent_receipt(claims), "receipt")
        # even signed by the partner's own key, a token of another kind is not an assertion
        for typ in ("at+jwt", "application/at+jwt", "consent-receipt+jwt"):
            with self.subTest(typ):
                self.assertRefused(self._assertion(self.ec_key, self._claims(self.ec_client), {"typ": typ}), typ)
        for typ in ("JWT", "client-authentication+jwt"):
            response = self._by_assertion(self._assertion(self.ec_key, self._claims(self.ec_client), {"typ": typ}))
            self.assertEqual(response.status_code, 200, typ)

    def test_secret_refused_on_a_key_only_client(self):
        self.assertFalse(self.rsa_client.has_secret, "choosing private key JWT removed the secret")
        data = {"client_id": self.rsa_client.client_id, "client_secret": self.rsa_secret}
        used, audit = self._used_assertions(), self._token_audit()
        self.assertEqual(self._post(data, "old-secret").status_code, 401)
        # a secret hash put on it anyway (not through the form) does not open the secret path
        self.rsa_client.sudo().write({"secret_hash": SECRET_CRYPT_CONTEXT.hash("planted")})
        response = self._post(dict(data, client_secret="planted"), "planted")
        self.assertEqual((response.status_code, response.json()["error"]), (401, "invalid_client"))
        self.assertEqual(self._used_assertions(), used)
        self.assertEqual(self._token_audit(), {"success": audit["success"], "failure": audit["failure"] + 2})

    def test_assertion_refused_for_a_secret_client(self):
        client, _secret = self._create_client(
            "Secret partner", scopes=["individual:read"], public_key=public_pem(self.ec_key)
        )
        self.assertRefused(self._assertion(self.ec_key, self._claims(client)), "secret-client")

    def test_unknown_or_secret_client_refused_after_one_signature_verification(self):
        """Refused without a key of theirs, they still cost the one signature verification a key client's wrong
        signature costs (against a worker's key of the assertion's algorithm): the answer time tells no client."""
        secret_client, _secret = self._create_client("Secret partner", scopes=["individual:read"])
        cases = (
            ("unknown-rsa", self.rsa_key, self._claims(self.rsa_client, iss="no-such-client", sub="no-such-client")),
            ("unknown-ec", self.ec_key, self._claims(self.ec_client, iss="no-such-client", sub="no-such-client")),
            ("secret-ed", self.ed_key, self._claims(secret_client)),
        )
        client_keys = {public_pem(key) for key in (self.rsa_key, self.ec_key, self.ed_key)}
        for source, private, claims in cases:
            with (
                self.subTest(source),
                patch.object(
                    jwt_service, "verify_client_assertion", wraps=jwt_service.verify_client_assertion
                ) as verify,
            ):
                self.assertRefused(self._assertion(private, claims), source)
                self.assertEqual(verify.call_count, 1)
                key_text, issuer = verify.call_args.args[1:3]
                self.assertNotIn(key_text, client_keys)
                self.assertEqual(issuer, claims["iss"])
                dummy = jwt_service.load_public_key(key_text)
                self.assertEqual(jwt_service.algorithms_for(dummy), jwt_service.algorithms_for(private.public_key()))

    def test_one_method_per_request(self):
        assertion = self._assertion(self.ec_key, self._claims(self.ec_client))
        for data in (
            {"client_assertion": assertion},
            {"client_assertion": assertion, "client_assertion_type": "urn:example:other"},
            {"client_assertion_type": JWT_BEARER_ASSERTION},
            {"client_assertion": assertion, "client_assertion_type": JWT_BEARER_ASSERTION, "client_secret": "x"},
        ):
            response = self._post(data)
            self.assertEqual((response.status_code, response.json()["error"]), (400, "invalid_request"), data)
        self.assertEqual(self._used_assertions(), 0)

    def test_failed_assertions_throttled_as_secrets(self):
        bad = self._claims(self.ec_client, aud="https://elsewhere.example")
        for _attempt in range(10):
            self.assertEqual(self._by_assertion(self._assertion(self.ec_key, bad), "throttled").status_code, 401)
        response = self._by_assertion(self._assertion(self.ec_key, self._claims(self.ec_client)), "throttled")
        self.assertEqual(response.status_code, 429, response.text)
        self.assertEqual(self._used_assertions(), 0)

    def test_assertion_used_by_a_racing_worker_refused_as_a_replay(self):
        """Two workers given one assertion at once: the second's INSERT fails once the first commits (a
        serialization failure under REPEATABLE READ, or a unique violation when it raced past the arbitration).
        The race is reproduced at the INSERT: its statement is replaced by the one the second worker runs into,
        a real database error. The answer is the replay's 401, no token, no row written, the transaction still
        usable (the failure is counted in it) and the next assertion still served."""
        Used = self.env["g2p.api.client.assertion"].sudo()
        original = Cursor.execute
        ran = []

        def racing(failure):
            def execute(cursor, query, params=None, log_exceptions=True):
                if str(query).lstrip().startswith("INSERT INTO g2p_api_client_assertion"):
                    ran.append(failure)
                    if failure == "unique":
                        # the first worker's row, committed; the second's INSERT without arbitration
                        query = str(query).split("ON CONFLICT")[0] + " RETURNING id"
                    else:
                        query, params = (
                            "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' USING ERRCODE = '40001'; END $$",
                            None,
                        )
                return original(cursor, query, params, log_exceptions)

            return execute

        for failure in ("unique", "serialization"):
            with self.subTest(failure):
                claims = self._claims(self.ec_client)
                if failure == "unique":
                    self.assertTrue(Used._use(self.ec_client.id, claims["jti"], claims["exp"]))
                with patch.object(Cursor, "execute", racing(failure)):
                    self.assertRefused(self._assertion(self.ec_key, claims), f"race-{failure}")
                self.assertEqual(ran[-1:], [failure], "the INSERT ran and failed")
        response = self._by_assertion(self._assertion(self.ec_key, self._claims(self.ec_client)), "race-after")
        self.assertEqual(response.status_code, 200, response.text)

    def test_expired_assertions_purged(self):
        Used = self.env["g2p.api.client.assertion"].sudo()
        self.assertTrue(Used._use(self.ec_client.id, "gone", int(time.time()) - 7200))
        self.assertTrue(Used._use(self.ec_client.id, "live", int(time.time()) + 60))
        self.assertFalse(Used._use(self.ec_client.id, "live", int(time.time()) + 60))
        Used._gc_expired_assertions()
        self.assertEqual(Used.search_count([]), 1)


@tagged("post_install", "-at_install")
class TestKeyOnlyClientCustody(JsonRpcAttackMixin, HttpCase):
    """Whoever configures clients cannot give a key-only client a secret again, nor generate one for it, nor move a
    client that has a secret to a key: an API Manager sets the first credential of a new client only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._user("keyauth_manager", "base.group_user,g2p_partner_api.group_api_manager").partner_id.email = False
        cls._user("keyauth_admin", "base.group_user,base.group_system").partner_id.email = False
        key = ec.generate_private_key(ec.SECP256R1())
        cls.client = cls.env["g2p.api.client"].create(
            {"name": "Key-only partner", "public_key": public_pem(key), "token_auth_method": "private_key_jwt"}
        )

    def _state(self):
        self.client.invalidate_recordset()
        return (self.client.token_auth_method, self.client.sudo().secret_hash, self.client.tokens_valid_from)

    def test_api_manager_cannot_generate_a_secret_nor_switch_back_to_secret(self):
        before = self._state()
        self._as("keyauth_manager")
        _result, error = self.call_button("g2p.api.client", "action_generate_secret", [self.client.id])
        self.assertEqual(error, "odoo.exceptions.UserError")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"token_auth_method": "client_secret"}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        self.assertEqual(self._state(), before)
        self.assertFalse(self.env["g2p.api.audit.log"].search([("client_id", "=", self.client.id)]))

    def test_an_administrator_switches_a_client_to_its_key_and_its_secret_goes(self):
        client = self.env["g2p.api.client"].create({"name": "Moving partner", "public_key": self.client.public_key})
        client._generate_secret()
        # the API Manager may not: whoever switches a client that authenticates to a key acts as the partner
        before = (client.token_auth_method, client.sudo().secret_hash, client.tokens_valid_from)
        self._as("keyauth_manager")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[client.id], {"token_auth_method": "private_key_jwt"}]
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        client.invalidate_recordset()
        self.assertEqual((client.token_auth_method, client.sudo().secret_hash, client.tokens_valid_from), before)
        self.assertFalse(self.env["g2p.api.audit.log"].search([("client_id", "=", client.id)]))

        self._as("keyauth_admin")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[client.id], {"token_auth_method": "private_key_jwt"}]
        )
        self.assertIsNone(error)
        client.invalidate_recordset()
        self.assertFalse(client.has_secret)
        self.assertTrue(client.tokens_valid_from, "the tokens issued with the secret are revoked")
        [change] = self.env["g2p.api.audit.log"].search(
            [("client_id", "=", client.id), ("action", "=", "change token_auth_method")]
        )
        self.assertEqual(
            (change.actor, change.old_value, change.new_value), ("keyauth_admin", "client_secret", "private_key_jwt")
        )

    def test_api_manager_sets_the_first_credential_of_a_new_client_only(self):
        """A key and private key JWT for a client that never had a credential: onboarding. The same for a client
        whose key an administrator removed: refused, it had one."""
        fresh = self.env["g2p.api.client"].create({"name": "Fresh partner"})
        self._as("keyauth_manager")
        _result, error = self.call_kw(
            "g2p.api.client",
            "write",
            [[fresh.id], {"public_key": self.client.public_key, "token_auth_method": "private_key_jwt"}],
        )
        self.assertIsNone(error)
        fresh.invalidate_recordset()
        self.assertEqual(fresh.token_auth_method, "private_key_jwt")
        self.assertTrue(fresh.first_credential_on)

        self._as("keyauth_admin")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[fresh.id], {"public_key": False, "token_auth_method": "client_secret"}]
        )
        self.assertIsNone(error)
        self._as("keyauth_manager")
        own_key = public_pem(ec.generate_private_key(ec.SECP256R1()))
        _result, error = self.call_kw(
            "g2p.api.client",
            "write",
            [[fresh.id], {"public_key": own_key, "token_auth_method": "private_key_jwt"}],
        )
        self.assertEqual(error, "odoo.exceptions.AccessError")
        fresh.invalidate_recordset()
        self.assertEqual((fresh.public_key, fresh.token_auth_method), (False, "client_secret"))

    def test_private_key_jwt_needs_a_key_source(self):
        client = self.env["g2p.api.client"].create({"name": "Keyless partner"})
        self._as("keyauth_manager")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[client.id], {"token_auth_method": "private_key_jwt"}]
        )
        self.assertEqual(error, "odoo.exceptions.ValidationError")
        client.invalidate_recordset()
        self.assertEqual(client.token_auth_method, "client_secret")

    def test_administrator_switches_back_to_secret(self):
        self._as("keyauth_admin")
        _result, error = self.call_kw(
            "g2p.api.client", "write", [[self.client.id], {"token_auth_method": "client_secret"}]
        )
        self.assertIsNone(error)
        _result, error = self.call_button("g2p.api.client", "action_generate_secret", [self.client.id])
        self.assertIsNone(error)
        self.client.invalidate_recordset()
        self.assertEqual((self.client.token_auth_method, self.client.has_secret), ("client_secret", True))
