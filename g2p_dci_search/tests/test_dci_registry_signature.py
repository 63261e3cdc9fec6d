"""The registry signs DCI envelopes with its message key (issue #25): a signed answer is never a bearer token."""

import jwt

from odoo.tests import tagged

from .common import DciCase


@tagged("post_install", "-at_install")
class TestDciSignatureIsNotAToken(DciCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.partner"].create({"is_registrant": True, "given_name": "Tokia", "family_name": "Signedson"})

    def test_signed_search_response_is_refused_as_a_bearer_token(self):
        response = self.search(self.envelope([self.item("expression", {"family_name": "Signedson"})]))
        self.assertEqual(response.status_code, 200, response.text)
        signature = response.json()["signature"]
        message_key = self.env["g2p.api.signing.key"]._ensure_active_key("message")
        self.assertEqual(jwt.get_unverified_header(signature)["kid"], message_key.kid)
        transactions = self.env["g2p.dci.transaction"].search_count([])
        registrants = self.env["res.partner"].search_count([("is_registrant", "=", True)])
        bearer = {"Authorization": f"Bearer {signature}"}
        with self._api(self.rest_endpoint) as api:
            rest = api.post("/api/v2/Individual", json={"given_name": "Forged"}, headers=bearer)
        with self._api() as api:
            dci = api.post(
                "/dci/registry/sync/search",
                json=self.envelope([self.item("expression", {"family_name": "Signedson"})]),
                headers=bearer,
            )
        self.assertEqual((rest.status_code, dci.status_code), (401, 401), (rest.text, dci.text))
        self.assertEqual(self.env["g2p.dci.transaction"].search_count([]), transactions)
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), registrants)
        self.assertFalse(self._audit_rows(status_code=401).client_id, "no call is attributed to a client")
