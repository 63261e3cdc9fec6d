#!/usr/bin/env bash
# Serves Odoo with every suite addon and demo data in database g2p_demo (created or
# reused), 2 workers and the queue_job runner, behind nginx as in production: nginx on
# G2P_HTTP_PORT (8069) routes /websocket to Odoo's gevent port and the rest to its HTTP port.
# The configuration is docs/odoo-jobrunner.conf rendered for this machine. Ctrl-C stops it.
# French is installed beside English (G2P_LANGUAGES, comma-separated Odoo codes): each user picks
# theirs in Preferences. --load-language at the create, and at an update of a database that does not
# have it yet (one made before); once a language is active, -u loads the addons' terms in it.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"
db=${G2P_DB:-g2p_demo}
port=${G2P_HTTP_PORT:-8069}
odoo_port=${G2P_ODOO_PORT:-$((port + 1))}
languages=${G2P_LANGUAGES:-fr_FR}
gevent_port=${G2P_GEVENT_PORT:-$((port + 3))}
rundir=$ROOT/.odoo-run
# only the product addons: the test-only addons under tests/ are not offered in Apps
"$VENV/bin/python" "$ROOT/scripts/odoo_conf.py" run "$rundir" listen="$port" http_port="$odoo_port" \
  gevent_port="$gevent_port" addons_path="$RUN_ADDONS_PATH" db_host="$PGHOST" db_port="$PGPORT" \
  db_user="$PGUSER" db_name="$db" >/dev/null
conf=$rundir/odoo.conf
odoo() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" "$@"; }
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
  echo "[run] creating database $db with the suite and demo data"
  odoo -d "$db" -i "$SUITE_ADDONS" --load-language="$languages" --stop-after-init --log-level=warn
else
  # -u brings the installed addons up to date; -i only for addons added since the last run: -i on an
  # installed addon re-initialises it, which loads its demo again (the demo traffic would be sent twice)
  new_addons=$(psql -d "$db" -tAc "SELECT string_agg(a, ',') FROM unnest(string_to_array('$SUITE_ADDONS', ',')) a
    WHERE a NOT IN (SELECT name FROM ir_module_module WHERE state = 'installed')")
  new_languages=$(psql -d "$db" -tAc "SELECT string_agg(l, ',') FROM unnest(string_to_array('$languages', ',')) l
    WHERE l NOT IN (SELECT code FROM res_lang WHERE active)")
  odoo -d "$db" ${new_addons:+-i "$new_addons"} -u "$SUITE_ADDONS" ${new_languages:+--load-language="$new_languages"} \
    --stop-after-init --log-level=warn
fi
"$VENV/bin/python" "$ROOT/scripts/print_demo_info.py" "$conf" "$db" "http://localhost:$port" || true
nginx=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx" -p "$rundir" -c "$rundir/nginx.conf" -e stderr &
nginx_pid=$!
trap 'kill "$nginx_pid" 2>/dev/null || true' EXIT
odoo
