"""Every app bounds bodies in size and JSON depth before anything parses them, and answers in its
own protocol's shape (issue #25): REST error object, RFC 6749 on the token route, the ingest
envelope, the DCI error acknowledgement. Never a 500."""

import json
import re
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.g2p_dci_search.models import fastapi_endpoint as dci_endpoint
from odoo.addons.g2p_partner_api.services import request_limits
from odoo.addons.g2p_partner_api.tests.common import G2PApiCase
from odoo.addons.g2p_partner_ingest.models import fastapi_endpoint as ingest_endpoint

ROOT = Path(__file__).resolve().parents[3]

MIB = 1024 * 1024
DEEP = 5000
SOURCE = "203.0.113.9"


@tagged("post_install", "-at_install")
class TestRequestLimits(G2PApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apps = {
            "rest": (cls.env.ref("g2p_partner_api.fastapi_endpoint_rest"), "/api/v2/Individual"),
            "oauth": (cls.env.ref("g2p_partner_api.fastapi_endpoint_rest"), "/api/v2/oauth/token"),
            "ingest": (cls.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest"), "/partner/ingest_data"),
            "dci": (cls.env.ref("g2p_dci_search.fastapi_endpoint_dci"), "/dci/registry/sync/search"),
        }

    def _written(self):
        """What a refused call must not have written: raw ingest items, DCI transactions, registrants."""
        return (
            self.env["g2p.ingest.raw"].search_count([]),
            self.env["g2p.dci.transaction"].search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
        )

    @contextmanager
    def _parsed_bodies(self):
        """Lengths of every text json.loads parses meanwhile (FastAPI parses request bodies with it)."""
        parsed = []
        loads = json.loads

        def counting_loads(text, *args, **kwargs):
            parsed.append(len(text))
            return loads(text, *args, **kwargs)

        with patch("json.loads", counting_loads):
            yield parsed

    def _post(self, app, body, content_type="application/json"):
        endpoint, path = self.apps[app]
        with self._api(endpoint, source_address=self._address(SOURCE)) as api:
            return api.post(path, content=body, headers={"Content-Type": content_type})

    def assertShape(self, app, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        if app == "rest":
            self.assertEqual(body["code"], code)
        elif app == "oauth":
            self.assertEqual(set(body), {"error", "error_description"})
            self.assertEqual(body["error"], "invalid_request")
        elif app == "ingest":
            self.assertEqual(body["response_header"]["response_status"], "ERROR")
            self.assertEqual(body["response_header"]["error_code"], code)
        else:
            self.assertEqual((body["message"]["ack_status"], body["errors"][0]["code"]), ("ERR", "err.request.bad"))

    def test_body_nested_5000_deep_is_refused_in_each_apps_shape(self):
        deep = b"[" * DEEP + b"]" * DEEP  # 10 kB: under every app's size limit
        codes = {"rest": "bad_request", "ingest": "PAYLOAD_TOO_DEEP"}
        for app in self.apps:
            with self.subTest(app=app):
                before = self._written()
                with self._parsed_bodies() as parsed:
                    response = self._post(app, deep)
                self.assertShape(app, response, 400, codes.get(app))
                self.assertNotIn(len(deep), parsed, "refused before json.loads saw it")
                self.assertEqual(self._written(), before)
        # brackets inside a string are text, not depth: the call reaches the app (which wants a token)
        response = self._post("rest", json.dumps({"text": "[" * DEEP}).encode())
        self.assertEqual(response.status_code, 401, response.text)

    def test_depth_limit_is_a_system_parameter(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_api.max_json_depth", "3")
        response = self._post("rest", b'[[[["x"]]]]')
        self.assertShape("rest", response, 400, "bad_request")
        self.assertIn("3 levels", response.json()["detail"])
        self.assertEqual(self._post("rest", b'[[["x"]]]').status_code, 401, "3 levels pass to the app (no token)")

    def test_body_of_18_mib_is_refused_in_each_apps_shape_before_parsing(self):
        big = b'{"padding": "' + b"x" * (18 * MIB) + b'"}'
        codes = {"rest": "payload_too_large", "ingest": "PAYLOAD_TOO_LARGE"}
        for app in self.apps:
            with self.subTest(app=app):
                before = self._written()
                with self._parsed_bodies() as parsed:
                    response = self._post(app, big)
                self.assertShape(app, response, 413, codes.get(app))
                self.assertFalse([length for length in parsed if length > MIB], "the body was never parsed")
                self.assertEqual(self._written(), before)

    def test_chunked_bodies_are_capped_while_streamed(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_api.max_body_bytes", "4096")
        self.env["ir.config_parameter"].set_param("g2p_dci_search.max_body_bytes", "4096")

        def chunks():
            yield b'{"padding": "'
            for _i in range(64):
                yield b"x" * 1024
            yield b'"}'

        for app in ("rest", "dci"):
            with self.subTest(app=app):
                endpoint, path = self.apps[app]
                with self._api(endpoint, source_address=self._address(SOURCE)) as api:
                    response = api.post(path, content=chunks(), headers={"Content-Type": "application/json"})
                self.assertNotIn("content-length", response.request.headers)
                self.assertShape(app, response, 413, "payload_too_large")

    def test_refused_bodies_are_audited_as_anonymous_counts(self):
        big = b"{" + b" " * (2 * MIB) + b"}"
        for _i in range(5):
            self._post("rest", big)
        rows = self._audit_rows(source_address=self._address(SOURCE), status_code=413)
        self.assertLessEqual(len(rows), 2, "one row a minute")
        self.assertEqual(sum(rows.mapped("call_count")), 5)
        self.assertEqual(set(rows.mapped("error_code")), {"payload_too_large"})
        self.assertFalse(rows.client_id)

    def test_proxy_limit_agrees_with_the_apps(self):
        """nginx refuses first: its client_max_body_size is the largest body an app accepts."""
        conf = (ROOT / "docs" / "nginx-locations.conf").read_text()
        (megabytes,) = re.findall(r"^client_max_body_size (\d+)m;$", conf, re.MULTILINE)
        defaults = (
            request_limits.DEFAULT_REST_MAX_BODY_BYTES,
            request_limits.DEFAULT_OAUTH_MAX_BODY_BYTES,
            ingest_endpoint.DEFAULT_MAX_BODY_BYTES,
            dci_endpoint.DEFAULT_MAX_BODY_BYTES,
        )
        self.assertEqual(int(megabytes) * MIB, max(defaults))
