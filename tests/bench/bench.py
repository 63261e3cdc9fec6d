"""make bench: the suite at registry scale against the baselines, one printed table (see README.md).

The rows live beside this file, a module per row or family (row_dci, row_bulk_lookup, row_rest, row_ingest);
the registry they read in registry_data, what they run on in harness, what they are told in knobs."""

import sys
import time

import knobs
import registry_data
import row_bulk_lookup
import row_dci
import row_file_ingest
import row_ingest
import row_rest
from harness import CPU_MS, Server
from knobs import DB, E2E_ITEMS, ROWS, log


def print_table(rows):
    print("\n" + "=" * 170)
    print(f"{'row':<44} {'measured':<50} {'baseline':<38} {'ratio':<20} {'target':<13} {'':<5} peak RSS")
    for name, figure, baseline, ratio, target, ok, peak in rows:
        print(
            f"{name:<44} {figure:<50} {baseline:<38} {ratio:<20} {target:<13} "
            f"{'-' if ok is None else 'PASS' if ok else 'MISS':<5} {peak:.0f} MB"
        )
    print(
        f"5 peak RSS of the Odoo processes (main, {knobs.WORKERS} HTTP workers, job runner, gevent) is the last column"
    )
    print(
        "CPU ms per call of the Odoo processes (PostgreSQL apart; steadier than latency on a shared machine): "
        + ", ".join(f"{name} {value:.1f}" for name, value in CPU_MS.items())
    )
    print("=" * 170)


def main():
    started = time.perf_counter()
    key = registry_data.ensure_database_and_client()
    if "e2e" in ROWS:
        log(f"ORM baseline: creating {E2E_ITEMS} registrants in one transaction (rolled back)")
        orm_seconds = row_ingest.orm_baseline()
    rows, e2e_pair, step = [], None, None
    with Server() as server:
        log(f"Odoo on {server.url} ({knobs.WORKERS} workers + queue_job runner)")
        if "dci" in ROWS:
            rows.append(row_dci.row_expression(server, key))
        if "batch" in ROWS:
            rows.append(row_dci.row_batch(server, key))
        if "lookup" in ROWS:
            rows.append(row_bulk_lookup.row(server, knobs.LOOKUP_CALLS))
        if "rest" in ROWS:
            rows += row_rest.rows(server)
        if "ingest" in ROWS:
            rows.append(row_ingest.row_ingest(server, key))
        if "file" in ROWS:
            rows.append(row_file_ingest.row(server, key))
        if "e2e" in ROWS:
            e2e_rows, e2e_pair = row_ingest.rows_end_to_end(server, key, orm_seconds)
            rows += e2e_rows
    if "dup" in ROWS:
        rows.append(row_ingest.row_duplicate_check(knobs.INDIVIDUALS, log))
        step_row, step = row_ingest.row_step_share(log)
        rows.append(step_row)
    if e2e_pair is not None or step is not None:
        rows.append(row_ingest.row_duplicate_share(e2e_pair, step))
    if "rest" in ROWS:
        rows.append(row_rest.row_rate_limit())
    print_table(rows)
    log(
        f"finished in {time.perf_counter() - started:.0f} s; "
        f"{knobs.INDIVIDUALS} individuals, {knobs.GROUPS} households in {DB}"
    )


if __name__ == "__main__":
    sys.exit(main())
