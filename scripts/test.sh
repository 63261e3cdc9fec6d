#!/usr/bin/env bash
# Installs every suite addon with tests enabled into a throwaway database, runs every
# test of the suite (each addon's tests/ and the cross-module addons under tests/),
# and ends with "N passed, N failed". Exit status is non-zero on any failure or error.
# Lint runs first (scripts/lint.sh --check: every hook of .pre-commit-config.yaml, nothing rewritten)
# and counts as one check of that line: any finding fails `make test`. A targeted run (G2P_TEST_TAGS or
# G2P_TEST_MODULES set) skips it; G2P_LINT=1 runs it anyway, G2P_LINT=0 skips it.
# G2P_ODOO_ARGS: more options for Odoo (scripts/replica_test.sh gives the replica's).
set -uo pipefail
source "$(dirname "$0")/odoo_env.sh" || exit 1

db="g2p_test_$(date +%s)_$$"
logdir=$ROOT/.test-logs; mkdir -p "$logdir"
log=$logdir/$db.log
ln -sfn "$db.log" "$logdir/latest.log"
port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tags=$(echo "$SUITE_MODULES" | tr ',' '\n' | sed 's|^|/|' | paste -sd, -)
tags=${G2P_TEST_TAGS:-$tags}
modules=${G2P_TEST_MODULES:-$SUITE_MODULES}

lint_default=1
[ -n "${G2P_TEST_TAGS:-}${G2P_TEST_MODULES:-}" ] && lint_default=0
lint=skipped
if [ "${G2P_LINT:-$lint_default}" = 1 ]; then
  lint_log=$logdir/lint-$db.log
  ls -1t "$logdir"/lint-*.log 2>/dev/null | tail -n +11 | xargs -r rm -f
  echo "[lint] scripts/lint.sh --check (the hooks of .pre-commit-config.yaml; nothing is rewritten)"
  if bash "$ROOT/scripts/lint.sh" --check > "$lint_log" 2>&1; then
    lint=passed
    echo "[lint] passed"
  else
    lint=failed
    grep -vE "(Passed|Skipped)$|^- hook id: pylint_odoo$" "$lint_log" | head -300
    echo "[lint] FAILED: fix the findings above (make lint fixes the formatting ones in place); full output: $lint_log"
  fi
fi

echo "[test] database $db, modules: $modules"
cleanup() { dropdb --if-exists "$db" 2>/dev/null || true; }
trap cleanup EXIT
# keep the ten newest logs
ls -1t "$logdir"/g2p_test_*.log 2>/dev/null | tail -n +11 | xargs -r rm -f
odoo_bin -d "$db" -i "$modules" --test-enable --test-tags="$tags" --stop-after-init \
  --http-port="$port" --http-interface=127.0.0.1 --workers=0 --max-cron-threads=0 \
  --log-level=test --logfile= ${G2P_ODOO_ARGS:-} > "$log" 2>&1
rc=$?

# Show what went wrong (and the per-test lines) without the install chatter.
grep -E " (ERROR|CRITICAL) | FAIL: | ERROR: |^Traceback|^AssertionError|Error: " "$log" | head -200
summary=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$log" | tail -1)
echo "[test] ${summary#*: }"
errors_in_log=$(grep -cE " (ERROR|CRITICAL) " "$log")
if [[ $summary =~ ([0-9]+)\ failed,\ ([0-9]+)\ error\(s\)\ of\ ([0-9]+)\ tests ]]; then
  failed=$(( BASH_REMATCH[1] + BASH_REMATCH[2] ))
  total=${BASH_REMATCH[3]}
else
  failed=1; total=0
  echo "[test] no test summary found: installation failed (see $log)"
fi
# An ERROR logged outside a test (a failed install, a broken data file) fails the run too.
if [ "$failed" = 0 ] && [ "$errors_in_log" != 0 ]; then failed=$errors_in_log; fi
passed=$(( total > failed ? total - failed : 0 ))
[ "$total" -gt 0 ] || { echo "[test] no test ran"; failed=$(( failed > 0 ? failed : 1 )); }
echo "full log: $log"
case $lint in
  passed) passed=$(( passed + 1 )); echo "[test] lint passed (counted as one check below)" ;;
  failed) failed=$(( failed + 1 )); echo "[test] lint FAILED (counted as one failure below; see [lint] above)" ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$rc" = 0 ]
