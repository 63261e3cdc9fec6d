#!/usr/bin/env bash
# make replica-test: a streaming replica of the private cluster beside it (pg_basebackup -R, hot standby,
# its own data directory and port), Odoo run with --db_replica_host/--db_replica_port, and the test class
# that proves where each call is served (g2p_partner_api TestReadReplica). The replica is made afresh for
# each run and stopped and removed at the end; the primary's configuration is not changed (initdb's
# pg_hba already trusts local replication connections; wal_level=replica and max_wal_senders=10 are the defaults).
set -uo pipefail
source "$(dirname "$0")/odoo_env.sh" || exit 1
log() { printf '[replica] %s\n' "$*" >&2; }

case $PGHOST in
  /*) ;;
  *) log "PGHOST=$PGHOST is not the private cluster's socket directory: make replica-test needs the private cluster"; exit 1 ;;
esac
primary_port=$PGPORT
replica_port=${G2P_REPLICA_PORT:-54330}
replica_data=${G2P_REPLICA_PGDATA:-$(dirname "$PGHOST")/replica-pgdata}
bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir=$d; done
[ -n "$bindir" ] || { log "no PostgreSQL server binaries (pg_ctl) found"; exit 1; }
run_as=()
[ "$(id -u)" = 0 ] && run_as=(runuser -u g2ppg --)

stop_replica() {
  if [ -f "$replica_data/postmaster.pid" ]; then
    "${run_as[@]}" "$bindir/pg_ctl" -D "$replica_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$replica_data"
}
stop_replica
trap stop_replica EXIT

log "base backup of the cluster on port $primary_port into $replica_data"
mkdir -p "$replica_data"
[ "$(id -u)" = 0 ] && chown g2ppg "$replica_data"
chmod 700 "$replica_data"
"${run_as[@]}" "$bindir/pg_basebackup" -h "$PGHOST" -p "$primary_port" -U g2padmin -D "$replica_data" -R -X stream -c fast \
  || { log "pg_basebackup failed"; exit 1; }
log "starting the replica on port $replica_port (hot standby)"
"${run_as[@]}" "$bindir/pg_ctl" -D "$replica_data" -l "$replica_data/server.log" -w \
  -t 300 -o "-k $PGHOST -p $replica_port -c listen_addresses='' -c hot_standby=on -c max_connections=200 -c fsync=off" start >/dev/null \
  || { log "the replica did not start: see $replica_data/server.log"; exit 1; }
psql -h "$PGHOST" -p "$replica_port" -U g2padmin -d postgres -tAc "SELECT pg_is_in_recovery()" | grep -q t \
  || { log "the server on port $replica_port is not a standby"; exit 1; }

# the test pauses and resumes replay on the replica (a superuser's functions): it is told how to reach it
export G2P_REPLICA_ADMIN_DSN="host=$PGHOST port=$replica_port user=g2padmin"
export G2P_TEST_MODULES=${G2P_TEST_MODULES:-g2p_partner_api}
export G2P_TEST_TAGS=${G2P_TEST_TAGS:-/g2p_partner_api:TestReadReplica}
export G2P_ODOO_ARGS="--db_replica_host=$PGHOST --db_replica_port=$replica_port"
bash "$ROOT/scripts/test.sh"
