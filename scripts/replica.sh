# Sourced (after scripts/odoo_env.sh): a streaming replica of the private cluster beside it, made with
# pg_basebackup -R into its own data directory and started as a hot standby on its own port.
# Used by `make replica-test` (scripts/replica_test.sh) and `make cluster` (scripts/cluster.sh).
#   replica_start PORT DATADIR   makes it afresh and starts it (returns non-zero if it cannot)
#   replica_stop DATADIR         stops it and removes its data directory
# The primary's configuration is not changed: initdb's pg_hba already trusts local replication
# connections; wal_level=replica and max_wal_senders=10 are the defaults.
replica_log() { printf '[replica] %s\n' "$*" >&2; }

replica_bindir() {
  local d bindir=""
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir=$d; done
  [ -n "$bindir" ] || { replica_log "no PostgreSQL server binaries (pg_ctl) found"; return 1; }
  echo "$bindir"
}

replica_run_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u g2ppg -- "$@"; else "$@"; fi
}

replica_stop() {
  local data=$1 bindir
  bindir=$(replica_bindir) || return 0
  if [ -f "$data/postmaster.pid" ]; then
    replica_run_as "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$data"
}

replica_start() {
  local port=$1 data=$2 bindir
  case $PGHOST in
    /*) ;;
    *) replica_log "PGHOST=$PGHOST is not the private cluster's socket directory: a replica needs the private cluster"; return 1 ;;
  esac
  bindir=$(replica_bindir) || return 1
  replica_stop "$data"
  replica_log "base backup of the cluster on port $PGPORT into $data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown g2ppg "$data"
  chmod 700 "$data"
  replica_run_as "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U g2padmin -D "$data" -R -X stream -c fast \
    || { replica_log "pg_basebackup failed"; return 1; }
  replica_log "starting the replica on port $port (hot standby)"
  replica_run_as "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 300 \
    -o "-k $PGHOST -p $port -c listen_addresses='' -c hot_standby=on -c max_connections=200 -c fsync=off" start >/dev/null \
    || { replica_log "the replica did not start: see $data/server.log"; return 1; }
  psql -h "$PGHOST" -p "$port" -U g2padmin -d postgres -tAc "SELECT pg_is_in_recovery()" | grep -q t \
    || { replica_log "the server on port $port is not a standby"; return 1; }
}
