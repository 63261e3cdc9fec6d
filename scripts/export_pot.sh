#!/usr/bin/env bash
# `make pot`: regenerates i18n/<addon>.pot of each product addon with Odoo's own export
# (odoo.tools.translate.trans_export) on a throwaway database holding the addons and their demo
# data (what `make test` installs), then brings each addon's i18n/<lang>.po in line with its new
# .pot (new terms untranslated, obsolete ones dropped, translations kept). The date lines of the
# header are left out, as in OCA's .pot files: regenerating with no term changed gives no diff.
# Then: `.venv/bin/python scripts/po_untranslated.py` lists the terms left to translate.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"
db="g2p_pot_$(date +%s)_$$"
trap 'dropdb --if-exists "$db"' EXIT
echo "[pot] installing $SUITE_ADDONS into $db"
odoo_bin -d "$db" -i "$SUITE_ADDONS" --stop-after-init --log-level=warn --workers=0 --max-cron-threads=0 --no-http 2>&1 |
  grep -v "sync registry for" || true
G2P_POT_ROOT=$ROOT G2P_POT_ADDONS=$SUITE_ADDONS "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell \
  --addons-path="$ADDONS_PATH" --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" -d "$db" \
  --log-level=warn --no-http <"$ROOT/scripts/export_pot.py"
"$VENV/bin/python" "$ROOT/scripts/po_untranslated.py" --summary || true
