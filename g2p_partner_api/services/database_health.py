"""Whether the primary and the read replica answer, and how far the replica's replay is behind:
for load balancers and monitoring. Connections straight from Odoo's pools (not the request's
cursor), so each database is asked itself; nothing of the register is read."""

import logging

import psycopg2

from odoo import sql_db
from odoo.tools import config

_logger = logging.getLogger(__name__)

# 0 when everything received is replayed (an idle primary sends nothing: the last replayed
# commit's age would grow while the replica is in fact up to date)
REPLICA_LAG_QUERY = """
    SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def _ask(db_name, readonly, query):
    try:
        with sql_db.db_connect(db_name, readonly=readonly).cursor() as cr:
            cr.execute(query)
            return True, cr.fetchone()[0]
    except psycopg2.Error:
        _logger.warning("Health check: the %s database does not answer", "replica" if readonly else "primary")
        return False, None


def database_health(db_name):
    """{"status": "ok" | "degraded", "primary": {...}, "replica": {...}}."""
    primary_reachable, _value = _ask(db_name, False, "SELECT 1")
    replica = {"configured": config["db_replica_host"] is not False, "reachable": None, "lag_seconds": None}
    if replica["configured"]:
        reachable, lag = _ask(db_name, True, REPLICA_LAG_QUERY)
        replica.update(reachable=reachable, lag_seconds=round(float(lag), 3) if lag is not None else None)
    healthy = primary_reachable and replica["reachable"] is not False
    return {"status": "ok" if healthy else "degraded", "primary": {"reachable": primary_reachable}, "replica": replica}
