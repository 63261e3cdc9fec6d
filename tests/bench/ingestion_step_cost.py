# Run inside `odoo-bin shell -d <a copy of g2p_bench>` (never g2p_bench itself): the ingestion step of row 4
# (change requests proposed, the duplicate check, auto-approval, registrants created) per item, with the
# duplicate check on and off alternately on the same chunks: Odoo CPU, PostgreSQL backend CPU (/proc of this
# shell's backend), wall time and statements per item. Each chunk of 100 items is measured in a transaction of
# its own that is rolled back, so every measurement proposes the same items to the same register.
# BENCH_STEP_CHUNKS (default 5) chunks, BENCH_STEP_ROUNDS (default 3) rounds of on, off.
import datetime
import json
import os
import time

CHUNKS = int(os.environ.get("BENCH_STEP_CHUNKS", "5"))
ROUNDS = int(os.environ.get("BENCH_STEP_ROUNDS", "3"))
CHECK_PARAM = "g2p_partner_ingest.duplicate_check"
Raw = env["g2p.ingest.raw"].sudo()

person = env.ref("g2p_partner_ingest.data_model_person_json")
model = env["g2p.ingest.data.model"].search([("mnemonic", "=", "BENCH_PERSON_BATCH")])
if not model:
    model = model.create(
        {
            "mnemonic": "BENCH_PERSON_BATCH",
            "is_list": True,
            "key_path_list_elements": "$.body.message.people",
            "max_items": 10000,
            "target": "individual",
            "match_id_type_id": person.match_id_type_id.id,
            "transformation_template": person.transformation_template.replace(
                "{% set p = item.person %}", "{% set p = item %}"
            ),
            "auto_approve": True,
        }
    )
client = env["g2p.api.client"].search([("client_id", "=", "bench")])
items = [
    {
        "first_name": "Step",
        "last_name": f"Person{i}",
        "dob": (datetime.date(2010, 1, 1) + datetime.timedelta(days=i)).isoformat(),  # no e2e run's span
        "sex": "F",
        "national_id": f"2{i:08d}",  # no registrant's (3..., e2e runs 4-6...)
        "village": "Zomba",
    }
    for i in range(CHUNKS * 100)
]
env.cr.execute("SELECT pg_backend_pid()")
backend = env.cr.fetchone()[0]


def backend_cpu():
    with open(f"/proc/{backend}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counters():
    return env.cr.sql_log_count, time.process_time(), backend_cpu(), time.perf_counter()


def spent(before):
    return [after - before for after, before in zip(counters(), before, strict=True)]


# stored, then taken through classification and transformation (measured once), committed: a copy of the
# bench database; the rows of an earlier run of this script first removed
env.cr.execute("DELETE FROM g2p_ingest_raw WHERE message_id = 'bench-step-cost'")
rows = Raw._receive(client, model, "bench-step-cost", items)
env.flush_all()
before_steps = {}
for step in ("classification", "transformation"):
    started = counters()
    rows._run_step(step)
    env.flush_all()
    before_steps[step] = spent(started)
# the jobs these steps queued for this script's rows only (g2p.ingest.raw._enqueue's identity keys)
keys = [
    f"g2p_ingest:{step}:{rows[start].ingest_id}:{len(rows[start : start + 100])}"
    for step in ("classification", "transformation", "ingestion")
    for start in range(0, len(rows), 100)
]
env.cr.execute("DELETE FROM queue_job WHERE identity_key = ANY(%s)", [keys])
env.cr.commit()
assert set(rows.mapped("transformation_status")) == {"done"}, rows.mapped("error_message")[:3]
assert set(rows.mapped("ingestion_status")) == {"pending"}


def measure(chunk_ids, check):
    env.invalidate_all()
    env["ir.config_parameter"].set_param(CHECK_PARAM, "1" if check else "0")
    env.flush_all()
    chunk = Raw.browse(chunk_ids)
    started = counters()
    chunk._run_step("ingestion")
    env.flush_all()
    figures = spent(started)
    applied = env["g2p.change.request"].search_count([("ingest_raw_id", "in", chunk_ids), ("state", "=", "applied")])
    env.cr.rollback()
    env.invalidate_all()
    env.registry.clear_cache()
    assert applied == len(chunk_ids), (check, applied)
    return figures


chunks = [rows.ids[start : start + 100] for start in range(0, len(rows), 100)]
measure(chunks[0], True)  # warm the caches
measure(chunks[0], False)
totals = {True: [0, 0.0, 0.0, 0.0], False: [0, 0.0, 0.0, 0.0]}
for _round in range(ROUNDS):
    for chunk_ids in chunks:
        for check in (True, False) if _round % 2 == 0 else (False, True):
            figures = measure(chunk_ids, check)
            totals[check] = [t + f for t, f in zip(totals[check], figures, strict=True)]
n = ROUNDS * len(rows)
for step, figures in before_steps.items():
    totals[step] = [figure * ROUNDS for figure in figures]
for check, (queries, cpu, pg, wall) in totals.items():
    key = "ON" if check is True else "OFF" if check is False else check.upper()
    print(f"STEP_{key}_QUERIES=" + json.dumps(round(queries / n, 2)))
    print(f"STEP_{key}_CPU_MS=" + json.dumps(round(1000 * cpu / n, 3)))
    print(f"STEP_{key}_PG_CPU_MS=" + json.dumps(round(1000 * pg / n, 3)))
    print(f"STEP_{key}_WALL_MS=" + json.dumps(round(1000 * wall / n, 3)))
# the check's share of the pipeline's per-item cost (the three steps; acceptance and the job runner apart)
for name, column in (("CPU", 1), ("CPU_PG", 2)):
    cost = {key: sum(totals[key][c] for c in range(1, column + 1)) for key in totals}
    pipeline = cost["classification"] + cost["transformation"] + cost[False]
    print(f"STEP_CHECK_SHARE_{name}=" + json.dumps(round(100 * (cost[True] - cost[False]) / pipeline, 1)))
