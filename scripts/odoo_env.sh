# Sourced by the other scripts: sets ODOO_SRC, the addons path and the PostgreSQL variables.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv
bash "$ROOT/scripts/bootstrap.sh"
ODOO_SRC=$(cat "$VENV/.odoo-src")
eval "$(bash "$ROOT/scripts/postgres.sh")"
SITE_ADDONS=$("$VENV/bin/python" - <<'PY'
import sysconfig, pathlib
print(pathlib.Path(sysconfig.get_paths()["purelib"]) / "odoo" / "addons")
PY
)
# RUN_ADDONS_PATH: what `make run` (and a deployment) serves, the product addons only;
# ADDONS_PATH adds tests/, the cross-module test addons (and benchmarks, which are not addons)
RUN_ADDONS_PATH="$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$SITE_ADDONS,$ROOT"
ADDONS_PATH=$RUN_ADDONS_PATH
compgen -G "$ROOT/tests/*/__manifest__.py" >/dev/null && ADDONS_PATH="$ADDONS_PATH,$ROOT/tests"
# every addon of the suite: a folder at the top or under tests/ holding a manifest
# SUITE_ADDONS: what `make run` installs; SUITE_MODULES adds the test-only addons under tests/
SUITE_ADDONS=""
for manifest in "$ROOT"/*/__manifest__.py; do
  [ -f "$manifest" ] && SUITE_ADDONS="${SUITE_ADDONS:+$SUITE_ADDONS,}$(basename "$(dirname "$manifest")")"
done
SUITE_MODULES=$SUITE_ADDONS
for manifest in "$ROOT"/tests/*/__manifest__.py; do
  [ -f "$manifest" ] && SUITE_MODULES="$SUITE_MODULES,$(basename "$(dirname "$manifest")")"
done
export PGHOST PGPORT PGUSER ODOO_SRC RUN_ADDONS_PATH ADDONS_PATH SUITE_ADDONS SUITE_MODULES
odoo_bin() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path="$ADDONS_PATH" --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" "$@"; }
