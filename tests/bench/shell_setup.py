# Run inside `odoo-bin shell -d g2p_bench`: bench-only data model with auto-approval, then the
# ORM baseline of row 4 (10,000 registrants created in one transaction, rolled back) unless
# BENCH_ORM_BASELINE=0 (make cluster needs the data model only).
import json
import os
import time

n = int(os.environ.get("BENCH_E2E_ITEMS", "10000"))
person = env.ref("g2p_partner_ingest.data_model_person_json")
model = env["g2p.ingest.data.model"].search([("mnemonic", "=", "BENCH_PERSON_BATCH")])
template = person.transformation_template.replace("{% set p = item.person %}", "{% set p = item %}")
vals = {
    "mnemonic": "BENCH_PERSON_BATCH",
    "is_list": True,
    "key_path_list_elements": "$.body.message.people",
    "max_items": max(n, 1000),
    "target": "individual",
    "match_id_type_id": person.match_id_type_id.id,
    "transformation_template": template,
    "auto_approve": True,
}
model.write(vals) if model else model.create(vals)
env.cr.commit()

if os.environ.get("BENCH_ORM_BASELINE") == "0":
    print("ORM_CREATE_SECONDS=null")
else:
    nid = env.ref("g2p_partner_api.id_type_national_id")
    started = time.perf_counter()
    env["res.partner"].create(
        [
            {
                "is_registrant": True,
                "given_name": f"Orm{i}",
                "family_name": "Baseline",
                "birthdate": "1990-01-01",
                "reg_id_ids": [(0, 0, {"id_type_id": nid.id, "value": f"8{i:08d}"})],
            }
            for i in range(n)
        ]
    )
    env.flush_all()
    elapsed = time.perf_counter() - started
    env.cr.rollback()
    print("ORM_CREATE_SECONDS=" + json.dumps(elapsed))
