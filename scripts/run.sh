#!/usr/bin/env bash
# Serves Odoo with every suite addon and demo data in database g2p_demo (created or
# reused), 2 workers and the queue_job runner. Ctrl-C stops it.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"
db=${G2P_DB:-g2p_demo}
port=${G2P_HTTP_PORT:-8069}
conf=$ROOT/.odoo-run.conf
cat > "$conf" <<CONF
[options]
addons_path = $ADDONS_PATH
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
http_port = $port
workers = 2
max_cron_threads = 1
server_wide_modules = base,web,queue_job
limit_time_real = 600
[queue_job]
channels = root:2,root.g2p_ingest:2,root.g2p_outbound:2,root.g2p_dci:2
CONF
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
  echo "[run] creating database $db with the suite and demo data"
  odoo_bin -c "$conf" -d "$db" -i "$SUITE_ADDONS" --stop-after-init --log-level=warn
else
  # -i installs addons added since the last run, -u brings the others up to date
  odoo_bin -c "$conf" -d "$db" -i "$SUITE_ADDONS" -u "$SUITE_ADDONS" --stop-after-init --log-level=warn
fi
"$VENV/bin/python" "$ROOT/scripts/print_demo_info.py" "$conf" "$db" "http://localhost:$port" || true
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$db" --db-filter="^$db\$"
