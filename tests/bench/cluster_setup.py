# Run inside `odoo-bin shell` on make cluster's database (tests/bench/cluster.py): what a system
# administrator and an API manager set up before partners call. The bench client ("bench",
# tests/bench/bench.py ensure_client) subscribes to individual.updated at the local receiver, whose
# host:port is opened to outbound calls (cluster.py points both at the receiver once it listens); a
# second client "cluster-limited" may make CLUSTER_RATE_LIMIT calls a minute; a third, "cluster-writer", changes
# individuals (a writer's reads go to the primary for a while: the bench client only reads, from the replica).
# Prints LIMITED_SECRET= and WRITER_SECRET= (JSON strings).
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
clients = {}
for client_id, name, scopes, limit in (
    ("cluster-limited", "Cluster limited", ["scope_individual_read"], int(os.environ["CLUSTER_RATE_LIMIT"])),
    ("cluster-writer", "Cluster writer", ["scope_individual_read", "scope_individual_write"], -1),
):
    client = env["g2p.api.client"].create(
        {
            "name": name,
            "client_id": client_id,
            "rate_limit_per_minute": limit,
            "legal_basis_enabled": True,
            "legal_basis": "Benchmark: reads without consent",
            "scope_ids": [(6, 0, [env.ref(f"g2p_partner_api.{scope}").id for scope in scopes])],
        }
    )
    clients[client_id] = client._generate_secret()
env.cr.commit()
print("LIMITED_SECRET=" + json.dumps(clients["cluster-limited"]))
print("WRITER_SECRET=" + json.dumps(clients["cluster-writer"]))
