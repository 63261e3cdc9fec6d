"""Row 1c of make bench: ``POST /api/v2/Individual/$lookup`` with 1,000 national ids per call (about half
registered), against the same lookups answered by one SQL statement + JSON per call, same run."""

import json
import random

import knobs
from harness import PeakRss, Profile, concurrent, connect, token

LOOKUP_ITEMS = 1000
NID = "urn:g2p:id:national-id"


def lookup_values(i, individuals):
    """1,000 national ids, about half of them registered."""
    rng = random.Random(5000 + i)
    return [
        str((300000000 if rng.random() < 0.5 else 200000000) + rng.randrange(individuals)) for _ in range(LOOKUP_ITEMS)
    ]


def measure_api(server, calls_per_client):
    """(latencies, wall seconds) of the REST lookups, 4 clients."""

    def worker(session, state, i):
        if "token" not in state:
            state["token"] = token(server, session)
        identifiers = [{"system": NID, "value": value} for value in lookup_values(i, knobs.INDIVIDUALS)]
        response = session.post(
            server.url + "/api/v2/Individual/$lookup",
            json={"identifiers": identifiers},
            headers={"Authorization": f"Bearer {state['token']}"},
        )
        items = response.json().get("items", []) if response.ok else []
        assert len(items) == LOOKUP_ITEMS and any(item["status"] == "found" for item in items), response.text[:300]

    concurrent(worker, per_client=1)
    return concurrent(worker, per_client=calls_per_client, server=server, name="lookup")


def measure_sql(calls_per_client):
    """The SQL floor: the same lookups as one statement per call (the identifiers joined as an array,
    the registrant's fields and identifiers as JSON), 4 connections."""

    def worker(session, state, i):
        if "conn" not in state:
            state["conn"] = connect()
            cur = state["conn"].cursor()
            cur.execute("SELECT id FROM g2p_id_type WHERE namespace_uri = %s", [NID])
            state["nid_type"] = cur.fetchone()[0]
        values = lookup_values(i, knobs.INDIVIDUALS)
        cur = state["conn"].cursor()
        cur.execute(
            """SELECT wanted.value, p.uuid, p.name, p.given_name, p.family_name, p.birthdate, g.code, p.city,
                      (SELECT json_agg(json_build_object('system', t.namespace_uri, 'value', i.value))
                         FROM g2p_reg_id i JOIN g2p_id_type t ON t.id = i.id_type_id WHERE i.partner_id = p.id)
                 FROM unnest(%s::text[]) AS wanted(value)
                 JOIN g2p_reg_id r ON r.id_type_id = %s AND r.value = wanted.value
                 JOIN res_partner p ON p.id = r.partner_id
                 LEFT JOIN g2p_vocabulary_code g ON g.id = p.gender_id
                WHERE p.is_registrant AND NOT p.is_group AND p.active""",
            [values, state["nid_type"]],
        )
        found = {row[0]: row for row in cur.fetchall()}
        json.dumps(
            {
                "items": [
                    {
                        "system": NID,
                        "value": value,
                        "status": "found" if value in found else "not_found",
                        "individual": {
                            "uuid": r[1],
                            "name": r[2],
                            "given_name": r[3],
                            "family_name": r[4],
                            "birthdate": str(r[5]),
                            "gender": r[6],
                            "address": {"city": r[7]},
                            "identifiers": r[8],
                        }
                        if (r := found.get(value))
                        else None,
                    }
                    for value in values
                ]
            }
        )

    return concurrent(worker, per_client=calls_per_client)


def row(server, calls_per_client):
    """The printed row: items/s of the API and its time per item against the SQL floor's."""
    with PeakRss(server) as rss, Profile(server, "lookup"):
        lat, wall = measure_api(server, calls_per_client)
    floor_lat, floor_wall = measure_sql(calls_per_client)
    items_per_s = len(lat) * LOOKUP_ITEMS / wall
    # time per item under the same load (4 clients): wall time over items, API and SQL alike
    api_ms, sql_ms = wall * 1000 / (len(lat) * LOOKUP_ITEMS), floor_wall * 1000 / (len(floor_lat) * LOOKUP_ITEMS)
    ratio = api_ms / sql_ms
    return (
        f"1c REST bulk lookup ({LOOKUP_ITEMS} ids/call)",
        f"{items_per_s:.0f} items/s, {api_ms:.3f} ms/item",
        f"SQL {len(floor_lat) * LOOKUP_ITEMS / floor_wall:.0f} items/s, {sql_ms:.3f} ms/item",
        f"{ratio:.1f}x SQL per item",
        ">=5000/s <=5x",
        items_per_s >= 5000 and ratio <= 5,
        rss.peak,
    )
