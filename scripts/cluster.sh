#!/usr/bin/env bash
# make cluster: the topology of docs/deployment.md started on this machine from the repository's own
# templates (two HTTP nodes from docs/odoo-http.conf, one job-runner node from docs/odoo-jobrunner.conf,
# nginx from scripts/nginx-run.conf + docs/nginx-locations.conf, a PostgreSQL primary of its own and a
# streaming replica of it, scripts/replica.sh), a bounded mixed load through nginx, one HTTP node stopped
# in the middle, and the checks (tests/bench/cluster.py). Every process it starts is stopped on exit,
# failure and Ctrl-C included; ports are chosen free at start. Exit status 1 when a check fails.
# The primary is a cluster of its own (scripts/postgres.sh with its own data directory and port), not the
# shared one of `make test`: a base backup copies a whole cluster, and the shared one holds every other
# test and bench database.
#   CLUSTER_SCALE (20000 individuals), CLUSTER_PHASE_SECONDS (60); both clusters are removed after a run
#   that passed, kept (stopped) after one that failed or with CLUSTER_KEEP_DB=1.
set -uo pipefail
source "$(dirname "$0")/odoo_env.sh" || exit 1
source "$(dirname "$0")/replica.sh"
export CLUSTER_DB=${CLUSTER_DB:-g2p_cluster}
rundir=$ROOT/.cluster-run
base=$(dirname "$PGHOST")/cluster
primary_data=$base/pgdata
replica_data=$base/replica-pgdata
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export G2P_CLUSTER_REPLICA_PORT=$(free_port)
started=$(date +%s)
load_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # the load script stops its nodes, nginx and receiver itself; this is for an interrupted run
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
  replica_stop "$replica_data"
  if [ -f "$primary_data/postmaster.pid" ]; then
    replica_run_as "$(replica_bindir)/pg_ctl" -D "$primary_data" -m fast -w stop >/dev/null 2>&1
  fi
  # a failed run keeps its primary's data directory (stopped) for a look; the next run starts afresh
  if [ "${CLUSTER_KEEP_DB:-0}" != 1 ] && [ "$rc" = 0 ]; then
    rm -rf "$base"
    data_dir=$("$VENV/bin/python" -c 'import sys; sys.path.insert(0, "'"$ROOT"'/scripts"); import odoo_conf; print(odoo_conf._default_data_dir())')
    rm -rf "$data_dir/filestore/$CLUSTER_DB"
  fi
  echo "[cluster] finished in $(( $(date +%s) - started )) s, exit status $rc (logs: $rundir)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$rundir"; mkdir -p "$rundir"
replica_stop "$replica_data"
[ -f "$primary_data/postmaster.pid" ] && replica_run_as "$(replica_bindir)/pg_ctl" -D "$primary_data" -m fast -w stop >/dev/null 2>&1
rm -rf "$base"
# the primary: a private cluster of its own (initialised and started by scripts/postgres.sh)
eval "$(env -u PGHOST -u PGPORT G2P_PGDATA="$primary_data" G2P_PGPORT="$(free_port)" bash "$ROOT/scripts/postgres.sh")"
[ "$PGHOST" = "$base/pgsocket" ] || { echo "[cluster] the primary did not start"; exit 1; }
export PGHOST PGPORT PGUSER
echo "[cluster] primary: PostgreSQL on $PGHOST port $PGPORT"
step() {  # runs tests/bench/cluster.py in the background so that a signal reaches cleanup at once
  "$VENV/bin/python" "$ROOT/tests/bench/cluster.py" "$@" &
  load_pid=$!
  wait "$load_pid"; local rc=$?
  load_pid=""
  return $rc
}
step prepare "$rundir" || exit 1
replica_start "$G2P_CLUSTER_REPLICA_PORT" "$replica_data" || exit 1
step run "$rundir"
