"""Rows 1 and 1b of make bench: DCI sync searches (an expression, page of 10; envelopes of 100 idtype-value
lookups), signed, 4 clients, against the same searches answered by hand-written SQL + JSON, same run."""

import random
import statistics
import uuid

import jwt
import knobs
from harness import PeakRss, Profile, concurrent, connect, ms, p95, token
from knobs import BATCH_ITEMS, FAMILY, NATIONAL_ID

# the SQL floor's DCI record, built as JSON by PostgreSQL once (Python only joins the records into the answer)
RECORD_JSON = """json_build_object(
    '@id', 'urn:uuid:' || p.uuid,
    'name', json_build_object('given_name', p.given_name, 'surname', p.family_name),
    'birth_date', p.birthdate,
    'sex', g.code,
    'address', json_build_object('locality', p.city),
    'identifier', (SELECT json_agg(json_build_object('system', t.namespace_uri, 'value', ids.value))
                     FROM g2p_reg_id ids JOIN g2p_id_type t ON t.id = ids.id_type_id WHERE ids.partner_id = p.id)
)::text"""
INDIVIDUAL = "p.is_registrant AND NOT p.is_group AND p.active"


def dci_query(i):
    rng = random.Random(i)
    start = rng.randint(1940, 2015)
    return rng.choice(FAMILY), f"{start}-01-01", f"{start + 5}-12-31"


def batch_values(i):
    """100 national ids, about half of them registered."""
    rng = random.Random(1000 + i)
    return [
        str((300000000 if rng.random() < 0.5 else 200000000) + rng.randrange(knobs.INDIVIDUALS))
        for _ in range(BATCH_ITEMS)
    ]


def signed_envelope(key, transaction_id, criteria):
    """A signed DCI sync search envelope, one search request per criteria, under a new message id."""
    header = {
        "version": "1.0.0",
        "message_id": str(uuid.uuid4()),
        "message_ts": "2026-11-25T00:00:00Z",
        "action": "search",
        "sender_id": "bench.dci",
        "receiver_id": "registry.g2p",
        "total_count": len(criteria),
    }
    message = {
        "transaction_id": transaction_id,
        "search_request": [
            {"reference_id": str(uuid.uuid4()), "timestamp": "2026-11-25T00:00:00Z", "search_criteria": c}
            for c in criteria
        ],
    }
    return {
        "signature": jwt.encode({"header": header, "message": message}, key, algorithm="ES256"),
        "header": header,
        "message": message,
    }


def batch_criteria(i):
    """BATCH_ITEMS idtype-value lookups of national ids (``batch_values(i)``)."""
    return [
        {"reg_type": "Individual", "query_type": "idtype-value", "query": {"type": "NationalID", "value": value}}
        for value in batch_values(i)
    ]


# server url -> the bench client's access token: taken during the warm-up and kept, as a participant keeps
# its token for its lifetime (an hour); a token per client and measured run put 4 client-credential checks
# (pbkdf2, ~50 ms of CPU each) into the 20 envelopes of row 1b's CPU per call
TOKENS = {}


def search(server, key, session, state, transaction_id, criteria):
    """POST one signed DCI envelope of search requests (one per criteria); the search responses."""
    if server.url not in TOKENS:
        TOKENS[server.url] = token(server, session)
    body = signed_envelope(key, transaction_id, criteria)
    response = session.post(
        server.url + "/dci/registry/sync/search",
        json=body,
        headers={"Authorization": f"Bearer {TOKENS[server.url]}"},
    )
    answers = response.json()["message"]["search_response"] if response.ok else []
    assert len(answers) == len(criteria) and all(a["status"] == "succ" for a in answers), response.text[:300]
    return answers


def measure_expression(server, key):
    def worker(session, state, i):
        family, low, high = dci_query(i)
        criteria = {
            "reg_type": "Individual",
            "query_type": "expression",
            "pagination": {"page_size": 10},
            "query": {"family_name": family, "birth_date": {"$gte": low, "$lte": high}},
        }
        search(server, key, session, state, "bench", [criteria])

    concurrent(worker, per_client=3)  # warm-up
    return concurrent(worker, server=server, name="dci")


def expression_sql_floor():
    def worker(session, state, i):
        if "conn" not in state:
            state["conn"] = connect()
        family, low, high = dci_query(i)
        cur = state["conn"].cursor()
        where = f"{INDIVIDUAL} AND p.family_name = %s AND p.birthdate >= %s AND p.birthdate <= %s"
        cur.execute(f"SELECT count(*) FROM res_partner p WHERE {where}", [family, low, high])
        total = cur.fetchone()[0]
        cur.execute(
            f"""SELECT {RECORD_JSON} FROM res_partner p LEFT JOIN g2p_vocabulary_code g ON g.id = p.gender_id
                 WHERE {where} ORDER BY p.id LIMIT 10""",
            [family, low, high],
        )
        records = ",".join(row[0] for row in cur.fetchall())
        return f'{{"total_count": {total}, "reg_records": [{records}]}}'

    return concurrent(worker)


def measure_batch(server, key):
    def worker(session, state, i):
        search(server, key, session, state, "bench-batch", batch_criteria(i))

    concurrent(worker, per_client=1)
    return concurrent(worker, per_client=knobs.BATCH_ENVELOPES, server=server, name="batch")


def batch_sql_floor():
    def worker(session, state, i):
        if "conn" not in state:
            state["conn"] = connect()
            cur = state["conn"].cursor()
            cur.execute("SELECT id FROM g2p_id_type WHERE namespace_uri = %s", [NATIONAL_ID])
            state["nid_type"] = cur.fetchone()[0]
        values = batch_values(i)
        cur = state["conn"].cursor()
        cur.execute(
            f"""SELECT r.value, {RECORD_JSON}
                  FROM g2p_reg_id r JOIN res_partner p ON p.id = r.partner_id
                  LEFT JOIN g2p_vocabulary_code g ON g.id = p.gender_id
                 WHERE r.id_type_id = %s AND r.value IN %s AND {INDIVIDUAL}""",
            [state["nid_type"], tuple(values)],
        )
        found = dict(cur.fetchall())
        return (
            "["
            + ",".join(
                f'{{"reference_id": "{n}", "status": "succ", "reg_records": [{found.get(value, "")}]}}'
                for n, value in enumerate(values)
            )
            + "]"
        )

    return concurrent(worker, per_client=knobs.BATCH_ENVELOPES)


def row_expression(server, key):
    """Row 1: latency of a page of 10 against the SQL floor's."""
    with PeakRss(server) as rss, Profile(server, "dci"):
        lat, wall = measure_expression(server, key)
    floor_lat, floor_wall = expression_sql_floor()
    ratio = statistics.median(lat) / statistics.median(floor_lat)
    return (
        "1 DCI sync search (page 10, signed)",
        f"median {ms(lat):.1f} ms, p95 {p95(lat) * 1000:.1f} ms, {len(lat) / wall:.1f} req/s",
        f"SQL median {ms(floor_lat):.1f} ms, {len(floor_lat) / floor_wall:.1f} req/s",
        f"{ratio:.1f}x SQL latency",
        "<= 3x",
        ratio <= 3,
        rss.peak,
    )


def row_batch(server, key):
    """Row 1b: items/s of the envelopes and their time per item against the SQL floor's."""
    with PeakRss(server) as rss, Profile(server, "batch"):
        batch_lat, batch_wall = measure_batch(server, key)
    floor_lat, floor_wall = batch_sql_floor()
    items_per_s = len(batch_lat) * BATCH_ITEMS / batch_wall
    ratio = statistics.median(batch_lat) / statistics.median(floor_lat)
    return (
        f"1b DCI batch lookups ({BATCH_ITEMS} idtype-value/envelope)",
        f"{items_per_s:.0f} items/s, {ms(batch_lat) / BATCH_ITEMS:.2f} ms/item",
        f"SQL {len(floor_lat) * BATCH_ITEMS / floor_wall:.0f} items/s, {ms(floor_lat) / BATCH_ITEMS:.2f} ms/item",
        f"{ratio:.1f}x SQL per item",
        ">=1000/s <=5x",
        items_per_s >= 1000 and ratio <= 5,
        rss.peak,
    )
