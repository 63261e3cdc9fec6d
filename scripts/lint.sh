#!/usr/bin/env bash
# `make lint`: every hook of .pre-commit-config.yaml on every file (ruff, pylint-odoo with OCA's
# mandatory checks, OCA's module and PO checks, prettier for XML, readme pages, file hygiene).
# The tools come from .venv (installed by `make`); the hooks are local: no network at lint time.
# Hooks that fix (ruff format, prettier, end-of-file, ...) leave their fixes in the working tree.
#
# `scripts/lint.sh --check` (what `make test` and CI run): the same hooks on a copy of the working
# tree (tracked and untracked files, not the ignored ones), so nothing of yours is rewritten; a hook
# that would change a file fails and its diff is shown. The informational pylint run (optional
# checks, --exit-zero: it never fails) is skipped there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/bootstrap.sh
export PATH="$ROOT/.venv/bin:$PATH"
if [ "${1:-}" != "--check" ]; then
  exec pre-commit run --all-files --show-diff-on-failure "$@"
fi
shift

copy=$(mktemp -d "${TMPDIR:-/tmp}/g2p-lint.XXXXXX")
trap 'rm -rf "$copy"' EXIT
# files deleted from the working tree but still in the index are skipped (--ignore-failed-read)
git ls-files -z --cached --others --exclude-standard --deduplicate \
  | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$copy"
ln -s "$(readlink -f "$ROOT/.venv")" "$copy/.venv"
cd "$copy"
git init -q
git add -A
SKIP=${SKIP:+$SKIP,}pylint_odoo pre-commit run --all-files --show-diff-on-failure --color=never "$@"
