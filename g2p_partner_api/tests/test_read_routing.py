"""Reads go to the read replica, writes and bookkeeping to the primary (issue #27).

Through Odoo's HTTP stack, as a deployment serves it: under tests Odoo gives a read-only route a
cursor whose transaction is read-only (what a replica's is), so a call routed to the replica
that wrote on its own cursor would fail and be retried on the primary with a warning. The real
replica is exercised by ``make replica-test`` (test_read_replica.py)."""

from types import SimpleNamespace
from unittest.mock import Mock, patch

from odoo.modules.registry import Registry
from odoo.tests import HttpCase, tagged
from odoo.tools import config

from ..models.g2p_api_recent_write import READ_YOUR_WRITES_PARAM
from ..services import read_routing, replica_caches
from ..services.middleware import G2PApiMiddleware


@tagged("post_install", "-at_install")
class TestReadRouting(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        scopes = cls.env["g2p.api.scope"].search([("code", "in", ["individual:read", "individual:write"])])
        vals = {"scope_ids": [(6, 0, scopes.ids)]}
        if "legal_basis_enabled" in cls.env["g2p.api.client"]._fields:
            vals.update(legal_basis_enabled=True, legal_basis="Test fixture: registry law, art. 1")
        cls.writer = cls.env["g2p.api.client"].create(dict(vals, name="Routing writer"))
        cls.reader = cls.env["g2p.api.client"].create(dict(vals, name="Routing reader"))
        cls.secrets = {cls.writer: cls.writer._generate_secret(), cls.reader: cls.reader._generate_secret()}
        cls.person = cls.env.ref("g2p_partner_api.demo_individual_07")

    def _headers(self, client):
        response = self.url_open(
            "/api/v2/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": self.secrets[client],
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def _call(self, method, path, **kwargs):
        """(response, whether the call was served read-only) — and it never fell back to read/write."""
        served_readonly = []
        audit = G2PApiMiddleware._audit

        def spy(middleware, env, *args):
            served_readonly.append(env.cr.readonly)
            return audit(middleware, env, *args)

        with patch.object(G2PApiMiddleware, "_audit", spy), self.assertNoLogs("odoo.http", "WARNING"):
            response = self.opener.request(method, self.base_url() + path, timeout=30, **kwargs)
        self.assertEqual(len(served_readonly), 1, "one audited call")
        return response, served_readonly[0]

    def _audit_rows(self, client, action):
        return self.env["g2p.api.audit.log"].search([("client_id", "=", client.id), ("action", "=", action)])

    def test_a_read_is_served_read_only_and_audited_on_the_primary(self):
        headers = self._headers(self.reader)
        response, readonly = self._call("GET", f"/api/v2/Individual/{self.person.uuid}", headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(readonly, "a GET is served by the replica's (read-only) cursor")
        self.assertEqual(len(self._audit_rows(self.reader, "GET /Individual/{uuid}")), 1)

    def test_a_write_is_served_by_the_primary_and_the_writer_reads_its_write(self):
        self.env["ir.config_parameter"].set_param(READ_YOUR_WRITES_PARAM, "30")
        writer, reader = self._headers(self.writer), self._headers(self.reader)
        response, readonly = self._call(
            "POST", "/api/v2/Individual", headers=writer, json={"given_name": "Ama", "family_name": "Routed"}
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertFalse(readonly, "a POST is served by the primary")
        created = response.json()["uuid"]
        # the writer's next read goes to the primary (a replica may not have replayed the write yet)
        response, readonly = self._call("GET", f"/api/v2/Individual/{created}", headers=writer)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertFalse(readonly, "the writer reads its own write from the primary")
        # another client's reads still go to the replica
        response, readonly = self._call("GET", f"/api/v2/Individual/{created}", headers=reader)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(readonly)
        # once the window is over, the writer reads from the replica again
        self.env["ir.config_parameter"].set_param(READ_YOUR_WRITES_PARAM, "0")
        response, readonly = self._call("GET", f"/api/v2/Individual/{created}", headers=writer)
        self.assertTrue(readonly)

    def test_the_token_grant_is_looked_up_on_the_primary(self):
        headers = self._headers(self.reader)
        # what a worker meets after any change of a client: its verified tokens and client settings forgotten
        self.env.registry.clear_cache()
        Client = type(self.env["g2p.api.client"])
        looked_up = []

        def spy(name):
            lookup = getattr(Client, name)

            def spied(model, *args):
                looked_up.append((name, "replica" if model.env.cr.readonly else "primary"))
                return lookup(model, *args)

            return spied

        with (
            patch.object(Client, "_lookup_token_grant", spy("_lookup_token_grant")),
            patch.object(Client, "_lookup_call_settings", spy("_lookup_call_settings")),
        ):
            response, readonly = self._call("GET", f"/api/v2/Individual/{self.person.uuid}", headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(readonly, "the read itself is served by the replica's (read-only) cursor")
        # filled from a lagging replica, the worker's cache would keep a revoked grant after the revocation
        self.assertEqual(looked_up, [("_lookup_token_grant", "primary"), ("_lookup_call_settings", "primary")])

    def test_a_replica_behind_its_bound_serves_no_read(self):
        headers = self._headers(self.reader)
        path = f"/api/v2/Individual/{self.person.uuid}"
        served = {}
        for lag in (30.0, None, 3.0):  # beyond the default bound (10 s), unknown, within it
            with patch.object(read_routing, "replica_lag_seconds", return_value=lag):
                if lag == 30.0:
                    with self.assertLogs(read_routing.__name__, "WARNING"):
                        response, served[lag] = self._call("GET", path, headers=headers)
                else:
                    response, served[lag] = self._call("GET", path, headers=headers)
            self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(served, {30.0: False, None: False, 3.0: True}, "read-only: served by the replica")

    def test_a_refused_read_is_audited_without_falling_back(self):
        response, readonly = self._call(
            "GET", f"/api/v2/Individual/{self.person.uuid}", headers={"Authorization": "Bearer not-a-token"}
        )
        self.assertEqual(response.status_code, 401)
        self.assertTrue(readonly)

    def test_health_answers_without_authentication_nor_audit(self):
        audited = self.env["g2p.api.audit.log"].search_count([])
        response = self.url_open("/api/v2/health")
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual((body["status"], body["primary"]), ("ok", {"reachable": True}))
        if config["db_replica_host"] is False:
            self.assertEqual(body["replica"], {"configured": False, "reachable": None, "lag_seconds": None})
        else:  # under make replica-test
            self.assertEqual((body["replica"]["configured"], body["replica"]["reachable"]), (True, True))
        self.assertEqual(self.env["g2p.api.audit.log"].search_count([]), audited)

    def test_reads_after_a_cache_clear_wait_for_the_replica_to_replay_it(self):
        # a registry of its own: the process's gate state of the test database is left alone
        registry = SimpleNamespace(
            db_name="routing-test-cache-clear", registry_sequence=1, cache_sequences={"default": 1}
        )
        self.addCleanup(replica_caches._signaling_seen.pop, registry.db_name, None)
        self.addCleanup(replica_caches._replay_awaited.pop, registry.db_name, None)
        positions = iter(["0/100", None, "0/200", "0/300"])

        def replica_serves(replayed):
            """(replica may serve, positions taken on the primary, questions to the replica)"""
            with (
                patch.object(replica_caches, "primary_position", side_effect=lambda _db: next(positions)) as taken,
                patch.object(replica_caches, "replica_replayed", return_value=replayed) as asked,
            ):
                return replica_caches.replica_may_fill_caches(registry), taken.call_count, asked.call_count

        with patch.dict(config.options, db_replica_host="replica.invalid"):
            # the process's first read, then a clear of its caches: the primary until the replica has replayed
            for change in ({}, {"cache_sequences": {"default": 2}}, {"registry_sequence": 2}):
                vars(registry).update(change)
                if change.get("cache_sequences"):
                    self.assertEqual(replica_serves(True), (False, 1, 0), "the primary does not answer: no replica")
                self.assertEqual(replica_serves(False), (False, 1, 1), change)
                self.assertEqual(replica_serves(False), (False, 0, 1), "still the primary while it has not")
                self.assertEqual(replica_serves(True), (True, 0, 1))
                # replayed: forgotten, the replica is not asked again until the next clear
                self.assertEqual(replica_serves(False), (True, 0, 0))
            self.assertNotIn(registry.db_name, replica_caches._replay_awaited)
        # without a replica nothing is awaited, whatever the signaling
        registry.cache_sequences = {"default": 3}
        with patch.dict(config.options, db_replica_host=False):
            self.assertEqual(replica_serves(False), (True, 0, 0))

    def test_every_read_only_cursor_is_the_primary_s_while_the_replica_may_not_fill_the_caches(self):
        # Odoo's own read-only routes (the web client's) get their cursor from Registry.cursor, as the suite's do
        self.assertTrue(Registry.cursor.g2p_replica_caches, "the addon's post_load patched it")
        replica_cr, primary_cr = Mock(readonly=True), Mock(readonly=False)
        registry = SimpleNamespace(
            test_cr=None,
            _db_readonly=Mock(cursor=Mock(return_value=replica_cr)),
            _db_readonly_failed_time=None,
            _db=Mock(cursor=Mock(return_value=primary_cr)),
        )
        for may_fill, served_by in ((False, primary_cr), (True, replica_cr)):
            with patch.object(replica_caches, "replica_may_fill_caches", return_value=may_fill) as asked:
                self.assertIs(Registry.cursor(registry, readonly=True), served_by)
                self.assertIs(Registry.cursor(registry), primary_cr, "a read/write cursor is not asked about")
                asked.assert_called_once_with(registry)
        replica_cr.close.assert_called_once_with()
