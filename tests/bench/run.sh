#!/usr/bin/env bash
# make bench: registry-scale benchmarks (see README.md in this folder).
set -euo pipefail
source "$(dirname "$0")/../../scripts/odoo_env.sh"
# py-spy (BENCH_PROFILE): a developer tool, kept out of requirements.txt
"$VENV/bin/python" -m pip install -q -r "$ROOT/requirements-dev.txt"
exec "$VENV/bin/python" "$ROOT/tests/bench/bench.py"
