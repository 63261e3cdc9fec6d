"""Audit switches of each app of the suite (seed 000): on/off, refused anonymous calls, anonymous successes."""

import uuid

from fastapi import FastAPI, Request

from odoo.tests import HttpCase, tagged

from odoo.addons.g2p_dci_search.tests.common import DciCase
from odoo.addons.g2p_partner_api.services.call_context import call_context
from odoo.addons.g2p_partner_api.services.error_handlers import render_rest_error
from odoo.addons.g2p_partner_api.services.middleware import G2PApiMiddleware
from odoo.addons.g2p_partner_api.tests.common import JsonRpcAttackMixin

SWITCHES = ("g2p_audit_enabled", "g2p_audit_anonymous_failures")


# how each app refuses the anonymous call of ``_calls``: (HTTP status, the ingest envelope's error code)
REFUSED_ANONYMOUS = {
    "/api/v2/Program": (401, None),
    "/dci/registry/sync/search": (401, None),
    "/partner/ingest_data": (200, "PARTNER_NOT_REGISTERED"),
}


@tagged("post_install", "-at_install")
class TestAuditControlsPerApp(DciCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ingest_endpoint = cls.env.ref("g2p_partner_ingest.fastapi_endpoint_ingest")
        cls.kobo, _secret = cls._create_client(
            "Kobo", scopes=["ingest:write"], partner_mnemonic="KOBO_AUDIT", ingest_allow_unsigned=True
        )
        cls.rest_client, cls.rest_secret = cls._create_client("Programme MIS", scopes=["program:read"])

    def _ingest(self, sender):
        body = {
            "header": {"message_id": str(uuid.uuid4()), "sender_id": sender},
            "message": {"person": {"first_name": "Ada", "last_name": "Audit", "national_id": "98100001"}},
        }
        with self._api(self.ingest_endpoint) as api:
            return api.post("/partner/ingest_data", json=body, params={"data_model": "PERSON_JSON"})

    def _calls(self):
        """Per app: (authenticated call, refused anonymous call, resource audited)."""
        auth_rest = self._auth(self.rest_client, self.rest_secret)
        auth_dci = self._auth(self.client, self.secret)

        def rest(anonymous):
            with self._api(self.rest_endpoint) as api:
                return api.get("/api/v2/Program", headers={} if anonymous else auth_rest)

        def dci(anonymous):
            envelope = self.envelope([self.item("expression", {"family_name": "Nobody"})])
            with self._api(self.endpoint) as api:
                return api.post("/dci/registry/sync/search", json=envelope, headers={} if anonymous else auth_dci)

        def ingest(anonymous):
            return self._ingest("NOT_A_PARTNER" if anonymous else "KOBO_AUDIT")

        return {"/api/v2/Program": rest, "/dci/registry/sync/search": dci, "/partner/ingest_data": ingest}

    def _audited(self, resource, call, anonymous):
        before = len(self._audit_rows(resource=resource))
        response = call(anonymous)
        status, error_code = REFUSED_ANONYMOUS[resource] if anonymous else (200, None)
        self.assertEqual(response.status_code, status, response.text)
        if error_code:  # the ingest envelope: HTTP 200, the refusal in its header
            self.assertEqual(response.json()["response_header"]["error_code"], error_code)
        return len(self._audit_rows(resource=resource)) - before

    def test_defaults_then_each_switch_through_the_mounted_apps(self):
        apps = self.rest_endpoint | self.endpoint | self.ingest_endpoint
        for endpoint in apps:
            self.assertEqual((endpoint.g2p_audit_enabled, endpoint.g2p_audit_anonymous_failures), (True, True))
        calls = self._calls()
        for resource, call in calls.items():
            self.assertEqual(self._audited(resource, call, anonymous=False), 1, resource)
            self.assertEqual(self._audited(resource, call, anonymous=True), 1, f"{resource}: refused anonymous call")
        apps.write({"g2p_audit_anonymous_failures": False})
        for resource, call in calls.items():
            self.assertEqual(self._audited(resource, call, anonymous=True), 0, resource)
            self.assertEqual(
                self._audited(resource, call, anonymous=False), 1, f"{resource}: authenticated still audited"
            )
        apps.write({"g2p_audit_enabled": False, "g2p_audit_anonymous_failures": True})
        for resource, call in calls.items():
            self.assertEqual(self._audited(resource, call, anonymous=False), 0, resource)
            self.assertEqual(self._audited(resource, call, anonymous=True), 0, resource)

    def test_probes_not_recorded(self):
        before = self.env["g2p.api.audit.log"].search_count([])
        with self._api(self.ingest_endpoint) as api:
            self.assertEqual(api.get("/partner/ping").status_code, 200)
            self.assertEqual(api.get("/partner/openapi.json").status_code, 200)
        with self._api(self.endpoint) as api:
            self.assertEqual(api.get("/dci/.well-known/jwks.json").status_code, 200)
        with self._api(self.rest_endpoint) as api:
            self.assertEqual(api.get("/api/v2/openapi.json").status_code, 200)
        self.assertEqual(self.env["g2p.api.audit.log"].search_count([]), before)

    def test_anonymous_success_not_recorded(self):
        # no route of the suite answers an anonymous caller with success (probes aside): the rule is
        # shown on the suite's middleware around a route that does
        app = FastAPI()
        client_id = self.client.id

        @app.get("/open")
        def open_route():
            return {"ok": True}

        @app.get("/identified")
        def identified(request: Request):
            call_context(request).client_id = client_id
            return {"ok": True}

        app.add_middleware(G2PApiMiddleware, source="/t", render_error=render_rest_error)
        with self._create_test_client(app=app, env=self.env, raise_server_exceptions=False) as api:
            self.assertEqual(api.get("/open").status_code, 200)
            self.assertEqual(api.get("/identified").status_code, 200)
            self.assertEqual(api.get("/missing").status_code, 404)
        rows = self.env["g2p.api.audit.log"].search([("source", "=", "/t")])
        self.assertEqual(sorted(rows.mapped("resource")), ["/identified", "/missing"])

    def test_changing_a_switch_rebuilds_the_cached_app(self):
        self.env.registry.cache_invalidated.clear()
        self.rest_endpoint.write({"description": "REST"})
        self.assertNotIn("default", self.env.registry.cache_invalidated, "other fields keep the cached app")
        for field in SWITCHES:
            self.env.registry.cache_invalidated.clear()
            self.rest_endpoint.write({field: False})
            self.assertIn("default", self.env.registry.cache_invalidated, f"{field}: the app pool is reset")


@tagged("post_install", "-at_install")
class TestAuditSwitchesOverJsonRpc(JsonRpcAttackMixin, HttpCase):
    def test_only_a_system_administrator_switches_auditing_off(self):
        endpoints = self.env["fastapi.endpoint"].search([("app", "in", list(self.env["fastapi.endpoint"]._g2p_apps()))])
        self.assertEqual(len(endpoints), 3)
        self._user("au_api_manager", "base.group_user,g2p_partner_api.group_api_manager")
        # even with the right to edit endpoints, an API Manager may not switch the audit trail off
        self._user(
            "au_endpoint_manager", "base.group_user,g2p_partner_api.group_api_manager,fastapi.group_fastapi_manager"
        )
        # the administrator of the database is FastAPI Administrator too (OCA fastapi's data)
        self._user("au_admin", "base.group_user,base.group_system,fastapi.group_fastapi_manager")
        for login in ("au_api_manager", "au_endpoint_manager"):
            self._as(login)
            for vals in ({"g2p_audit_enabled": False}, {"g2p_audit_anonymous_failures": False}):
                _result, error = self.call_kw("fastapi.endpoint", "write", [endpoints.ids, vals])
                self.assertEqual(error, "odoo.exceptions.AccessError", (login, vals))
            self.assertEqual(
                set(endpoints.mapped("g2p_audit_enabled") + endpoints.mapped("g2p_audit_anonymous_failures")),
                {True},
                "nothing changed",
            )
        self._as("au_endpoint_manager")
        _result, error = self.call_kw("fastapi.endpoint", "write", [endpoints[:1].ids, {"g2p_audit_enabled": True}])
        self.assertIsNone(error, "switching auditing on is anyone's with write access")
        self._as("au_admin")
        _result, error = self.call_kw(
            "fastapi.endpoint", "write", [endpoints.ids, {"g2p_audit_anonymous_failures": False}]
        )
        self.assertIsNone(error)
        self.assertEqual(set(endpoints.mapped("g2p_audit_anonymous_failures")), {False})
