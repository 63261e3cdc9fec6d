"""schemathesis against each app's own OpenAPI, through the mounted apps: no 5xx, responses as documented."""

import os

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from odoo.tests import tagged

from odoo.addons.g2p_partner_api.tests.common import G2PApiCase

EXAMPLES = int(os.environ.get("G2P_FUZZ_EXAMPLES", "40")) // 4 or 1


@tagged("post_install", "-at_install")
class TestOpenApiFuzz(G2PApiCase):
    def _fuzz(self, endpoint, headers):
        app = FastAPI()
        app.mount(endpoint.root_path, endpoint._get_app())
        endpoint._clear_fastapi_exception_handlers(app)
        with self._create_test_client(
            app=app, env=self.env(user=endpoint.user_id), raise_server_exceptions=False
        ) as api:
            spec = api.get(f"{endpoint.root_path}/openapi.json").json()
            schema = schemathesis.openapi.from_dict(spec)
            # "localhost": Odoo's test harness lets requests to it through (schemathesis' ASGI client uses requests)
            base_url = f"http://localhost{endpoint.root_path}"
            checked = 0
            for result in schema.get_all_operations():
                operation = result.ok()

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy())
                def check(case):
                    response = case.call(app=app, base_url=base_url, headers=headers)
                    case.validate_response(
                        response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
                    )

                with self.subTest(operation=operation.label):
                    check()
                checked += 1
        return checked

    def test_rest_app(self):
        client, secret = self._create_client(
            "Schemathesis",
            scopes=[
                "individual:read",
                "individual:write",
                "group:read",
                "group:write",
                "program:read",
                "membership:read",
                "membership:write",
                "consent:write",
                "subscription:manage",
            ],
            all_programs=True,
        )
        self.assertGreaterEqual(self._fuzz(self.rest_endpoint, self._auth(client, secret)), 15)

    def test_dci_app(self):
        client, secret = self._create_client(
            "Schemathesis DCI",
            scopes=["dci:search", "dci:subscribe"],
            dci_sender_id="fuzz.dci",
            dci_callback_url="https://spmis.invalid/dci",
        )
        self.assertGreaterEqual(
            self._fuzz(self.env.ref("g2p_dci_search.fastapi_endpoint_dci"), self._auth(client, secret)), 8
        )

    def test_ingest_app(self):
        client, secret = self._create_client(
            "Schemathesis ingest", scopes=["individual:read", "ingest:write"], partner_mnemonic="FUZZ"
        )
        self.assertGreaterEqual(
            self._fuzz(self.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest"), self._auth(client, secret)), 3
        )
