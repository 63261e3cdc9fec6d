#!/usr/bin/env bash
# make bench: registry-scale benchmarks (see README.md in this folder).
set -euo pipefail
source "$(dirname "$0")/../../scripts/odoo_env.sh"
exec "$VENV/bin/python" "$ROOT/tests/bench/bench.py"
