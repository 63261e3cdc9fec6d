# Run inside `odoo-bin shell -d <bench db>` (row 1b's envelope, in process): CPU ms per signed envelope of the
# bench's 100 idtype-value lookups, by layer, and statements per envelope. Every envelope is answered as the
# route answers it (body parsed, checked against the spec, its model validated, searched, signed) and rolled
# back. Run from the worktree's root; BENCH_COST_ENVELOPES (default 60) envelopes, after 5 unmeasured ones.
import json
import os
import sys
import time
from collections import defaultdict

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.join(os.getcwd(), "tests", "bench"))  # run from the worktree
import row_dci  # noqa: E402

from odoo.addons.g2p_dci_search.schemas.dci import SearchEnvelope  # noqa: E402
from odoo.addons.g2p_dci_search.services import (  # noqa: E402
    dci_checks,
    dci_envelope,
    dci_search,
    dci_spec,
    dci_sync,
)
from odoo.addons.g2p_partner_api.services.call_context import CallContext  # noqa: E402

ENVELOPES = int(os.environ.get("BENCH_COST_ENVELOPES", "60"))
spent = defaultdict(float)


def timed(module, name, label):
    """``module.name`` wrapped to add its CPU time to ``spent[label]``."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    setattr(module, name, wrapper)


timed(dci_checks, "envelope_problem", "envelope check")
timed(dci_search.dci_checks, "item_rejections", "item checks")
timed(dci_search, "search_items_naming", "answers")
timed(dci_search, "registrants_by_identifier", "  lookup statement")
for name in ("_fetch_found", "_render_found"):
    if hasattr(dci_search, name):
        timed(dci_search, name, f"  {name}")
timed(dci_envelope, "signed", "signing")

endpoint = env["fastapi.endpoint"].sudo().search([("app", "=", "g2p_dci_search")], limit=1)
company_id = endpoint.company_id.id or endpoint.user_id.company_id.id
api_env = env(user=endpoint.user_id.id, context=dict(env.context, allowed_company_ids=[company_id]))
key = ec.generate_private_key(ec.SECP256R1())
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
Client = api_env["g2p.api.client"]
client_row = Client.sudo().search([("client_id", "=", "bench")])
client_row.write({"public_key": pem.decode()})
env.cr.commit()
raw = [
    json.dumps(row_dci.signed_envelope(key, "cost", row_dci.batch_criteria(i))).encode() for i in range(ENVELOPES + 5)
]

totals, statements = [], []
for index, body_bytes in enumerate(raw):
    if index == 5:
        spent.clear()
    count, started = env.cr.sql_log_count, time.process_time()
    # a call's client, as the route's dependency gives it (its settings in the call's cache)
    api_env["g2p.reference.data"]._put_company_paths([company_id])  # as the middleware does
    client = Client._call_client(client_row.id)
    body = json.loads(body_bytes)
    checked = time.process_time()
    assert not dci_spec.envelope_errors(body, "search")
    validated = time.process_time()
    model = SearchEnvelope.model_validate(body)
    parsed = time.process_time()
    answer = dci_sync.search(api_env, client, model, CallContext(path="/dci/registry/sync/search"))
    done = time.process_time()
    assert all(item["status"] == "succ" for item in answer["message"]["search_response"]), answer["header"]
    if index >= 5:
        spent["json parse"] += checked - started
        spent["spec envelope check"] += validated - checked
        spent["pydantic body"] += parsed - validated
        spent["dci_sync.search"] += done - parsed
        totals.append(done - started)
        statements.append(env.cr.sql_log_count - count)
    env.cr.rollback()
    api_env.invalidate_all()

print(f"ENVELOPES={len(totals)}")
print(f"ALL_MS={1000 * sum(totals) / len(totals):.2f}")
for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
    print(f"{label:<28} {1000 * seconds / len(totals):6.2f} ms")
print(f"STATEMENTS={sum(statements) / len(statements):.1f}")
