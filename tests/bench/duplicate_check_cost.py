# Run inside `odoo-bin shell -d g2p_bench`: what the duplicate check costs per ingested individual
# (issue #19) against the 100,000 generated individuals: identifier lookups and trigram name + birth
# date searches, as the pipeline runs them: the people of a chunk of 100 items searched together.
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
CHUNK = 100  # items per job and step of the pipeline
duplicate_finder.find_many(env, people[:50], settings)  # warm the caches
started = time.perf_counter()
flagged = sum(
    bool(candidates)
    for start in range(0, len(people), CHUNK)
    for candidates in duplicate_finder.find_many(env, people[start : start + CHUNK], settings)
)
elapsed = time.perf_counter() - started
[names_on_a_day] = duplicate_finder.names_queries(env, people[:CHUNK], settings)
plan = [row[0] for row in env.execute_query(SQL("EXPLAIN ANALYZE %s", names_on_a_day))]
print(
    "DUPLICATE_PLAN=" + json.dumps(" | ".join(line.strip() for line in plan if "Scan" in line or "Execution" in line))
)
print("DUPLICATE_FLAGGED=" + json.dumps(flagged))
print("DUPLICATE_CHECK_MS=" + json.dumps(elapsed / len(people) * 1000))
