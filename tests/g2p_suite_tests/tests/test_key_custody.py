"""After a rotation the retiring key stays in every JWKS the registry publishes, for the grace period only;
both purposes' keys (access tokens, messages) are in both."""

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase


@tagged("post_install", "-at_install")
class TestRotationInEveryJwks(G2PApiCase):
    def _kids(self):
        kids = {}
        for xmlid, path in (
            ("g2p_partner_api.fastapi_endpoint_rest", "/api/v2/.well-known/jwks.json"),
            ("g2p_dci_search.fastapi_endpoint_dci", "/dci/.well-known/jwks.json"),
        ):
            with self._api(self.env.ref(xmlid)) as api:
                response = api.get(path)
            self.assertEqual(response.status_code, 200, response.text)
            kids[path] = [key["kid"] for key in response.json()["keys"]]
        return kids

    def test_rest_and_dci_jwks_keep_the_retiring_key_during_grace(self):
        Key = self.env["g2p.api.signing.key"]
        token_key = Key._ensure_active_key("access_token")
        old = Key._ensure_active_key("message")
        new = old.action_rotate()
        self.assertEqual(set(map(tuple, self._kids().values())), {(token_key.kid, new.kid, old.kid)})
        old.retired_on = old.retired_on - Key._grace()
        self.assertEqual(set(map(tuple, self._kids().values())), {(token_key.kid, new.kid)})
