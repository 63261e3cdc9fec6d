import re
import threading
from contextlib import contextmanager
from unittest.mock import patch

from fastapi.dependencies.utils import _is_coroutine_callable
from fastapi.routing import APIRoute, iter_route_contexts

from odoo.sql_db import Cursor
from odoo.tests import tagged

from ..services import registry_service
from .common import G2PApiCase


@tagged("post_install", "-at_install")
class TestPerCallOverhead(G2PApiCase):
    """Token, client and scopes come from a cache; it never outlives a change of any of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client, cls.secret = cls._create_client(
            "Cached reader", scopes=["individual:read", "individual:write", "program:read"]
        )
        cls.other, cls.other_secret = cls._create_client("Other reader", scopes=["individual:read"])
        cls.amina = cls.env.ref("g2p_partner_api.demo_individual_02")

    @contextmanager
    def _statements(self):
        """The SQL statements the block runs on the test cursor."""
        seen = []
        execute = Cursor.execute

        def recording(cursor, query, params=None, log_exceptions=True):
            seen.append(str(getattr(query, "code", query)))
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", recording):
            yield seen

    def _read(self, api, headers):
        return api.get(f"/api/v2/Individual/{self.amina.uuid}", headers=headers)

    def test_warm_call_verifies_nothing_again_one_savepoint_one_insert(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(self._read(api, headers).status_code, 200)
            self.env.invalidate_all()
            with self._statements() as statements:
                self.assertEqual(self._read(api, headers).status_code, 200)
        text = "\n".join(statements)
        self.assertFalse(re.search(r"FROM \"?g2p_api_signing_key", text), "the token is not verified again")
        self.assertFalse(re.search(r"FROM \"?g2p_api_scope", text), "the scopes are not read again")
        self.assertFalse(re.search(r"FROM \"?g2p_api_client\b", text), "the client's settings are not read again")
        self.assertEqual(len([s for s in statements if s.startswith("SAVEPOINT")]), 1, text)
        self.assertFalse([s for s in statements if s.startswith("RELEASE")], "the commit ends the savepoint")
        # the audit row and the disclosure of the registrant read: one statement
        audit = [s for s in statements if "g2p_api_audit_log" in s or "g2p_api_disclosure" in s]
        self.assertEqual(len(audit), 1, text)
        self.assertTrue(audit[0].startswith('WITH audit_row AS (INSERT INTO "g2p_api_audit_log"'), audit[0])
        self.assertIn('INSERT INTO "g2p_api_disclosure"', audit[0])
        disclosed = self.env["g2p.api.disclosure"].search([("audit_log_id.resource", "like", self.amina.uuid)])
        self.assertEqual(disclosed.mapped("partner_id"), self.amina)
        row = self._audit_rows(resource=f"/api/v2/Individual/{self.amina.uuid}")[0]
        self.assertEqual(
            (row.actor, row.client_id, row.outcome, row.status_code, row.action, row.source),
            (self.client.client_id, self.client, "success", 200, "GET /Individual/{uuid}", "/api/v2"),
        )
        self.assertEqual((row.specversion, row.event_type), ("1.0", "org.g2p.partner_api.call"))
        self.assertTrue(row.event_id and row.time and row.latency_ms > 0)

    def test_route_runs_in_the_calls_thread(self):
        """A route function runs where its call's dependencies and middleware do: no hop to FastAPI's thread
        pool and back (services/inline_routes.py)."""
        threads = {}
        get_registrant, record = registry_service.get_registrant, type(self.env["g2p.api.audit.log"])._record

        def route_spy(*args, **kwargs):
            threads["route"] = threading.get_ident()
            return get_registrant(*args, **kwargs)

        def audit_spy(model, *args, **kwargs):
            threads["audit"] = threading.get_ident()
            return record(model, *args, **kwargs)

        headers = self._auth(self.client, self.secret)
        with (
            patch.object(registry_service, "get_registrant", route_spy),
            patch.object(type(self.env["g2p.api.audit.log"]), "_record", audit_spy),
            self._api() as api,
        ):
            self.assertEqual(self._read(api, headers).status_code, 200)
        self.assertEqual(threads["route"], threads["audit"])

    def test_no_dependency_runs_in_a_thread(self):
        """Every dependency of the suite apps' routes is awaited in the call's thread: FastAPI runs a plain
        ``def`` (or a generator) in a worker thread that anyio starts for the call. OCA's app-level
        ``accept_language`` runs inline in every suite app (``inline_dependencies``), and every router of
        the suite takes this addon's ``odoo_env``, not OCA's (a generator and its ``company_id``)."""
        Endpoint = self.env["fastapi.endpoint"]
        threaded = {}

        def walk(dependant, app):
            if dependant.call is not None and not _is_coroutine_callable(dependant.call):
                threaded.setdefault(app, set()).add(getattr(dependant.call, "__name__", str(dependant.call)))
            for sub in dependant.dependencies:
                walk(sub, app)

        routes = 0
        for endpoint in Endpoint.search([("app", "in", list(Endpoint._g2p_apps()))]):
            for context in iter_route_contexts(endpoint._get_app().routes):
                if isinstance(context.original_route, APIRoute):  # the dependencies as the app calls them
                    routes += 1
                    walk(context.dependant, endpoint.app)
        self.assertGreater(routes, 40)
        self.assertEqual(threaded, {})

    def test_removed_scope_refused_at_once(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(api.get("/api/v2/Program", headers=headers).status_code, 200)
            self.client.scope_ids -= self.client.scope_ids.filtered(lambda s: s.code == "program:read")
            # the tokens issued before the removal are refused altogether (issue #25)
            self.assertEqual(api.get("/api/v2/Program", headers=headers).status_code, 401)
            self.assertEqual(self._read(api, headers).status_code, 401)
            headers = self._auth(self.client, self.secret)
            self.assertEqual(api.get("/api/v2/Program", headers=headers).status_code, 403)
            self.assertEqual(self._read(api, headers).status_code, 200)

    def test_deactivated_client_refused_at_once_db_unchanged(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(self._read(api, headers).status_code, 200)
            self.client.active = False
            before = self.env["res.partner"].search_count([("is_registrant", "=", True)])
            response = api.post("/api/v2/Individual", json={"given_name": "Forged"}, headers=headers)
            self.assertEqual(response.status_code, 401, response.text)
            self.assertEqual(self._read(api, headers).status_code, 401)
        self.assertEqual(self.env["res.partner"].search_count([("is_registrant", "=", True)]), before)

    def test_cached_grant_still_expires(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            self.assertEqual(self._read(api, headers).status_code, 200)
            with patch("odoo.addons.g2p_partner_api.models.g2p_api_client.time.time", return_value=4102444800):
                response = self._read(api, headers)
        self.assertEqual(response.status_code, 401)
        self.assertIn("expired", response.json()["detail"])

    def test_nothing_shared_between_clients(self):
        mine, theirs = self._auth(self.client, self.secret), self._auth(self.other, self.other_secret)
        with self._api() as api:
            for headers in (mine, theirs, mine, theirs):
                self.assertEqual(self._read(api, headers).status_code, 200)
            self.assertEqual(api.get("/api/v2/Program", headers=theirs).status_code, 403)
            self.assertEqual(api.get("/api/v2/Program", headers=mine).status_code, 200)
        rows = self._audit_rows(resource=f"/api/v2/Individual/{self.amina.uuid}")
        self.assertEqual(rows.mapped("actor"), [self.other.client_id, self.client.client_id] * 2)

    def test_changed_settings_apply_at_next_call_db_unchanged(self):
        """The client's settings come from each worker's cache: any change of the client is seen at its next call."""
        headers = self._auth(self.client, self.secret)
        name = self.amina.addl_name
        with self._api() as api:
            self.assertEqual(self._read(api, headers).status_code, 200)  # the settings are cached
            self.client.require_if_match = True
            refused = api.patch(f"/api/v2/Individual/{self.amina.uuid}", json={"addl_name": "X"}, headers=headers)
            self.assertEqual((refused.status_code, refused.json()["code"]), (428, "precondition_required"))
            self.assertEqual(self.amina.addl_name, name)
            if "legal_basis_enabled" in self.client._fields:  # g2p_api_consent: reads under a legal basis
                unconsented = self.env.ref("g2p_partner_api.demo_individual_45")  # consented to no partner
                url = f"/api/v2/Individual/{unconsented.uuid}"
                self.assertEqual(api.get(url, headers=headers).status_code, 200)
                self.client.legal_basis_enabled = False
                self.assertEqual(api.get(url, headers=headers).status_code, 404)
        self.assertEqual(self.amina.addl_name, name)
