"""The bench's registry: the suite installed in BENCH_DB (no demo data), then BENCH_SCALE individuals and a
quarter as many households written with SQL COPY into the ORM's tables, and the API client the rows use.

The rows are streamed to COPY a chunk at a time (10,000,000 individuals do not fit in memory as Python tuples).
The secondary indexes of the tables written are dropped before and built after (one sorted build per index
instead of 12.5 million inserts into each), and so are their foreign keys (checked by one join each instead of
a trigger per row and key); the indexes that back primary keys and unique constraints stay.
"""

import io
import random
import subprocess
import time
from itertools import islice

import knobs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from harness import connect, odoo_cmd
from knobs import ADDONS, DB, FAMILY, GIVEN, MEMBERS, SECRET, log
from passlib.context import CryptContext

CHUNK = 200000
SCALE_PARAMETER = "g2p_bench.scale"
GENERATED = "b0000000-%"
WRITTEN_TABLES = (
    "res_partner",
    "g2p_reg_id",
    "g2p_group_membership",
    "g2p_group_membership_g2p_vocabulary_code_rel",
    "g2p_registrant_change",
)


def ensure_database():
    """The database of this run, with its generated registry; sets knobs' scale to the one it holds."""
    conn = connect("postgres")
    conn.autocommit = True  # DROP DATABASE runs outside a transaction (`with conn` would open one)
    with conn.cursor() as cur:
        if knobs.REBUILD:
            cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cur.fetchone()
    conn.close()
    if not exists:
        log(f"installing the suite into {DB} (no demo data)")
        started = time.perf_counter()
        subprocess.run(
            odoo_cmd("-d", DB, "-i", ADDONS, "--without-demo=all", "--stop-after-init", "--log-level=warn"), check=True
        )
        log(f"installed in {time.perf_counter() - started:.0f} s")
    else:
        log(f"updating the suite in {DB} to the code of this checkout")
        subprocess.run(odoo_cmd("-d", DB, "-u", ADDONS, "--stop-after-init", "--log-level=warn"), check=True)
    with connect() as conn, conn.cursor() as cur:
        held = generated_scale(cur)
        if held and knobs.REQUESTED_SCALE and held != knobs.REQUESTED_SCALE:
            raise SystemExit(
                f"{DB} holds {held:,} generated individuals, not BENCH_SCALE={knobs.REQUESTED_SCALE:,}: "
                "add BENCH_REBUILD=1 to regenerate it, or name another database with BENCH_DB"
            )
        knobs.set_scale(held or knobs.INDIVIDUALS)
        if not held:
            generate(cur)
            cur.execute(
                "INSERT INTO ir_config_parameter (key, value, create_date, write_date) VALUES (%s, %s, now(), now())",
                [SCALE_PARAMETER, str(knobs.INDIVIDUALS)],
            )
            conn.commit()
            started = time.perf_counter()
            cur.execute("ANALYZE")
            log(f"ANALYZE in {time.perf_counter() - started:.1f} s")
        cur.execute("SELECT pg_size_pretty(pg_database_size(%s))", [DB])
        log(f"{DB}: {knobs.INDIVIDUALS:,} individuals, {knobs.GROUPS:,} households, {cur.fetchone()[0]}")


def generated_scale(cur):
    """The individuals the generator wrote into this database (0: none yet)."""
    cur.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [SCALE_PARAMETER])
    found = cur.fetchone()
    if found:
        return int(found[0])
    # a database generated before the scale was recorded: count what it holds
    cur.execute("SELECT count(*) FROM res_partner WHERE is_registrant AND NOT is_group AND uuid LIKE %s", [GENERATED])
    return cur.fetchone()[0]


def copy(cur, table, columns, rows):
    """COPY the rows (any iterable of tuples) into table, CHUNK rows at a time."""
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        buffer = io.StringIO("".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in chunk))
        cur.copy_from(buffer, table, columns=columns)


def drop_secondary_indexes(cur):
    """Drop the indexes of the written tables that back no constraint; returns their definitions."""
    cur.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid::regclass::text IN %s
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""",
        [WRITTEN_TABLES],
    )
    indexes = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return indexes


def drop_foreign_keys(cur):
    """Drop the foreign keys of the written tables (COPY would check each row of each key in a trigger, the
    bulk of its time); returns what adds them back, each checked by one join."""
    cur.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND conrelid::regclass::text IN %s""",
        [WRITTEN_TABLES],
    )
    keys = cur.fetchall()
    for table, name, _definition in keys:
        cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return keys


def add_foreign_keys(cur, keys):
    for table, name, definition in keys:
        cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def build_indexes(cur, indexes):
    cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
    for name, definition in indexes:
        started = time.perf_counter()
        cur.execute(definition)
        log(f"  index {name}: {time.perf_counter() - started:.1f} s")


def people_rows(base, codes, heads):
    """The individuals' res_partner rows; the family name of each household's first member goes to heads."""
    rng = random.Random(7)
    for i in range(knobs.INDIVIDUALS):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        birth = f"{rng.randint(1940, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        name = f"{given} {family}"
        if i % MEMBERS == 0:
            heads.append(family)
        yield (
            base + i,
            f"b0000000-0000-4000-8000-{i:012d}",
            True,
            False,
            given,
            family,
            name,
            name,
            name.lower(),
            birth,
            codes["female" if i % 2 else "male"],
            "Zomba",
            True,
            "contact",
            False,
            base + i,
            "now()",
            "now()",
            1,
            1,
        )


def household_rows(base, heads):
    for g in range(knobs.GROUPS):
        pid = base + knobs.INDIVIDUALS + g
        name = f"{heads[g]} household {g}"
        yield (
            pid,
            f"b0000000-0000-4000-9000-{g:012d}",
            True,
            True,
            None,
            None,
            name,
            name,
            None,
            None,
            None,
            "Zomba",
            True,
            "contact",
            True,
            pid,
            "now()",
            "now()",
            1,
            1,
        )


PARTNER_COLUMNS = (
    "id",
    "uuid",
    "is_registrant",
    "is_group",
    "given_name",
    "family_name",
    "name",
    "complete_name",
    "match_name",
    "birthdate",
    "gender_id",
    "city",
    "active",
    "type",
    "is_company",
    "commercial_partner_id",
    "create_date",
    "write_date",
    "create_uid",
    "write_uid",
)


def generate(cur):
    individuals, groups = knobs.INDIVIDUALS, knobs.GROUPS
    started = time.perf_counter()
    log(f"generating {individuals:,} individuals and {groups:,} households with SQL COPY")
    cur.execute("SELECT id FROM g2p_id_type WHERE namespace_uri = 'urn:g2p:id:national-id'")
    nid_type = cur.fetchone()[0]
    cur.execute("SELECT id FROM g2p_id_type WHERE namespace_uri = 'urn:g2p:id:household-id'")
    hh_type = cur.fetchone()[0]
    cur.execute(
        "SELECT code, id FROM g2p_vocabulary_code WHERE namespace_uri IN "
        "('urn:g2p:vocab:gender', 'urn:g2p:vocab:group-membership-kind')"
    )
    codes = dict(cur.fetchall())
    cur.execute("SELECT COALESCE(max(id), 0) FROM res_partner")
    base = cur.fetchone()[0] + 1
    indexes, keys = drop_secondary_indexes(cur), drop_foreign_keys(cur)
    heads = []
    copy(cur, "res_partner", PARTNER_COLUMNS, people_rows(base, codes, heads))
    copy(cur, "res_partner", PARTNER_COLUMNS, household_rows(base, heads))
    cur.execute("SELECT setval('res_partner_id_seq', (SELECT max(id) FROM res_partner))")
    copy(
        cur,
        "g2p_reg_id",
        ("partner_id", "id_type_id", "value", "status"),
        ((base + i, nid_type, f"{300000000 + i}", "valid") for i in range(individuals)),
    )
    copy(
        cur,
        "g2p_reg_id",
        ("partner_id", "id_type_id", "value", "status"),
        ((base + individuals + g, hh_type, f"BHH-{g:07d}", "valid") for g in range(groups)),
    )
    copy(
        cur,
        "g2p_group_membership",
        ("group_id", "individual_id", "start_date"),
        ((base + individuals + g, base + g * MEMBERS + k, "2024-01-01") for g in range(groups) for k in range(MEMBERS)),
    )
    cur.execute("SELECT setval('g2p_group_membership_id_seq', (SELECT max(id) FROM g2p_group_membership))")
    cur.execute(
        """INSERT INTO g2p_group_membership_g2p_vocabulary_code_rel (g2p_group_membership_id, g2p_vocabulary_code_id)
                   SELECT m.id, %s FROM g2p_group_membership m""",
        [codes["child"]],
    )
    # one change per registrant, as a register that existed before the change log gets (the feed's since=0)
    cur.execute(
        "INSERT INTO g2p_registrant_change (partner_id, is_group) "
        "SELECT id, is_group FROM res_partner WHERE id >= %s ORDER BY id",
        [base],
    )
    copied = time.perf_counter()
    log(f"rows written in {copied - started:.1f} s (SQL COPY); building {len(indexes)} indexes")
    build_indexes(cur, indexes)
    indexed = time.perf_counter()
    log(f"indexes built in {indexed - copied:.1f} s; checking {len(keys)} foreign keys")
    add_foreign_keys(cur, keys)
    log(f"foreign keys checked in {time.perf_counter() - indexed:.1f} s")


def ensure_client(public_pem):
    hashed = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=25000).hash(SECRET)
    with connect() as conn, conn.cursor() as cur:
        # what earlier runs left: pipeline rows, their jobs, and the registrants they created
        cur.execute(
            "DELETE FROM queue_job WHERE model_name IN ('g2p.ingest.raw', 'g2p.change.request', 'g2p.api.delivery')"
        )
        cur.execute("DELETE FROM g2p_change_request")
        cur.execute("DELETE FROM g2p_ingest_raw")
        cur.execute("DELETE FROM res_partner WHERE is_registrant AND uuid NOT LIKE 'b0000000-%'")
        cur.execute("SELECT id FROM g2p_api_client WHERE client_id = 'bench'")
        found = cur.fetchone()
        if found:
            client_id = found[0]
            cur.execute(
                "UPDATE g2p_api_client SET secret_hash = %s, public_key = %s, active = true, "
                "rate_limit_per_minute = 100000000 WHERE id = %s",
                [hashed, public_pem, client_id],
            )
        else:
            cur.execute(
                """INSERT INTO g2p_api_client (name, client_id, secret_hash, active, token_lifetime,
                           all_programs, partner_mnemonic, dci_sender_id, public_key, dci_verify_signature,
                           legal_basis_enabled, legal_basis, rate_limit_per_minute, token_auth_method,
                           create_date, write_date)
                           VALUES ('Bench', 'bench', %s, true, 3600, true,
                           'BENCH', 'bench.dci', %s, true, true, 'Benchmark: reads without consent',
                           100000000, 'client_secret', now(), now()) RETURNING id""",
                [hashed, public_pem],
            )
            client_id = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO g2p_api_client_g2p_api_scope_rel (g2p_api_client_id, g2p_api_scope_id)
                       SELECT %s, id FROM g2p_api_scope ON CONFLICT DO NOTHING""",
            [client_id],
        )


def ensure_database_and_client():
    """The database of this run (``ensure_database``) and the bench client holding the public half of a new
    signing key; returns the key (its private half signs the rows' envelopes)."""
    ensure_database()
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    ensure_client(public_pem)
    return key
