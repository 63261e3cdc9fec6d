# Run inside `odoo-bin shell -d g2p_bench`: what the duplicate check costs per ingested individual
# (issue #19) against the 100,000 generated individuals: one identifier lookup and one trigram
# name + birth date search per proposal, as the pipeline runs them.
import json
import time

from odoo.tools import SQL

from odoo.addons.g2p_partner_api.services import duplicate_finder

rows = env.execute_query(
    SQL(
        "SELECT given_name, family_name, birthdate FROM res_partner "
        "WHERE is_registrant AND NOT is_group AND uuid LIKE 'b0000000-%%' ORDER BY id LIMIT 2000"
    )
)
people = []
for i, (given, family, birthdate) in enumerate(rows[:1000]):
    if i % 2:  # half misspelt copies of registered people, half new people
        people.append({"given_name": given + "h", "family_name": family, "birthdate": birthdate.isoformat()})
    else:
        people.append({"given_name": f"New{i}", "family_name": "Person", "birthdate": birthdate.isoformat()})
    people[-1]["identifiers"] = [{"system": "urn:g2p:id:national-id", "value": f"7{i:08d}"}]
settings = duplicate_finder.Settings.from_env(env)
duplicate_finder.prepare(env, settings)
for person in people[:50]:  # warm the caches
    duplicate_finder.find(env, person, settings)
started = time.perf_counter()
flagged = sum(bool(duplicate_finder.find(env, person, settings)) for person in people)
elapsed = time.perf_counter() - started
plan = [
    row[0]
    for row in env.execute_query(SQL("EXPLAIN ANALYZE %s", duplicate_finder.name_query(env, people[1], settings)))
]
print(
    "DUPLICATE_PLAN=" + json.dumps(" | ".join(line.strip() for line in plan if "Scan" in line or "Execution" in line))
)
print("DUPLICATE_FLAGGED=" + json.dumps(flagged))
print("DUPLICATE_CHECK_MS=" + json.dumps(elapsed / len(people) * 1000))
