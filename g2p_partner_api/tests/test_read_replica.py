"""Reads on a real streaming replica (issue #27): run by ``make replica-test``, skipped elsewhere.

Not an HttpCase: under one, every request shares the test's cursor and no replica is ever used.
The calls go through Odoo's HTTP server on real cursors, the data is committed (in the run's
throwaway database), and the proof is data the replica does not have: its replay is paused while
the primary changes, so what an answer shows says which database served it."""

import os
import time
import unittest
from contextlib import contextmanager
from unittest.mock import patch

import psycopg2
import requests

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import config

from odoo.addons.web.controllers import dataset

from ..services.middleware import G2PApiMiddleware
from ..services.read_routing import MAX_REPLICA_LAG_PARAM

REPLICA_DSN = os.environ.get("G2P_REPLICA_ADMIN_DSN")
READ_PATH = "GET /Individual/{uuid}"
# how each client of these names loses its tokens, on the primary (its registry env)
REVOCATIONS = {
    "Replica archived": lambda client: client.write({"active": False}),
    "Replica rotated": lambda client: client._generate_secret(),
    "Replica revoked": lambda client: client._revoke_tokens(),
}


@tagged("post_install", "-at_install")
class TestReadReplica(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if config["db_replica_host"] is False or not REPLICA_DSN:
            raise unittest.SkipTest("no read replica configured (make replica-test starts one)")
        cls.registry = Registry(get_db_name())
        # The test runner holds the registries' lock while tests run: HTTP requests would wait for it.
        # HttpCase swaps it for a dummy when it enters test mode; so does this class, without the test
        # mode (whose one shared cursor would never reach the replica).
        Registry._saved_lock, Registry._lock = Registry._lock, DummyRLock()
        cls.addClassCleanup(cls._restore_registry_lock)
        cls.base_url = f"http://127.0.0.1:{config['http_port']}"
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            scopes = env["g2p.api.scope"].search([("code", "in", ["individual:read", "individual:write"])])
            vals = {"scope_ids": [(6, 0, scopes.ids)]}
            if "legal_basis_enabled" in env["g2p.api.client"]._fields:
                vals.update(legal_basis_enabled=True, legal_basis="Test fixture: registry law, art. 1")
            names = ["Replica writer", "Replica reader", *REVOCATIONS]
            clients = env["g2p.api.client"].create([dict(vals, name=name) for name in names])
            cls.credentials = {client.name: (client.client_id, client._generate_secret()) for client in clients}
            cls.client_ids = {client.name: client.id for client in clients}
            person = env["res.partner"].create(
                {"is_registrant": True, "name": "Kofi Mensah", "given_name": "Kofi", "family_name": "Mensah"}
            )
            cls.person_id, cls.person_uuid = person.id, person.uuid
            hidden = env["res.partner"].create(
                {"is_registrant": True, "name": "Yaw Boateng", "given_name": "Yaw", "family_name": "Boateng"}
            )
            cls.hidden_id, cls.hidden_uuid = hidden.id, hidden.uuid
            viewer = env.ref("g2p_partner_api.group_registry_viewer")
            cls.viewer_group_id = viewer.id
            cls.back_office_user_id = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "Replica back-office viewer",
                        "login": "replica-viewer",
                        "password": "replica-viewer-password",
                        "groups_id": [(6, 0, viewer.ids)],
                    }
                )
                .id
            )
        # the tests pause the replay for a moment: the bound that would then send reads to the primary is
        # lowered by the test of that bound only
        cls._set_max_lag(600)
        cls.replica = psycopg2.connect(REPLICA_DSN, dbname=get_db_name())
        cls.replica.autocommit = True
        cls.addClassCleanup(cls.replica.close)
        cls.tokens = {name: cls._token(*credentials) for name, credentials in cls.credentials.items()}
        cls.web_session = cls._web_login("replica-viewer", "replica-viewer-password")
        # the process's first read is served by the primary (its caches may be filled from a replica only once the
        # replica has what the primary had then): made here, before the tests pause the replay
        requests.get(
            f"{cls.base_url}/api/v2/Individual/{cls.person_uuid}", timeout=30, headers=cls._bearer("Replica reader")
        )
        cls._wait_replayed()

    @classmethod
    def _restore_registry_lock(cls):
        Registry._lock, Registry._saved_lock = Registry._saved_lock, None

    # --- the two databases ------------------------------------------------------------------
    @classmethod
    def _primary(cls, query, params=()):
        with cls.registry.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None

    @classmethod
    def _set_max_lag(cls, seconds):
        cls._on_primary_env(lambda env: env["ir.config_parameter"].set_param(MAX_REPLICA_LAG_PARAM, str(seconds)))

    @classmethod
    def _on_primary_env(cls, change):
        """``change(env)`` committed on the primary."""
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            change(env)
            # flushed here: the cursor's commit flushes the environments still alive, and a temporary one may
            # be gone by then, its pending writes with it
            env.flush_all()

    @classmethod
    def _on_replica(cls, query, params=()):
        with cls.replica.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    @classmethod
    def _wait_replayed(cls, timeout=60):
        """Until the replica has replayed everything the primary has committed so far."""
        # the insert position, not pg_current_wal_lsn() (the write position): the test cluster runs with
        # synchronous_commit=off (scripts/postgres.sh), so a commit returns before its WAL is written, and the
        # write position can stay before it for a while (under load, right after the full suite); waiting for
        # it let the tests read from a replica that did not have their clients yet
        lsn = cls._primary("SELECT pg_current_wal_insert_lsn()::text")[0][0]
        deadline = time.monotonic() + timeout
        while not cls._on_replica("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0][0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not replay up to {lsn} in {timeout} s")
            time.sleep(0.1)

    def _revoke_on_primary(self, name):
        client_id, revoke = self.client_ids[name], REVOCATIONS[name]
        self._on_primary_env(lambda env: revoke(env["g2p.api.client"].browse(client_id)))

    def _signal_cache_changes(self):
        """Odoo's signaling of the change of the caches the test's change cleared, as another worker sees it.

        The change was made by this process (the test's), whose own caches Odoo cleared at once, and whose test thread
        holds the signal a request would send once committed (``Registry.signal_changes``). A worker that serves reads
        learns of a change made by another from the signaling sequence, at its next request, on the primary, before the
        request's cursor is chosen (``Registry.check_signaling``, which a test class that is not in test mode keeps):
        emulated here by dropping the test thread's pending signal (its caches cleared again) and advancing the sequence
        as the changing worker would, so the next request clears the caches as a reading worker does."""
        cache_names = sorted(self.registry.cache_invalidated)
        self.assertTrue(cache_names, "the change cleared caches")
        self.registry.reset_changes()
        for cache_name in cache_names:
            self._primary("SELECT nextval(%s)", (f"base_cache_signaling_{cache_name}",))

    def _pause_replay(self):
        self._on_replica("SELECT pg_wal_replay_pause()")
        self.addCleanup(self._on_replica, "SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 30
        while self._on_replica("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
            self.assertLess(time.monotonic(), deadline, "the replica's replay did not pause")
            time.sleep(0.05)

    # --- the partner's side -----------------------------------------------------------------
    @classmethod
    def _token(cls, client_id, secret):
        response = requests.post(
            cls.base_url + "/api/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    @classmethod
    def _web_login(cls, login, password):
        """A web client's session (a back-office user logged in)."""
        session = requests.Session()
        params = {"db": get_db_name(), "login": login, "password": password}
        response = session.post(cls.base_url + "/web/session/authenticate", json={"params": params}, timeout=30)
        assert "result" in response.json(), response.text
        return session

    def _web_search_read(self, ids):
        """(the ids the web client's ``search_read`` of these partners answers, "replica" or "primary")."""
        served, call_kw = [], dataset.call_kw

        def spy(model, *args):
            served.append(self._database_of(model.env.cr))
            return call_kw(model, *args)

        params = {"model": "res.partner", "method": "search_read", "args": [[("id", "in", ids)]], "kwargs": {}}
        with patch.object(dataset, "call_kw", spy):
            response = self.web_session.post(
                self.base_url + "/web/dataset/call_kw/res.partner/search_read", json={"params": params}, timeout=30
            )
        body = response.json()
        self.assertIn("result", body, response.text)
        return sorted(row["id"] for row in body["result"]), served[0]

    @classmethod
    def _bearer(cls, name):
        return {"Authorization": f"Bearer {cls.tokens[name]}"}

    def _call(self, name, method, path, **kwargs):
        return requests.request(method, self.base_url + path, headers=self._bearer(name), timeout=30, **kwargs)

    def _served_call(self, name, method, path, **kwargs):
        """(response, "replica" or "primary": the database of the cursor the call was served on)."""
        with self._served_by() as served:
            response = self._call(name, method, path, **kwargs)
        self.assertEqual(len(served), 1, "one audited call")
        return response, served[0]

    @contextmanager
    def _served_by(self):
        served, audit = [], G2PApiMiddleware._audit

        def spy(middleware, env, *args):
            served.append(self._database_of(env.cr))
            return audit(middleware, env, *args)

        with patch.object(G2PApiMiddleware, "_audit", spy):
            yield served

    def _database_of(self, cr):
        return "replica" if cr._cnx.info.port == self.replica.info.port else "primary"

    def _audit_rows(self, name, action, database):
        query = "SELECT count(*) FROM g2p_api_audit_log WHERE client_id = %s AND action = %s"
        run = self._primary if database == "primary" else self._on_replica
        return run(query, (self.client_ids[name], action))[0][0]

    # --- the proofs -------------------------------------------------------------------------
    def test_a_get_is_served_by_the_replica_and_audited_on_the_primary(self):
        self._pause_replay()
        # a change the replica does not have while its replay is paused
        self._primary("UPDATE res_partner SET family_name = 'Changed' WHERE id = %s", (self.person_id,))
        audited = self._audit_rows("Replica reader", READ_PATH, "primary")

        response, served_by = self._served_call("Replica reader", "GET", f"/api/v2/Individual/{self.person_uuid}")
        self.assertEqual((response.status_code, served_by), (200, "replica"), response.text)
        # the replica's data, so the replica's cursor (a fall back to the primary would show "Changed")
        self.assertEqual(response.json()["family_name"], "Mensah")
        # its audit row is on the primary, not yet on the (paused) replica
        self.assertEqual(self._audit_rows("Replica reader", READ_PATH, "primary"), audited + 1)
        self.assertEqual(self._audit_rows("Replica reader", READ_PATH, "replica"), audited)
        # the health probe sees the replica behind: the primary has written what the replica does not replay,
        # whether or not the replica has received it yet (its own receive position would say it is up to date)
        health = requests.get(self.base_url + "/api/v2/health", timeout=30).json()
        self.assertEqual(
            (health["status"], health["replica"]["configured"], health["replica"]["reachable"]), ("ok", True, True)
        )
        self.assertGreater(health["replica"]["lag_seconds"], 0)

        self._on_replica("SELECT pg_wal_replay_resume()")
        self._wait_replayed()
        response = self._call("Replica reader", "GET", f"/api/v2/Individual/{self.person_uuid}")
        self.assertEqual(response.json()["family_name"], "Changed", "once replayed, the replica answers the change")

    def test_a_write_goes_to_the_primary_and_its_writer_reads_it_at_once(self):
        self._pause_replay()
        response = self._call(
            "Replica writer", "POST", "/api/v2/Individual", json={"given_name": "Ama", "family_name": "Owusu"}
        )
        self.assertEqual(response.status_code, 201, response.text)
        created = response.json()["uuid"]
        query = "SELECT count(*) FROM res_partner WHERE uuid = %s"
        self.assertEqual(self._primary(query, (created,))[0][0], 1, "written on the primary")
        self.assertEqual(self._on_replica(query, (created,))[0][0], 0, "not yet on the paused replica")

        # read-your-writes: the writer's next read is served by the primary
        response = self._call("Replica writer", "GET", f"/api/v2/Individual/{created}")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["family_name"], "Owusu")
        # another client reads from the replica, which has not replayed the write yet
        response = self._call("Replica reader", "GET", f"/api/v2/Individual/{created}")
        self.assertEqual(response.status_code, 404, response.text)

    def test_a_revoked_token_is_refused_while_the_replica_lags(self):
        for name in REVOCATIONS:
            with self.subTest(name):
                path = f"/api/v2/Individual/{self.person_uuid}"
                # its grant verified and cached by the worker, on a read the replica serves
                response, served_by = self._served_call(name, "GET", path)
                self.assertEqual((response.status_code, served_by), (200, "replica"), response.text)
                self._pause_replay()
                self._revoke_on_primary(name)
                query = "SELECT active, tokens_valid_from FROM g2p_api_client WHERE id = %s"
                params = (self.client_ids[name],)
                self.assertNotEqual(self._primary(query, params), self._on_replica(query, params), "not replayed")

                # the replica, which still has the client as it was, serves the read: the grant is the primary's
                response, served_by = self._served_call(name, "GET", path)
                self.assertEqual((response.status_code, served_by), (401, "replica"), response.text)
                self._on_replica("SELECT pg_wal_replay_resume()")
                self._wait_replayed()

    def test_a_rule_added_while_the_replica_lags_is_not_left_out_of_the_caches(self):
        path = f"/api/v2/Individual/{self.hidden_uuid}"
        response, served_by = self._served_call("Replica reader", "GET", path)
        self.assertEqual((response.status_code, served_by), (200, "replica"), response.text)
        self._pause_replay()
        # an admin hides the registrant from the API (a record rule); the workers' rule caches are cleared by signaling
        rule = {"name": "Replica test: hidden registrant", "domain_force": f"[('id', '!=', {self.hidden_id})]"}
        self._on_primary_env(
            lambda env: env["ir.rule"].create(dict(rule, model_id=env["ir.model"]._get_id("res.partner")))
        )
        self.addCleanup(self._on_primary_env, lambda env: env["ir.rule"].search([("name", "=", rule["name"])]).unlink())
        self._signal_cache_changes()

        # while the replica lacks the rule, a read that refilled the caches from it would keep them without the rule
        # after the replica replayed it, until the next change of the rules: not only for the replica's lag
        first, first_served_by = self._served_call("Replica reader", "GET", path)
        self._on_replica("SELECT pg_wal_replay_resume()")
        self._wait_replayed()
        response, served_by = self._served_call("Replica reader", "GET", path)
        self.assertEqual(response.status_code, 404, "the rule the replica lacked is missing from the worker's caches")
        self.assertEqual(served_by, "replica", "once it has replayed the change, the replica serves reads again")
        self.assertEqual((first.status_code, first_served_by), (404, "primary"), "refilled from the primary")

    def test_a_user_removed_from_a_group_while_the_replica_lags_loses_its_rights_in_the_web_client(self):
        # Odoo's own read-only routes (here the web client's search_read) are served by the replica too, and fill the
        # same caches (the user's groups, the record rules computed from them)
        self.assertEqual(self._web_search_read([self.person_id]), ([self.person_id], "replica"), "a Viewer reads it")
        self._pause_replay()
        # an admin removes the back-office user from the Viewer group: registrants are hidden from it (a record rule of
        # the registry staff); the workers' caches are cleared by signaling
        self._on_primary_env(
            lambda env: (
                env["res.users"].browse(self.back_office_user_id).write({"groups_id": [(3, self.viewer_group_id)]})
            )
        )
        self._signal_cache_changes()

        # while the replica still has the user in the group, a read that refilled the caches from it would keep the
        # group there after the replica replayed its removal, until the next change of those caches
        first = self._web_search_read([self.person_id])
        self._on_replica("SELECT pg_wal_replay_resume()")
        self._wait_replayed()
        self.assertEqual(
            self._web_search_read([self.person_id]), ([], "replica"), "the worker's caches kept the removed group"
        )
        self.assertEqual(first, ([], "primary"), "refilled from the primary")

    def test_a_replica_behind_its_bound_serves_no_read(self):
        self._set_max_lag(2)
        self.addCleanup(self._set_max_lag, 600)
        self._pause_replay()
        self._primary("UPDATE res_partner SET family_name = 'Later' WHERE id = %s", (self.person_id,))
        time.sleep(3.5)  # past the bound, and past the second a worker keeps the lag it measured

        response, served_by = self._served_call("Replica reader", "GET", f"/api/v2/Individual/{self.person_uuid}")
        self.assertEqual((response.status_code, served_by), (200, "primary"), response.text)
        self.assertEqual(response.json()["family_name"], "Later", "the primary's data")
        health = requests.get(self.base_url + "/api/v2/health", timeout=30).json()
        self.assertGreater(health["replica"]["lag_seconds"], 2)

        self._on_replica("SELECT pg_wal_replay_resume()")
        self._wait_replayed()
        # a measure once caught up (the next one is at most its age behind, whatever the primary writes meanwhile)
        requests.get(self.base_url + "/api/v2/health", timeout=30)
        time.sleep(1.1)
        response, served_by = self._served_call("Replica reader", "GET", f"/api/v2/Individual/{self.person_uuid}")
        self.assertEqual((response.status_code, served_by), (200, "replica"), "caught up, it serves reads again")
