#!/usr/bin/env bash
# Prints "export PGHOST=… PGPORT=… PGUSER=…" for a PostgreSQL server the suite can use:
# the one at PGHOST/PGPORT when it answers, else a private cluster under ~/.cache that
# this script initialises and starts (own socket dir and port). Never the postgres role.
set -euo pipefail
log() { printf '[postgres] %s\n' "$*" >&2; }

db_user=${PGUSER:-odoo}
[ "$db_user" = postgres ] && { echo "Refusing to run Odoo as the postgres role; set PGUSER to another role." >&2; exit 1; }

if [ -n "${PGHOST:-}" ] && pg_isready -q -h "$PGHOST" -p "${PGPORT:-5432}" 2>/dev/null; then
  echo "export PGHOST=$PGHOST PGPORT=${PGPORT:-5432} PGUSER=$db_user"
  exit 0
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
[ -n "$bindir" ] || bindir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
[ -x "$bindir/initdb" ] || { echo "No PostgreSQL server binaries (initdb) found: install postgresql, or set PGHOST/PGPORT to a running server." >&2; exit 1; }

cluster=${G2P_PGDATA:-$HOME/.cache/g2p-partner-api/pgdata}
sockdir=$(dirname "$cluster")/pgsocket
port=${G2P_PGPORT:-54329}
mkdir -p "$sockdir"

# initdb and the server refuse to run as root; the cluster then belongs to a plain system user.
run_as=()
if [ "$(id -u)" = 0 ]; then
  id g2ppg >/dev/null 2>&1 || useradd --system --home-dir "$(dirname "$cluster")" --shell /usr/sbin/nologin g2ppg
  # the server user must be able to traverse down to its cluster (execute bit only, no listing)
  d=$(dirname "$cluster"); while [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done
  chown g2ppg "$(dirname "$cluster")" "$sockdir"
  [ -d "$cluster" ] && chown -R g2ppg "$cluster"
  run_as=(runuser -u g2ppg --)
fi

if [ ! -f "$cluster/PG_VERSION" ]; then
  log "initialising a private cluster in $cluster"
  "${run_as[@]}" "$bindir/initdb" -D "$cluster" -U g2padmin --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! pg_isready -q -h "$sockdir" -p "$port" 2>/dev/null; then
  log "starting it on $sockdir port $port"
  "${run_as[@]}" "$bindir/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w \
    -o "-k $sockdir -p $port -c listen_addresses='' -c max_connections=200 -c fsync=off -c synchronous_commit=off" start >/dev/null
fi
psql -h "$sockdir" -p "$port" -U g2padmin -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$db_user'" | grep -q 1 \
  || psql -q -h "$sockdir" -p "$port" -U g2padmin -d postgres -c "CREATE ROLE \"$db_user\" LOGIN CREATEDB"
echo "export PGHOST=$sockdir PGPORT=$port PGUSER=$db_user"
