"""Whether the primary and the read replica answer, and how far the replica's replay is behind:
for load balancers and monitoring, and for the routing of reads (``read_routing``: a replica
further behind than the registry's bound serves no read). Connections straight from Odoo's pools
(not the request's cursor), so each database is asked itself; nothing of the register is read."""

import logging
import threading
import time

import psycopg2

from odoo import sql_db
from odoo.tools import config

_logger = logging.getLogger(__name__)

# Everything the primary has written so far, committed or not: its insert position, not
# pg_current_wal_lsn() (the write position), which under synchronous_commit=off can be behind
# a commit its readers already see.
PRIMARY_POSITION_QUERY = "SELECT pg_current_wal_insert_lsn()::text"

# Asked of the replica, with the primary's position taken just before and the one this process took at its
# previous measure: whether it has replayed up to each, and the age of the last commit it replayed (NULL
# when it replayed none since it started). Not the replica's receive position against its replay position
# (the query of old): an idle primary sends nothing, and a replica cut off from its primary has received
# nothing more, so either looks up to date by it.
REPLICA_LAG_QUERY = """
    SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn,
           pg_last_wal_replay_lsn() >= %s::pg_lsn,
           EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""

# Asked of the replica while reads wait for it to have replayed a position of the primary (replica_caches); a replica
# promoted to primary has replayed everything, one that does not answer or has replayed nothing has not
REPLICA_REPLAYED_QUERY = "SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn"

# How long a process keeps the lag it measured before it asks again (the routing of every read uses it)
LAG_MEASURE_SECONDS = 1.0


def _ask(db_name, readonly, query, params=()):
    try:
        with sql_db.db_connect(db_name, readonly=readonly).cursor() as cr:
            cr.execute(query, params)
            return True, cr.fetchone()
    except psycopg2.Error:
        _logger.warning("Health check: the %s database does not answer", "replica" if readonly else "primary")
        return False, None


_lock = threading.Lock()
_positions = {}  # db name: (the primary's position at this process's last measure, time.monotonic() before it)
_measured = {}  # db name: (time.monotonic() of the last measure, the lag it found)


def _primary_position(db_name):
    """(primary reachable, its WAL insert position or None)."""
    reachable, row = _ask(db_name, False, PRIMARY_POSITION_QUERY)
    return reachable, row[0] if row else None


def primary_position(db_name):
    """The primary's WAL insert position (``16/B374D848``), None when it does not answer."""
    return _primary_position(db_name)[1]


def measure_replica_lag(db_name):
    """(primary reachable, replica reachable, how old the replica's view may be in seconds: None when unknown).

    0 when the replica has replayed everything the primary had a moment ago. Otherwise the smaller of two
    bounds: the age of the last commit it replayed (the first it lacks is younger), and, when it has replayed
    up to the primary's position of this process's previous measure, that measure's age (a replica that only
    trails the primary's latest WAL is not taken for as old as the last commit of a quiet registry)."""
    taken_at = time.monotonic()
    primary_reachable, position = _primary_position(db_name)
    with _lock:
        previous, previous_taken_at = _positions.get(db_name, (None, None))
        if position is not None:
            _positions[db_name] = (position, taken_at)
    replica_reachable, row = _ask(db_name, True, REPLICA_LAG_QUERY, (position, previous))
    if not row:
        return primary_reachable, replica_reachable, None
    up_to_date, up_to_previous, last_commit_age = row
    if up_to_date:
        return primary_reachable, replica_reachable, 0.0
    bounds = [float(last_commit_age)] if last_commit_age is not None else []
    if up_to_previous:
        bounds.append(time.monotonic() - previous_taken_at)
    return primary_reachable, replica_reachable, min(bounds) if bounds else None


def replica_lag_seconds(db_name):
    """The replica's lag as this process last measured it (at most ``LAG_MEASURE_SECONDS`` ago); None when it is
    unknown or either database does not answer. 0 without a replica (under tests, Odoo's read-only cursors are
    the primary's)."""
    if config["db_replica_host"] is False:
        return 0.0
    with _lock:
        measured_at, lag = _measured.get(db_name, (None, None))
    if measured_at is not None and time.monotonic() - measured_at < LAG_MEASURE_SECONDS:
        return lag
    _primary, _replica, lag = measure_replica_lag(db_name)
    with _lock:
        _measured[db_name] = (time.monotonic(), lag)
    return lag


def replica_replayed(db_name, position):
    """Whether the replica has replayed the primary's WAL up to ``position`` (False when it does not answer)."""
    _reachable, row = _ask(db_name, True, REPLICA_REPLAYED_QUERY, (position,))
    return bool(row and row[0])


def database_health(db_name):
    """{"status": "ok" | "degraded", "primary": {...}, "replica": {...}}, measured afresh."""
    replica = {"configured": config["db_replica_host"] is not False, "reachable": None, "lag_seconds": None}
    if replica["configured"]:
        primary_reachable, reachable, lag = measure_replica_lag(db_name)
        replica.update(reachable=reachable, lag_seconds=round(lag, 3) if lag is not None else None)
    else:
        primary_reachable, _row = _ask(db_name, False, "SELECT 1")
    healthy = primary_reachable and replica["reachable"] is not False
    return {"status": "ok" if healthy else "degraded", "primary": {"reachable": primary_reachable}, "replica": replica}
