"""A partner that publishes its keys as a JWK Set authenticates at the token endpoint with an assertion signed by
one of them (RFC 7523, private_key_jwt), named by its kid: the set is rotated without anyone editing the client."""

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.models.g2p_api_client import JWT_BEARER_ASSERTION
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

from .test_partner_jwks import KeySetServer


@tagged("post_install", "-at_install")
class TestClientAssertionKeySet(KeySetServer, G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._serve_key_set()
        cls.key_a, cls.key_b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        cls.client, _secret = cls._create_client("Key set partner", scopes=["individual:read"], jwks_uri=cls.jwks_url)
        cls.client.token_auth_method = "private_key_jwt"
        base_url = cls.env["ir.config_parameter"].get_param("web.base.url").rstrip("/")
        cls.token_url = f"{base_url}/api/v2/oauth/token"

    def _request_token(self, key, kid):
        now = int(time.time())
        claims = {"iss": self.client.client_id, "sub": self.client.client_id, "aud": self.token_url}
        claims.update(iat=now, exp=now + 60, jti=str(uuid.uuid4()))
        assertion = jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER_ASSERTION,
            "client_assertion": assertion,
        }
        with self._api() as api:
            return api.post("/api/v2/oauth/token", data=data)

    def test_the_key_its_kid_names_verifies_the_assertion(self):
        self.publish({"a": self.key_a, "b": self.key_b})
        for key, kid in ((self.key_a, "a"), (self.key_b, "b")):
            response = self._request_token(key, kid)
            self.assertEqual(response.status_code, 200, response.text)
        used = self.env["g2p.api.client.assertion"].search_count([])
        for key, kid in ((self.key_a, "b"), (self.key_b, "unknown")):
            response = self._request_token(key, kid)
            self.assertEqual((response.status_code, response.json()["error"]), (401, "invalid_client"), kid)
        self.assertEqual(self.env["g2p.api.client.assertion"].search_count([]), used)

    def test_a_key_removed_from_the_set_stops_authenticating(self):
        self.publish({"a": self.key_a}, cache_control="no-store")
        self.assertEqual(self._request_token(self.key_a, "a").status_code, 200)
        self.publish({"b": self.key_b}, cache_control="no-store")
        self.a_minute_later(expired=True)
        response = self._request_token(self.key_a, "a")
        self.assertEqual((response.status_code, response.json()["error"]), (401, "invalid_client"))
        self.assertEqual(self._request_token(self.key_b, "b").status_code, 200)
