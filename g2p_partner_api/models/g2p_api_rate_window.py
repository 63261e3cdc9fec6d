import time
from collections import namedtuple
from contextlib import contextmanager

from odoo import api, fields, models

DEFAULT_LIMIT_PARAM = "g2p_partner_api.rate_limit_per_minute"
DEFAULT_LIMIT = 600
WINDOW_SECONDS = 60

RateDecision = namedtuple("RateDecision", "allowed limit remaining reset")


def _now():
    return time.time()


class G2PApiRateWindow(models.Model):
    """Calls of one client in one fixed one-minute window.

    Counted in PostgreSQL so the limit holds across every worker and node. The count is
    taken in a transaction of its own: the row lock lasts one statement rather than the
    whole call, and refused or failing calls count as well. ``client_id`` is a plain column
    (no foreign key) so that transaction never waits on the client row."""

    _name = "g2p.api.rate.window"
    _description = "API calls of a client in one rate-limit window"
    _log_access = False

    client_id = fields.Integer(required=True, index=True)
    window_start = fields.Integer(required=True, help="Start of the window, in minutes since the Unix epoch")
    hits = fields.Integer(required=True, default=0)

    _sql_constraints = [("client_window_unique", "unique(client_id, window_start)", "One row per client and window.")]

    @contextmanager
    def _counter_cursor(self):
        if self.env.registry.in_test_mode():
            # browser tests serve every request on the test's one cursor, from other threads than
            # the one holding it: a second cursor would wait for that thread forever
            with self.env.cr.savepoint(flush=False):
                yield self.env.cr
            return
        with self.env.registry.cursor() as cr:
            # concurrent increments of one row must wait, not fail as repeatable read would
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            yield cr

    @api.model
    def _consume(self, client_id, limit, now=None):
        """Count one call of the client ``client_id`` against ``limit`` calls per minute (0: none)
        and say whether it is within it."""
        now = _now() if now is None else now
        window = int(now // WINDOW_SECONDS)
        reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        if not limit:
            return RateDecision(True, 0, 0, reset)
        with self._counter_cursor() as cr:
            cr.execute(
                """INSERT INTO g2p_api_rate_window (client_id, window_start, hits) VALUES (%s, %s, 1)
                   ON CONFLICT (client_id, window_start) DO UPDATE SET hits = g2p_api_rate_window.hits + 1
                   RETURNING hits""",
                (client_id, window),
            )
            hits = cr.fetchone()[0]
        return RateDecision(hits <= limit, limit, max(0, limit - hits), reset)

    @api.model
    def _cron_purge(self):
        with self._counter_cursor() as cr:
            cr.execute("DELETE FROM g2p_api_rate_window WHERE window_start < %s", (int(_now() // WINDOW_SECONDS) - 2,))
