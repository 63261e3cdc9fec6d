"""Which database serves an API call: a read replica for reads, the primary for everything written.

Odoo 18 opens a request's cursor on the replica (``--db_replica_host`` / ``--db_replica_port``)
when the matched route is declared ``readonly`` (``odoo.http.Request._serve_db``); OCA ``fastapi``
declares its whole endpoint read/write, so every call would go to the primary. The suite's
endpoints are given a ``ReadRouting`` as their ``readonly`` instead (``ir.http`` of this addon):

- GET, HEAD, OPTIONS and the read-only POSTs an app declares (``readonly_posts`` of
  ``fastapi.endpoint._g2p_apps``, e.g. the DCI sync search) are served by the replica;
- every other call is served by the primary;
- a client that wrote in the last seconds (``g2p.api.recent.write``) reads from the primary, so it
  always reads its own writes whatever the replica's lag;
- while the replica's replay is further behind than ``g2p_partner_api.replica_max_lag_seconds``
  (or its lag is unknown), every read is served by the primary: a read never shows the registry
  (a withdrawn consent, an archived registrant) as it was longer ago than that;
- after Odoo cleared this process's caches for a change and at the process's first read, the read gets the
  primary's cursor until the replica has replayed what the primary had written then: not decided here but for
  every read-only cursor, Odoo's own read-only routes included (``replica_caches``).

Who the caller is (the token grant: client active, token not revoked, its scopes) is never taken
from the replica: ``g2p.api.client._token_grant`` looks it up on the primary.

What a call served by the replica writes (its audit row, its rate-limit count, a DCI transaction)
goes through ``primary_cursor``: a transaction of its own on the primary, committed when the
block ends. Without a replica, or when it cannot be reached, Odoo gives read calls a primary
cursor and ``primary_cursor`` is that same cursor: nothing changes.
"""

import logging
from contextlib import contextmanager

import jwt
import psycopg2

from odoo import SUPERUSER_ID, api, http
from odoo.tools import config

from .database_health import replica_lag_seconds

_logger = logging.getLogger(__name__)

MAX_REPLICA_LAG_PARAM = "g2p_partner_api.replica_max_lag_seconds"
DEFAULT_MAX_REPLICA_LAG_SECONDS = 10

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def app_path(path, root_path):
    """``path`` relative to the app mounted at ``root_path``."""
    root_path = (root_path or "").rstrip("/")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def is_read_call(method, path_in_app, readonly_posts):
    """True for a call that writes nothing but its bookkeeping: a read method, or one of the app's read-only POSTs."""
    return method in READ_METHODS or (method == "POST" and path_in_app in readonly_posts)


def bearer_subject(authorization):
    """The ``sub`` claim of a bearer token, not verified: it only chooses the database a call reads
    from (the route verifies the token). A forged one can only send its own reads to the primary."""
    scheme, _sep, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        subject = jwt.decode(token.strip(), options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return None
    return subject if isinstance(subject, str) else None


def replica_configured():
    # the condition under which odoo.modules.registry.Registry opens its read-only pool
    return config["db_replica_host"] is not False or bool(config["test_enable"])


class ReadRouting:
    """The ``readonly`` routing value of one suite app: called by Odoo for each request, before
    the request's cursor is opened, with the matched controller (unused)."""

    def __init__(self, root_path, readonly_posts=()):
        self.root_path = root_path
        self.readonly_posts = frozenset(readonly_posts)

    def __call__(self, _controller=None):
        request = http.request
        httprequest = request.httprequest
        if not is_read_call(httprequest.method, app_path(httprequest.path, self.root_path), self.readonly_posts):
            return False
        if not replica_configured():
            return True
        subject = bearer_subject(httprequest.headers.get("Authorization"))
        return self._replica_may_serve(request.registry, subject)

    @staticmethod
    def _replica_may_serve(registry, client_id):
        # asked of the primary: the replica may not have replayed the write, nor a change of the bound
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if client_id and env["g2p.api.recent.write"]._wrote_recently(client_id):
                    return False
                max_lag = max_replica_lag(env)
        except psycopg2.Error:
            _logger.warning(
                "Could not ask the primary where to serve a read of %s: reading from the primary", client_id
            )
            return False
        return replica_within(registry.db_name, max_lag)


def max_replica_lag(env):
    """The replay lag (seconds) beyond which the replica serves no read."""
    value = env["ir.config_parameter"].sudo().get_param(MAX_REPLICA_LAG_PARAM)
    return int(value) if value and value.strip().isdigit() else DEFAULT_MAX_REPLICA_LAG_SECONDS


def replica_within(db_name, max_lag):
    """Whether the replica's replay is at most ``max_lag`` seconds behind (as this process measured it at most a
    second ago; unknown is not within)."""
    lag = replica_lag_seconds(db_name)
    within = lag is not None and lag <= max_lag
    if within == (db_name in _lagging):  # logged when it changes, not at every read
        if within:
            _lagging.discard(db_name)
            _logger.info("The read replica is back within its bound (%s s behind): it serves reads", lag)
        else:
            _lagging.add(db_name)
            _logger.warning(
                "The read replica is %s s behind (bound %s s): reads are served by the primary", lag, max_lag
            )
    return within


_lagging = set()  # the databases whose replica this process last found too far behind


@contextmanager
def primary_cursor(env):
    """A cursor on the primary for what a call writes besides its answer (audit row, counters).

    The call's own cursor when the call is served by the primary (one transaction, as before);
    when it is served by the replica (``env.cr.readonly``), a transaction of its own on the
    primary, committed when the block ends, so the call never falls back to a read/write retry."""
    if not env.cr.readonly:
        yield env.cr
        return
    if env.registry.in_test_mode():
        with _test_cursor_made_writable(env.cr):
            yield env.cr
        return
    with env.registry.cursor() as cr:
        yield cr


@contextmanager
def _test_cursor_made_writable(cr):
    # Under browser tests every cursor is a TestCursor on the test's one transaction, locked by
    # the request's thread: a second one, opened from FastAPI's worker threads, would wait for it
    # forever. The read-only one simulates read-only in a savepoint: it ends that savepoint (a
    # read-only call has nothing to keep), writes in a read/write one, and is read-only again.
    # a TestCursor's commit only ends its savepoint: the test's transaction is never committed
    cr.commit()  # pylint: disable=invalid-commit
    cr.readonly = False
    try:
        yield
        cr.commit()  # pylint: disable=invalid-commit
    except Exception:
        cr.rollback()
        raise
    finally:
        cr.readonly = True
