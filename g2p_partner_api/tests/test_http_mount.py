from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMountedThroughOdoo(HttpCase):
    """The REST app is reachable through Odoo's HTTP stack, as `make run` serves it."""

    def test_ping_docs_and_openapi(self):
        response = self.url_open("/api/v2/ping")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "ok"}))
        self.assertEqual(self.url_open("/api/v2/docs").status_code, 200)
        schema = self.url_open("/api/v2/openapi.json").json()
        self.assertIn("/oauth/token", schema["paths"])
        self.assertFalse(self.env["g2p.api.audit.log"].search([("resource", "like", "/api/v2/ping")]))

    def test_unauthenticated_call_is_refused_in_the_envelope(self):
        response = self.url_open("/api/v2/oauth/token", data={"grant_type": "password"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "unsupported_grant_type")
