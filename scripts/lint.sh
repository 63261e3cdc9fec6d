#!/usr/bin/env bash
# `make lint`: every hook of .pre-commit-config.yaml on every file (ruff, pylint-odoo with OCA's
# mandatory checks, OCA's module and PO checks, prettier for XML, readme pages, file hygiene).
# The tools come from .venv (installed by `make`); the hooks are local: no network at lint time.
# Hooks that fix (ruff format, prettier, end-of-file, ...) leave their fixes in the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
exec pre-commit run --all-files --show-diff-on-failure "$@"
