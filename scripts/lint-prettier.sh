#!/usr/bin/env bash
# prettier with OCA's XML plugin, both installed under .venv/prettier by `make` (scripts/bootstrap.sh):
# nothing is downloaded at lint time.
set -euo pipefail
modules=$(cd "$(dirname "$0")/.." && pwd)/.venv/prettier/node_modules
[ -f "$modules/prettier/bin/prettier.cjs" ] || { echo "prettier is missing: run make setup (needs node and npm)" >&2; exit 1; }
exec node "$modules/prettier/bin/prettier.cjs" --plugin="$modules/@prettier/plugin-xml/src/plugin.js" "$@"
