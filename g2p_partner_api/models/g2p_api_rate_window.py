import hashlib
import time
from collections import namedtuple
from contextlib import contextmanager

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

import odoo.modules.module
from odoo import api, fields, models

from ..services import counter_cursors
from ..services.read_routing import primary_cursor

DEFAULT_LIMIT_PARAM = "g2p_partner_api.rate_limit_per_minute"
DEFAULT_LIMIT = 600
# the most calls per minute an API Manager may give a client; no limit, or more, is a system administrator's decision
MAX_LIMIT_PARAM = "g2p_partner_api.rate_limit_max_per_minute"
DEFAULT_MAX_LIMIT = 6000
WINDOW_SECONDS = 60
AUTH_FAILURES_PER_CLIENT_SOURCE_PARAM = "g2p_partner_api.auth_failures_per_client_and_source"
DEFAULT_AUTH_FAILURES_PER_CLIENT_SOURCE = 10
AUTH_FAILURES_PER_SOURCE_PARAM = "g2p_partner_api.auth_failures_per_source"
DEFAULT_AUTH_FAILURES_PER_SOURCE = 30

RateDecision = namedtuple("RateDecision", "allowed limit remaining reset")


def _now():
    return time.time()


def _window(now):
    """(window number, seconds until the next window) of the time ``now``."""
    window = int(now // WINDOW_SECONDS)
    return window, max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


class G2PApiRateWindow(models.Model):
    """Calls of one client (or failed authentications of one ``subject``) in one fixed one-minute window.

    Counted in PostgreSQL so the limit holds across every worker and node. The count is
    taken in a transaction of its own: the row lock lasts one statement rather than the
    whole call, and refused or failing calls count as well. ``client_id`` is a plain column
    (no foreign key) so that transaction never waits on the client row."""

    _name = "g2p.api.rate.window"
    _description = "API calls of a client in one rate-limit window"
    _log_access = False

    client_id = fields.Integer(required=True, index=True, help="0 for the counts of a subject")
    subject = fields.Char(
        required=True,
        default="",
        help="What is counted when it is not a client's calls: failed authentications of a source address, "
        "or of one claimed client id from one source address (the id hashed: it is the caller's input)",
    )
    window_start = fields.Integer(required=True, help="Start of the window, in minutes since the Unix epoch")
    hits = fields.Integer(required=True, default=0)

    _sql_constraints = [
        ("client_window_unique", "unique(client_id, subject, window_start)", "One row per client and window.")
    ]

    @contextmanager
    def _counter_cursor(self, test_transaction=False):
        """A cursor for statements committed at once, each in a transaction of its own (the process's
        autocommit cursor on the primary: services/counter_cursors.py). ``test_transaction``: under unit
        tests, the test's cursor instead, so that what a test counts is rolled back with it and tests stay apart."""
        if self._in_test_transaction(test_transaction):
            with self._test_cursor() as cr:
                yield cr
            return
        with counter_cursors.counter_cursor(self.env.registry.db_name) as cr:
            yield cr

    @contextmanager
    def _own_transaction_cursor(self, test_transaction=False):
        """A cursor of its own whose statements are committed together when the block ends (writes that
        go together, e.g. the rows of a fetched key set); ``test_transaction`` as for ``_counter_cursor``."""
        if self._in_test_transaction(test_transaction):
            with self._test_cursor() as cr:
                yield cr
            return
        with self.env.registry.cursor() as cr:
            # concurrent increments of one row must wait, not fail as repeatable read would; set on the
            # connection, it goes with the transaction's BEGIN (no statement of its own) and the next
            # cursor opened on the pooled connection sets Odoo's level again
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            yield cr

    def _in_test_transaction(self, test_transaction):
        return self.env.registry.in_test_mode() or bool(test_transaction and odoo.modules.module.current_test)

    @contextmanager
    def _test_cursor(self):
        # browser tests serve every request on the test's one cursor, from other threads than
        # the one holding it: a second cursor would wait for that thread forever
        if self.env.cr.readonly:  # a call served "by the replica" in a browser test
            with primary_cursor(self.env) as cr:
                yield cr
            return
        with self.env.cr.savepoint(flush=False):
            yield self.env.cr

    @api.model
    def _consume(self, client_id, limit, now=None):
        """Count one call of the client ``client_id`` against ``limit`` calls per minute (0: none)
        and say whether it is within it."""
        window, reset = _window(_now() if now is None else now)
        if not limit:
            return RateDecision(True, 0, 0, reset)
        with self._counter_cursor() as cr:
            cr.execute(
                """INSERT INTO g2p_api_rate_window (client_id, subject, window_start, hits) VALUES (%s, '', %s, 1)
                   ON CONFLICT (client_id, subject, window_start) DO UPDATE SET hits = g2p_api_rate_window.hits + 1
                   RETURNING hits""",
                (client_id, window),
            )
            hits = cr.fetchone()[0]
        return RateDecision(hits <= limit, limit, max(0, limit - hits), reset)

    # --- failed authentications (token endpoint), counted before any secret is hashed -------
    @api.model
    def _auth_failure_limits(self, claimed_client_id, source_address):
        """{subject: failures allowed per minute} for a token request: per (claimed client id,
        source) and per source. Never per client id alone, so that guessing a partner's id from
        elsewhere cannot lock the partner out."""
        params = self.env["ir.config_parameter"].sudo()
        digest = hashlib.sha256((claimed_client_id or "").encode()).hexdigest()
        source_address = source_address or "unknown"
        per_client = params.get_param(AUTH_FAILURES_PER_CLIENT_SOURCE_PARAM, DEFAULT_AUTH_FAILURES_PER_CLIENT_SOURCE)
        per_source = params.get_param(AUTH_FAILURES_PER_SOURCE_PARAM, DEFAULT_AUTH_FAILURES_PER_SOURCE)
        return {
            f"auth-failures:{source_address}:{digest}": int(per_client),
            f"auth-failures:{source_address}": int(per_source),
        }

    @api.model
    def _auth_failure_wait(self, claimed_client_id, source_address, now=None):
        """Seconds this source must wait before authenticating as ``claimed_client_id`` again (0: it may try now)."""
        window, reset = _window(_now() if now is None else now)
        limits = self._auth_failure_limits(claimed_client_id, source_address)
        with self._counter_cursor() as cr:
            cr.execute(
                """SELECT subject, hits FROM g2p_api_rate_window
                   WHERE client_id = 0 AND window_start = %s AND subject IN %s""",
                (window, tuple(limits)),
            )
            over = any(0 < limits[subject] <= hits for subject, hits in cr.fetchall())
        return reset if over else 0

    @api.model
    def _count_auth_failure(self, claimed_client_id, source_address, now=None):
        window, _reset = _window(_now() if now is None else now)
        # committed at once, whatever happens to the call: its own transaction is rolled back
        with self._counter_cursor() as cr:
            for subject in self._auth_failure_limits(claimed_client_id, source_address):
                cr.execute(
                    """INSERT INTO g2p_api_rate_window (client_id, subject, window_start, hits) VALUES (0, %s, %s, 1)
                       ON CONFLICT (client_id, subject, window_start)
                       DO UPDATE SET hits = g2p_api_rate_window.hits + 1""",
                    (subject, window),
                )

    @api.model
    def _cron_purge(self):
        with self._counter_cursor() as cr:
            cr.execute("DELETE FROM g2p_api_rate_window WHERE window_start < %s", (int(_now() // WINDOW_SECONDS) - 2,))
