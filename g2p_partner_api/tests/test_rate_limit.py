from unittest.mock import patch

from odoo.tests import tagged

from ..models.g2p_api_rate_window import WINDOW_SECONDS
from ..services import counter_cursors
from .common import G2PApiCase

NOW = 1_800_000_010.0  # 10 s into a window
CLOCK = "odoo.addons.g2p_partner_api.models.g2p_api_rate_window._now"


@tagged("post_install", "-at_install")
class TestRateLimit(G2PApiCase):
    def setUp(self):
        super().setUp()
        # counters are committed in their own transactions: fresh clients keep tests apart
        self.client, self.secret = self._create_client("Limited", scopes=["individual:read"], rate_limit_per_minute=3)
        self.other, self.other_secret = self._create_client("Neighbour", scopes=["individual:read"])
        self.uuid = self.env.ref("g2p_partner_api.demo_individual_01").uuid

    def _get(self, api, headers):
        return api.get(f"/api/v2/Individual/{self.uuid}", headers=headers)

    def test_limit_shared_by_every_worker_answers_429_with_retry_after(self):
        # two apps built separately stand for two workers: the count lives in PostgreSQL
        headers, neighbour_headers = self._auth(self.client, self.secret), self._auth(self.other, self.other_secret)
        with patch(CLOCK, return_value=NOW), self._api() as worker_a, self._api() as worker_b:
            answers = [self._get(worker_a, headers), self._get(worker_b, headers), self._get(worker_a, headers)]
            refused = self._get(worker_b, headers)
            neighbour = self._get(worker_a, neighbour_headers)
        self.assertEqual([a.status_code for a in answers], [200, 200, 200])
        self.assertEqual([a.headers["RateLimit-Remaining"] for a in answers], ["2", "1", "0"])
        self.assertEqual(answers[0].headers["RateLimit-Limit"], "3")
        self.assertEqual(refused.status_code, 429, refused.text)
        self.assertEqual(refused.json()["code"], "rate_limited")
        self.assertEqual(refused.headers["Retry-After"], str(WINDOW_SECONDS - 10))
        self.assertEqual(refused.headers["RateLimit-Remaining"], "0")
        self.assertEqual(neighbour.status_code, 200, "one client's limit never touches another's")
        self.assertEqual(self._audit_rows(client_id=self.client.id, status_code=429).error_code, "rate_limited")

    def test_next_window_opens_again(self):
        headers = self._auth(self.client, self.secret)
        with self._api() as api:
            with patch(CLOCK, return_value=NOW):
                statuses = [self._get(api, headers).status_code for _ in range(4)]
            with patch(CLOCK, return_value=NOW + WINDOW_SECONDS):
                later = self._get(api, headers)
        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertEqual(later.status_code, 200)

    def test_system_default_and_unlimited(self):
        self.env["ir.config_parameter"].set_param("g2p_partner_api.rate_limit_per_minute", "2")
        self.assertEqual(self.other._effective_rate_limit(), 2)
        self.other.rate_limit_per_minute = -1
        self.assertEqual(self.other._effective_rate_limit(), 0)
        headers = self._auth(self.other, self.other_secret)
        with patch(CLOCK, return_value=NOW), self._api() as api:
            answers = [self._get(api, headers) for _ in range(4)]
        self.assertEqual({a.status_code for a in answers}, {200})
        self.assertNotIn("RateLimit-Limit", answers[0].headers)

    def test_purge_keeps_the_current_window(self):
        Window = self.env["g2p.api.rate.window"]
        with patch(CLOCK, return_value=NOW - 10 * WINDOW_SECONDS):
            Window._consume(self.client.id, self.client._effective_rate_limit())
        with patch(CLOCK, return_value=NOW):
            Window._consume(self.client.id, self.client._effective_rate_limit())
            Window._cron_purge()
        # the counters live in their own transactions, outside this test's snapshot
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT window_start FROM g2p_api_rate_window WHERE client_id = %s", (self.client.id,))
            self.assertEqual(cr.fetchall(), [(int(NOW // WINDOW_SECONDS),)])

    def test_counter_cursor_kept_per_process_autocommit_reconnects_and_forks(self):
        """One autocommit cursor per process and database, reused call after call; replaced once when
        its connection is lost; a forked process opens its own and leaves its parent's alone."""
        Window, dbname = self.env["g2p.api.rate.window"], self.env.registry.db_name
        self.addCleanup(counter_cursors.close, dbname)
        limit = self.client._effective_rate_limit()
        with patch(CLOCK, return_value=NOW):
            Window._consume(self.client.id, limit)
            first = counter_cursors._cursors[dbname][1]
            Window._consume(self.client.id, limit)
            self.assertIs(counter_cursors._cursors[dbname][1], first, "reused, not opened again")
            self.assertTrue(first.connection.autocommit)
            with self.env.registry.cursor() as cr:  # the server ends the connection (restart, failover)
                cr.execute("SELECT pg_terminate_backend(%s, 5000)", (first.connection.get_backend_pid(),))
            self.assertEqual(
                Window._consume(self.client.id, limit).remaining, 0, "counted once more after reconnecting"
            )
            second = counter_cursors._cursors[dbname][1]
            self.assertIsNot(second, first)
            with patch.object(counter_cursors.os, "getpid", return_value=-1):  # a forked child
                decision = Window._consume(self.client.id, limit)
                child = counter_cursors._cursors[dbname][1]
                counter_cursors.close(dbname)
            self.assertNotIn(dbname, counter_cursors._cursors)
            self.assertTrue(child.closed, "given back to the pool")
            self.assertFalse(decision.allowed)
            self.assertIsNot(child, second)
            self.assertIn(second, counter_cursors._inherited)
            self.assertFalse(second.closed, "the parent's connection is left open, untouched")
        counter_cursors._inherited.remove(second)
        second.connection.autocommit = False
        second.close()
        # committed at once, seen from any other transaction
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT hits FROM g2p_api_rate_window WHERE client_id = %s", (self.client.id,))
            self.assertEqual(cr.fetchall(), [(4,)])
