"""Prints what `make run` serves: UI, logins, languages, each API's docs, the demo client's credentials."""

import subprocess
import sys

conf, db, base_url = sys.argv[1:4]


def psql(query):
    return subprocess.run(
        ["psql", "-d", db, "-tA", "-F", "|", "-c", query], capture_output=True, text=True, check=False
    )


languages = psql("SELECT string_agg(name, ', ' ORDER BY code) FROM res_lang WHERE active").stdout.strip()
rows = psql(
    "SELECT name, root_path FROM fastapi_endpoint WHERE app LIKE 'g2p%' AND active ORDER BY root_path"
).stdout.split("\n")
print("\n" + "=" * 72)
print(f" Odoo UI          {base_url}/odoo   (login admin / password admin)")
print(f" Languages        {languages}   (each user picks theirs: avatar → Preferences → Language)")
print(" Review change requests as approver / approver (the demo approver; four eyes: not their submitter)")
for row in filter(None, rows):
    name, root = row.split("|", 1)
    print(f" {name[:40]:<40} {base_url}{root}/docs")
print(" Demo API client  client_id=demo-partner  client_secret=demo-secret-change-me  (demo data only)")
print(
    f"   curl -s -X POST {base_url}/api/v2/oauth/token -d grant_type=client_credentials "
    "-d client_id=demo-partner -d client_secret=demo-secret-change-me"
)
print(" queue_job runner on (channels root.g2p_ingest, root.g2p_outbound, root.g2p_dci); Ctrl-C stops the server.")
print("=" * 72 + "\n", flush=True)
