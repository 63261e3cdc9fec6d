from odoo.tests import HttpCase, tagged

from .query_log import logged_queries


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

    def test_routes_read_no_version_per_call_and_changes_show(self):
        """The routing map is rebuilt on Odoo's own "routing" cache signal, which every route change of OCA
        endpoint_route_handler gives: no call reads its route version sequence, and an endpoint's routes
        going and coming back show at the next call."""
        self.assertEqual(self.url_open("/api/v2/ping").status_code, 200)
        with logged_queries(self.env) as queries:
            self.assertEqual(self.url_open("/api/v2/ping").status_code, 200)
        self.assertFalse([q for q in queries.statements if "endpoint_route_version" in q], str(queries))
        endpoint = self.env.ref("g2p_partner_api.fastapi_endpoint_rest")
        endpoint._unregister_controllers()
        self.assertEqual(self.url_open("/api/v2/ping").status_code, 404)
        endpoint._register_controllers()
        self.assertEqual(self.url_open("/api/v2/ping").status_code, 200)

    def test_unauthenticated_call_is_refused_in_the_envelope(self):
        response = self.url_open("/api/v2/oauth/token", data={"grant_type": "password"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "unsupported_grant_type")

    def test_body_limits_hold_through_odoos_http_stack(self):
        """Size and depth are refused in the REST shape through the WSGI bridge, never a 500."""
        self.env["ir.config_parameter"].set_param("g2p_partner_api.max_body_bytes", "4096")
        headers = {"Content-Type": "application/json"}
        deep = self.url_open("/api/v2/Individual", data=b"[" * 100 + b"]" * 100, headers=headers)
        self.assertEqual((deep.status_code, deep.json()["code"]), (400, "bad_request"))
        large = self.url_open("/api/v2/Individual", data=b"[" + b" " * 8192 + b"]", headers=headers)
        self.assertEqual((large.status_code, large.json()["code"]), (413, "payload_too_large"))
        token = self.url_open(
            "/api/v2/oauth/token", data=b"grant_type=client_credentials&client_id=" + b"x" * 20000, headers={}
        )
        self.assertEqual((token.status_code, token.json()["error"]), (413, "invalid_request"))

    def test_api_answers_set_no_session_cookie(self):
        """The apps authenticate each call by its token: no Odoo session, so no cookie, whatever the answer."""
        scope = self.env["g2p.api.scope"].search([("code", "=", "program:read")])
        client = self.env["g2p.api.client"].create({"name": "Cookie-free", "scope_ids": [(6, 0, scope.ids)]})
        secret = client._generate_secret()
        token = self.url_open(
            "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
        )
        self.assertEqual(token.status_code, 200, token.text)
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        answers = [
            token,
            self.url_open("/api/v2/Program", headers=bearer),
            self.url_open("/api/v2/Individual"),
            self.url_open("/partner/ingest_status/00000000-0000-0000-0000-000000000000", headers=bearer),
        ]
        for response in answers:
            with self.subTest(url=response.url, status=response.status_code):
                self.assertNotIn("Set-Cookie", response.headers)
        self.assertEqual([r.status_code for r in answers[:3]], [200, 200, 401])
        self.assertIn(
            "session_id", self.url_open("/web/login").headers.get("Set-Cookie", ""), "the web client keeps its"
        )
