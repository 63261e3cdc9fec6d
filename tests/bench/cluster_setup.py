# Run inside `odoo-bin shell` on make cluster's database (tests/bench/cluster.py): what a system
# administrator and an API manager set up before partners call. The bench client ("bench",
# tests/bench/bench.py ensure_client) subscribes to individual.updated at the local receiver, whose
# host:port is opened to outbound calls (cluster.py points both at the receiver once it listens); a
# second client "cluster-limited" may make CLUSTER_RATE_LIMIT calls a minute. Prints LIMITED_SECRET=<json string>.
import json
import os

from odoo.addons.g2p_partner_api.services import url_guard

receiver = "127.0.0.1:9"  # until cluster.py starts the receiver
env["ir.config_parameter"].set_param(url_guard.ALLOWED_HOSTS_PARAM, receiver)
bench = env["g2p.api.client"].search([("client_id", "=", "bench")])
env["g2p.api.subscription"].create(
    {
        "name": "Cluster receiver",
        "client_id": bench.id,
        "target_url": f"http://{receiver}/events",
        "allow_insecure": True,
        "event_type_ids": [(6, 0, env.ref("g2p_partner_api.event_individual_updated").ids)],
        "max_attempts": 3,
        "timeout": 10.0,
    }
)._generate_hmac_secret()
limited = env["g2p.api.client"].create(
    {
        "name": "Cluster limited",
        "client_id": "cluster-limited",
        "rate_limit_per_minute": int(os.environ["CLUSTER_RATE_LIMIT"]),
        "legal_basis_enabled": True,
        "legal_basis": "Benchmark: reads without consent",
        "scope_ids": [(6, 0, env.ref("g2p_partner_api.scope_individual_read").ids)],
    }
)
secret = limited._generate_secret()
env.cr.commit()
print("LIMITED_SECRET=" + json.dumps(secret))
