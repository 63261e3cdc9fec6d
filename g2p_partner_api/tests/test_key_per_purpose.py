"""One key per purpose (issue #25): whatever the registry signs as a message is never a bearer token.

An API Manager controls the body of outbound JWS deliveries (payload templates); were messages
signed with the token key, a template rendering token claims would mint a working access token.
"""

import json
import time
import uuid

import jwt

from odoo.tests import tagged

from .common import G2PReceiverCase

DELIVERY = ["g2p.api.delivery"]


@tagged("post_install", "-at_install")
class TestMessageSignaturesAreNeverTokens(G2PReceiverCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_subscriber("Token forger", ["individual:read", "individual:write"])
        cls.Key = cls.env["g2p.api.signing.key"]

    def _token_claims(self):
        now = int(time.time())
        return {
            "iss": self.Client._token_issuer(),
            "sub": self.client.client_id,
            "aud": self.Client._token_audience(),
            "scope": "individual:read individual:write",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
        }

    def _registrants(self):
        return self.env["res.partner"].with_context(active_test=False).search_count([("is_registrant", "=", True)])

    def assertNotABearerToken(self, signature):
        """Use ``signature`` as a bearer token to create a registrant: 401, nothing written, nobody authenticated."""
        before = self._registrants()
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                json={"given_name": "Forged", "family_name": "Bytoken"},
                headers={"Authorization": f"Bearer {signature}"},
            )
            self.assertEqual(response.status_code, 401, response.text)
            read = api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {signature}"})
            self.assertEqual(read.status_code, 401, read.text)
        self.assertTrue(response.headers["www-authenticate"].startswith("Bearer"))
        self.assertEqual(self._registrants(), before)
        self.assertFalse(self.env["res.partner"].search([("family_name", "=", "Bytoken")]))
        # refused anonymous calls are counted on one row per source, reason and minute
        refused = self._audit_rows(resource="/api/v2/Individual")
        self.assertEqual(set(refused.mapped("status_code")), {401})
        self.assertEqual(sum(refused.mapped("call_count")), 2)
        self.assertFalse(refused.client_id, "no call is attributed to the client the claims name")

    def test_outbound_jws_rendering_token_claims_is_refused_as_a_bearer_token(self):
        claims = self._token_claims()
        self._subscribe(["individual.updated"], signing="jws", payload_template=json.dumps(claims))
        self.person.write({"family_name": "Renamed for the forger"})
        self.commit_events()
        self.receiver.answer(200, {})
        self.run_jobs(DELIVERY)
        (request,) = self.receiver.requests
        signature = request["headers"]["x-g2p-jws"]
        # the delivery did sign exactly the token claims, with the registry's (message) key
        message_key = self.Key._ensure_active_key("message")
        signed = jwt.decode(signature, message_key._public_key(), algorithms=["ES256"], audience=claims["aud"])
        self.assertEqual(signed, claims)
        self.assertEqual(jwt.get_unverified_header(signature)["kid"], message_key.kid)
        self.assertNotABearerToken(signature)
        # the honest path: a token from the token endpoint writes
        with self._api() as api:
            response = api.post(
                "/api/v2/Individual",
                json={"given_name": "Honest", "family_name": "Bytoken"},
                headers=self._auth(self.client, self.secret),
            )
        self.assertEqual(response.status_code, 201, response.text)

    def test_message_key_signature_refused_even_with_the_token_type(self):
        """Were the header ever controllable: the message key still verifies no token."""
        forged = self.Key._sign(self._token_claims(), "message", headers={"typ": "at+jwt"})
        self.assertNotABearerToken(forged)
        with self._api() as api:
            response = api.get("/api/v2/Individual", headers={"Authorization": f"Bearer {forged}"})
        self.assertIn("unknown signing key", response.json()["detail"])
