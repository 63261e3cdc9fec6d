import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt

from odoo.tests import tagged

from .common import G2PApiCase


@tagged("post_install", "-at_install")
class TestOAuthToken(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("Census tool", scopes=["individual:read", "group:read"])

    def _post_token(self, data, headers=None):
        with self._api() as api:
            return api.post("/api/v2/oauth/token", data=data, headers=headers or {})

    def test_token_issued_with_client_credentials(self):
        response = self._post_token(
            {"grant_type": "client_credentials", "client_id": self.client.client_id, "client_secret": self.secret}
        )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(
            (body["token_type"], body["expires_in"], body["scope"]), ("Bearer", 3600, "group:read individual:read")
        )
        self.assertEqual(response.headers["cache-control"], "no-store")
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        self.assertEqual(claims["sub"], self.client.client_id)
        self.assertEqual(set(claims), {"iss", "sub", "aud", "scope", "iat", "nbf", "exp", "jti"})
        self.assertEqual(jwt.get_unverified_header(body["access_token"])["alg"], "ES256")

    def test_token_with_http_basic_and_scope_subset(self):
        basic = base64.b64encode(f"{self.client.client_id}:{self.secret}".encode()).decode()
        response = self._post_token(
            {"grant_type": "client_credentials", "scope": "group:read"}, headers={"Authorization": f"Basic {basic}"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["scope"], "group:read")

    def test_rfc6749_errors(self):
        base = {"client_id": self.client.client_id, "client_secret": self.secret}
        cases = [
            (dict(base, grant_type="client_credentials", client_secret="wrong"), 401, "invalid_client"),
            (dict(base, grant_type="client_credentials", client_id="nobody"), 401, "invalid_client"),
            (dict(base, grant_type="password"), 400, "unsupported_grant_type"),
            (base, 400, "invalid_request"),
            (
                dict(base, grant_type="client_credentials", scope="individual:read individual:write"),
                400,
                "invalid_scope",
            ),
        ]
        for data, status, error in cases:
            response = self._post_token(data)
            self.assertEqual((response.status_code, response.json()["error"]), (status, error), data)
            self.assertIn("error_description", response.json())
        failures = self._audit_rows(resource="/api/v2/oauth/token", outcome="failure")
        # refused anonymous calls share a row per reason and minute: both invalid_client calls are one row
        self.assertEqual(sum(failures.mapped("call_count")), len(cases))
        self.assertEqual(sum(failures.filtered(lambda row: row.error_code == "invalid_client").mapped("call_count")), 2)

    def test_basic_auth_failure_announces_basic(self):
        basic = base64.b64encode(f"{self.client.client_id}:nope".encode()).decode()
        response = self._post_token({"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
        self.assertEqual(response.status_code, 401)
        self.assertIn("Basic", response.headers["www-authenticate"])

    def test_deactivated_client_cannot_get_a_token(self):
        self.client.active = False
        response = self._post_token(
            {"grant_type": "client_credentials", "client_id": self.client.client_id, "client_secret": self.secret}
        )
        self.assertEqual((response.status_code, response.json()["error"]), (401, "invalid_client"))


@tagged("post_install", "-at_install")
class TestBearerTokens(G2PApiCase):
    """RFC 8725 checks on the tokens the registry accepts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client("ID system", scopes=["individual:read"])
        cls.Key = cls.env["g2p.api.signing.key"]

    def _get(self, token):
        with self._api() as api:
            return api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {token}"} if token else {})

    def _claims(self, **override):
        now = int(time.time())
        claims = {
            "iss": self.Client._token_issuer(),
            "sub": self.client.client_id,
            "aud": self.Client._token_audience(),
            "scope": "individual:read",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        claims.update(override)
        return claims

    def assertRefused(self, token, status=401):
        response = self._get(token)
        self.assertEqual(response.status_code, status, response.text)
        if status == 401:
            self.assertTrue(response.headers["www-authenticate"].startswith("Bearer"))
        return response

    def test_valid_token_accepted(self):
        self.assertEqual(self._get(self.Key._sign_access_token(self._claims())).status_code, 200)

    def test_missing_and_garbage_tokens(self):
        self.assertRefused(None)
        self.assertRefused("not-a-jwt")

    def test_expired_not_yet_valid_wrong_audience_issuer(self):
        now = int(time.time())
        self.assertRefused(self.Key._sign_access_token(self._claims(iat=now - 600, nbf=now - 600, exp=now - 10)))
        self.assertRefused(self.Key._sign_access_token(self._claims(nbf=now + 600)))
        self.assertRefused(self.Key._sign_access_token(self._claims(aud="someone-else")))
        self.assertRefused(self.Key._sign_access_token(self._claims(iss="https://evil.example")))
        claims = self._claims()
        del claims["jti"]
        self.assertRefused(self.Key._sign_access_token(claims))

    def test_alg_none_and_key_confusion_refused(self):
        key = self.Key._ensure_active_key("access_token")
        unsigned = jwt.encode(self._claims(), None, algorithm="none", headers={"kid": key.kid, "typ": "at+jwt"})
        self.assertRefused(unsigned)
        # HS256 keyed with the registry's public key: the classic RS/HS confusion attack
        header = base64.urlsafe_b64encode(f'{{"alg":"HS256","typ":"at+jwt","kid":"{key.kid}"}}'.encode()).rstrip(b"=")
        payload = base64.urlsafe_b64encode(json.dumps(self._claims()).encode()).rstrip(b"=")
        signature = base64.urlsafe_b64encode(
            hmac.new(key.public_key_pem.encode(), header + b"." + payload, hashlib.sha256).digest()
        ).rstrip(b"=")
        self.assertRefused((header + b"." + payload + b"." + signature).decode())

    def test_tampered_payload_refused(self):
        token = self.Key._sign_access_token(self._claims())
        header, payload, signature = token.split(".")
        claims = self._claims(scope="individual:read individual:write group:read")
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        self.assertRefused(f"{header}.{forged}.{signature}")

    def test_scope_escalation_in_token_is_ignored(self):
        token = self.Key._sign_access_token(self._claims(scope="individual:read group:read"))
        with self._api() as api:
            response = api.get("/api/v2/Group", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 403, "scopes the client does not hold are not granted")
        self.assertEqual(response.json()["code"], "insufficient_scope")

    def test_deactivated_or_deleted_client_refused_at_once(self):
        token = self._token(self.client.client_id, self.secret)
        self.assertEqual(self._get(token).status_code, 200)
        self.client.active = False
        self.assertRefused(token)
        self.client.active = True
        self.assertRefused(token)  # reactivation does not revive the tokens issued before
        token = self._token(self.client.client_id, self.secret)
        self.assertEqual(self._get(token).status_code, 200)
        self.client.unlink()
        self.assertRefused(token)

    def test_token_without_access_token_type_refused(self):
        claims = self._claims()
        for headers in ({}, {"typ": None}, {"typ": "JWT"}, {"typ": "at+jwt+evil"}):
            response = self.assertRefused(self.Key._sign(claims, "access_token", headers=headers))
            self.assertIn("typ must be at+jwt", response.json()["detail"], headers)
        for typ in ("at+jwt", "AT+JWT", "application/at+jwt"):
            token = self.Key._sign(self._claims(), "access_token", headers={"typ": typ})
            self.assertEqual(self._get(token).status_code, 200, typ)

    def test_token_outliving_the_client_lifetime_refused(self):
        now = int(time.time())
        lifetime = self.client.token_lifetime
        response = self.assertRefused(self.Key._sign_access_token(self._claims(iat=now, exp=now + lifetime + 1)))
        self.assertIn("token lifetime", response.json()["detail"])
        self.assertEqual(
            self._get(self.Key._sign_access_token(self._claims(iat=now, exp=now + lifetime))).status_code, 200
        )
        self.client.token_lifetime = 60
        self.assertRefused(self.Key._sign_access_token(self._claims(iat=now, exp=now + 300)))

    def test_rotated_key_verifies_old_tokens_until_the_grace_period_ends(self):
        token = self._token(self.client.client_id, self.secret)
        old = self.Key._ensure_active_key("access_token")
        old.action_rotate()
        self.assertEqual(self._get(token).status_code, 200, "still inside the grace period")
        self.assertEqual(self._get(self._token(self.client.client_id, self.secret)).status_code, 200)
        old.retired_on = old.retired_on - self.Key._grace()
        self.assertRefused(token)

    def test_missing_scope_is_403(self):
        with self._api() as api:
            response = api.get("/api/v2/Program", headers=self._auth(self.client, self.secret))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["code"], "insufficient_scope")
        self.assertIn("program:read", response.json()["detail"])
