"""Rows 2, 2b and 6 of make bench: REST `GET /api/v2/Individual?identifier=` against Odoo's JSON-RPC
`search_read` of the same fields, the layers a read crosses, and counting a call against a rate limit."""

import random

import knobs
from harness import PeakRss, Profile, concurrent, ms, shell_figure, token
from knobs import DB


def measure_rest(server):
    def worker(session, state, i):
        if "token" not in state:
            state["token"] = token(server, session)
        nid = 300000000 + random.Random(i).randrange(knobs.INDIVIDUALS)
        response = session.get(
            server.url + "/api/v2/Individual",
            params={"identifier": f"urn:g2p:id:national-id|{nid}"},
            headers={"Authorization": f"Bearer {state['token']}"},
        )
        assert response.ok and response.json()["total"] == 1, response.text[:300]

    concurrent(worker, per_client=3)
    return concurrent(worker, server=server, name="rest")


def measure_jsonrpc(server):
    def worker(session, state, i):
        if "auth" not in state:
            session.post(
                server.url + "/web/session/authenticate",
                json={"jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"}},
            ).raise_for_status()
            state["auth"] = True
        nid = str(300000000 + random.Random(i).randrange(knobs.INDIVIDUALS))
        response = session.post(
            server.url + "/web/dataset/call_kw/res.partner/search_read",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": "res.partner",
                    "method": "search_read",
                    "args": [[("reg_id_ids.value", "=", nid)]],
                    "kwargs": {
                        "fields": [
                            "uuid",
                            "name",
                            "given_name",
                            "family_name",
                            "birthdate",
                            "gender_id",
                            "city",
                            "reg_id_ids",
                            "group_membership_ids",
                        ],
                        "limit": 20,
                    },
                },
            },
        )
        assert response.ok and len(response.json()["result"]) == 1, response.text[:300]

    concurrent(worker, per_client=3)
    return concurrent(worker, server=server, name="jsonrpc")


def measure_layers(server):
    """Medians of each layer a REST read crosses, 4 clients: plain Odoo route, the apps' dispatch
    (unauthenticated ping), Odoo's own JSON-RPC search_read, and the REST read itself."""

    def plain(path):
        def worker(session, state, i):
            response = session.get(server.url + path)
            assert response.ok, response.text[:300]

        return worker

    results = {}
    for name, worker in (("health", plain("/web/health")), ("ping", plain("/api/v2/ping"))):
        concurrent(worker, per_client=3)
        results[name] = concurrent(worker, server=server, name=name)
    return results


def rows(server):
    """Rows 2 and 2b: REST reads/s against JSON-RPC's, and the suite's own share of a read's latency."""
    with PeakRss(server) as rss, Profile(server, "rest"):
        rest_lat, rest_wall = measure_rest(server)
    rpc_lat, rpc_wall = measure_jsonrpc(server)
    layers = measure_layers(server)
    rest_rps, rpc_rps = len(rest_lat) / rest_wall, len(rpc_lat) / rpc_wall
    share = ms(rest_lat) - ms(layers["ping"][0])
    return [
        (
            "2 REST Individual?identifier=",
            f"{rest_rps:.1f} req/s (median {ms(rest_lat):.1f} ms)",
            f"JSON-RPC search_read {rpc_rps:.1f} req/s",
            f"{rest_rps / rpc_rps:.2f}x JSON-RPC",
            ">= 1x",
            rest_rps / rpc_rps >= 1,
            rss.peak,
        ),
        (
            "2b layers of a read (medians, same run)",
            f"health {ms(layers['health'][0]):.1f} | ping {ms(layers['ping'][0]):.1f} | REST {ms(rest_lat):.1f} ms",
            f"JSON-RPC {ms(rpc_lat):.1f} ms",
            f"suite {share:.1f} ms",
            "<= 5 ms",
            share <= 5,
            rss.peak,
        ),
    ]


def row_rate_limit():
    """Row 6: counting one call against a client's rate limit, in `odoo shell`."""
    rate_ms = shell_figure("rate_limit_cost.py", "RATE_LIMIT_MS")
    return (
        "6 rate-limit counter, per call",
        f"{rate_ms:.2f} ms (one autocommit UPSERT)",
        "",
        "",
        "<= 1 ms",
        rate_ms <= 1,
        0,
    )
