"""make bench: the suite at registry scale against the baselines, one printed table."""

import datetime
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import psutil
import psycopg2
import psycopg2.extras
import requests
import row_bulk_lookup
import row_file_ingest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from passlib.context import CryptContext

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DB = os.environ.get("BENCH_DB", "g2p_bench")
MEMBERS = 4
# BENCH_SCALE: individuals generated; a quarter as many households of MEMBERS each
INDIVIDUALS = int(os.environ.get("BENCH_SCALE", "100000"))
GROUPS = INDIVIDUALS // MEMBERS
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
E2E_ITEMS = int(os.environ.get("BENCH_E2E_ITEMS", "10000"))
E2E_TIMEOUT = int(os.environ.get("BENCH_E2E_TIMEOUT", "420"))
BATCH_ENVELOPES = int(os.environ.get("BENCH_BATCH_ENVELOPES", "5"))
BATCH_ITEMS = 100
LOOKUP_CALLS = int(os.environ.get("BENCH_LOOKUP_CALLS", "5"))
ROWS = set(filter(None, os.environ.get("BENCH_ROWS", "").split(","))) or {
    "dci",
    "rest",
    "batch",
    "lookup",
    "ingest",
    "file",
    "e2e",
    "dup",
}
PROFILE = os.environ.get("BENCH_PROFILE", "")
CLIENTS = 4
FAMILY = [
    "Banda",
    "Phiri",
    "Mwale",
    "Okafor",
    "Mensah",
    "Diallo",
    "Kamau",
    "Otieno",
    "Nkosi",
    "Abubakar",
    "Tembo",
    "Sesay",
    "Kargbo",
    "Osei",
    "Mutua",
    "Chirwa",
    "Gondwe",
    "Kumwenda",
    "Nyirenda",
    "Zulu",
]
GIVEN = ["Amina", "Fatima", "Grace", "Mary", "Esther", "Ruth", "John", "Peter", "Joseph", "Samuel", "David", "Musa"]
SECRET = "bench-secret-" + "x" * 20
ADDONS = "g2p_partner_api,g2p_api_consent,g2p_partner_ingest,g2p_dci_search"


def log(msg):
    print(f"[bench] {msg}", flush=True)


def odoo_cmd(*args, command=()):
    return [
        os.path.join(ROOT, ".venv/bin/python"),
        os.path.join(os.environ["ODOO_SRC"], "odoo-bin"),
        *command,
        f"--addons-path={os.environ['ADDONS_PATH']}",
        f"--db_host={os.environ['PGHOST']}",
        f"--db_port={os.environ['PGPORT']}",
        f"--db_user={os.environ['PGUSER']}",
        *args,
    ]


def connect(db=DB):
    return psycopg2.connect(dbname=db, host=os.environ["PGHOST"], port=os.environ["PGPORT"], user=os.environ["PGUSER"])


# --- data -------------------------------------------------------------------------------------
def ensure_database():
    with connect("postgres") as conn:
        conn.autocommit = True
        cur = conn.cursor()
        if os.environ.get("BENCH_REBUILD"):
            cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cur.fetchone()
    if not exists:
        log(f"installing the suite into {DB} (no demo data)")
        subprocess.run(
            odoo_cmd("-d", DB, "-i", ADDONS, "--without-demo=all", "--stop-after-init", "--log-level=warn"), check=True
        )
    else:
        log(f"updating the suite in {DB} to the code of this checkout")
        subprocess.run(odoo_cmd("-d", DB, "-u", ADDONS, "--stop-after-init", "--log-level=warn"), check=True)
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM res_partner WHERE is_registrant AND uuid LIKE 'b0000000-%'")
        if cur.fetchone()[0] < INDIVIDUALS + GROUPS:
            generate(cur)
            conn.commit()
            log("ANALYZE")
            cur.execute("ANALYZE")


def copy(cur, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cur.copy_from(buffer, table, columns=columns)


def generate(cur):
    started = time.perf_counter()
    log(f"generating {INDIVIDUALS} individuals and {GROUPS} households with SQL COPY")
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
    rng = random.Random(7)
    people = []
    for i in range(INDIVIDUALS):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        birth = f"{rng.randint(1940, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        name = f"{given} {family}"
        people.append(
            (
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
        )
    groups = []
    for g in range(GROUPS):
        pid = base + INDIVIDUALS + g
        name = f"{people[g * MEMBERS][5]} household {g}"
        groups.append(
            (
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
        )
    columns = (
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
    copy(cur, "res_partner", columns, people + groups)
    cur.execute("SELECT setval('res_partner_id_seq', (SELECT max(id) FROM res_partner))")
    ids = [(p[0], nid_type, f"{300000000 + i}", "valid") for i, p in enumerate(people)]
    ids += [(g[0], hh_type, f"BHH-{i:07d}", "valid") for i, g in enumerate(groups)]
    copy(cur, "g2p_reg_id", ("partner_id", "id_type_id", "value", "status"), ids)
    memberships = [
        (groups[g][0], people[g * MEMBERS + k][0], "2024-01-01", False) for g in range(GROUPS) for k in range(MEMBERS)
    ]
    copy(cur, "g2p_group_membership", ("group_id", "individual_id", "start_date", "is_ended"), memberships)
    cur.execute("SELECT setval('g2p_group_membership_id_seq', (SELECT max(id) FROM g2p_group_membership))")
    cur.execute(
        """INSERT INTO g2p_group_membership_g2p_vocabulary_code_rel (g2p_group_membership_id, g2p_vocabulary_code_id)
                   SELECT m.id, %s FROM g2p_group_membership m""",
        [codes["child"]],
    )
    log(f"generated in {time.perf_counter() - started:.1f} s (SQL COPY)")


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
                           legal_basis_enabled, legal_basis, rate_limit_per_minute, create_date, write_date)
                           VALUES ('Bench', 'bench', %s, true, 3600, true,
                           'BENCH', 'bench.dci', %s, true, true, 'Benchmark: reads without consent',
                           100000000, now(), now()) RETURNING id""",
                [hashed, public_pem],
            )
            client_id = cur.fetchone()[0]
        cur.execute(
            """INSERT INTO g2p_api_client_g2p_api_scope_rel (g2p_api_client_id, g2p_api_scope_id)
                       SELECT %s, id FROM g2p_api_scope ON CONFLICT DO NOTHING""",
            [client_id],
        )


# --- server -----------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = os.path.join(ROOT, ".bench-odoo.conf")
        with open(self.conf, "w") as conf:
            conf.write(
                f"[options]\nworkers = 2\nmax_cron_threads = 0\nserver_wide_modules = base,web,queue_job\n"
                f"http_interface = 127.0.0.1\nhttp_port = {self.port}\ngevent_port = {free_port()}\n"
                f"limit_time_real = 900\nlimit_time_cpu = 900\nlimit_memory_soft = 4294967296\n"
                f"limit_memory_hard = 5368709120\nlog_level = warn\n"
                f"[queue_job]\nchannels = root:4,root.g2p_ingest:4\n"
            )

    def __enter__(self):
        # --database without --db-filter: Odoo then knows the database without listing them
        # (a query on the postgres database) at every call that carries no session cookie
        self.proc = subprocess.Popen(
            odoo_cmd("-c", self.conf, "-d", DB),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(ROOT, ".bench-odoo.log"), "w"),
        )
        for _ in range(120):
            try:
                if requests.get(self.url + "/api/v2/ping", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("Odoo did not start: see .bench-odoo.log")

    def __exit__(self, *exc):
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            child.terminate()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def cpu_seconds(self):
        """CPU time used so far by the Odoo processes serving HTTP (steadier than latency on a
        shared machine); the gevent process, which starts and imports in the meantime, apart."""
        total = 0.0
        for p in [psutil.Process(self.proc.pid)] + psutil.Process(self.proc.pid).children(recursive=True):
            try:
                if "gevent" in p.cmdline():
                    continue
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def rss_mb(self):
        procs = [psutil.Process(self.proc.pid)] + psutil.Process(self.proc.pid).children(recursive=True)
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20


class PeakRss:
    def __init__(self, server):
        self.server, self.peak, self._stop = server, 0.0, threading.Event()

    def __enter__(self):
        def sample():
            while not self._stop.is_set():
                self.peak = max(self.peak, self.server.rss_mb())
                time.sleep(0.2)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def concurrent(worker, n_clients=CLIENTS, per_client=REQUESTS, server=None, name=None):
    """Run worker(session, i) per client; returns (latencies, wall seconds). With ``server``,
    the Odoo processes' CPU milliseconds per call are recorded in ``CPU_MS[name]``."""
    latencies = []
    lock = threading.Lock()

    def run(client_no):
        session = requests.Session()
        state = {}
        own = []
        for i in range(per_client):
            started = time.perf_counter()
            worker(session, state, client_no * per_client + i)
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    cpu = server.cpu_seconds() if server else 0
    started = time.perf_counter()
    with ThreadPoolExecutor(n_clients) as pool:
        list(pool.map(run, range(n_clients)))
    wall = time.perf_counter() - started
    if server:
        CPU_MS[name] = (server.cpu_seconds() - cpu) * 1000 / len(latencies)
    return latencies, wall


CPU_MS = {}


def p95(values):
    return sorted(values)[int(len(values) * 0.95) - 1]


# --- rows -------------------------------------------------------------------------------------
def token(server, session):
    response = session.post(
        server.url + "/api/v2/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "bench", "client_secret": SECRET},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def dci_query(i):
    rng = random.Random(i)
    start = rng.randint(1940, 2015)
    return rng.choice(FAMILY), f"{start}-01-01", f"{start + 5}-12-31"


def row_dci(server, key):
    def worker(session, state, i):
        if "token" not in state:
            state["token"] = token(server, session)
        family, low, high = dci_query(i)
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": "2026-11-25T00:00:00Z",
            "action": "search",
            "sender_id": "bench.dci",
            "receiver_id": "registry.g2p",
            "total_count": 1,
        }
        message = {
            "transaction_id": "bench",
            "search_request": [
                {
                    "reference_id": str(uuid.uuid4()),
                    "timestamp": "2026-11-25T00:00:00Z",
                    "search_criteria": {
                        "reg_type": "Individual",
                        "query_type": "expression",
                        "pagination": {"page_size": 10},
                        "query": {"family_name": family, "birth_date": {"$gte": low, "$lte": high}},
                    },
                }
            ],
        }
        body = {
            "signature": jwt.encode({"header": header, "message": message}, key, algorithm="ES256"),
            "header": header,
            "message": message,
        }
        response = session.post(
            server.url + "/dci/registry/sync/search", json=body, headers={"Authorization": f"Bearer {state['token']}"}
        )
        assert response.ok and response.json()["header"]["status"] == "succ", response.text[:300]

    concurrent(worker, per_client=3)  # warm-up
    return concurrent(worker, server=server, name="dci")


def row_dci_sql_floor():
    def worker(session, state, i):
        if "conn" not in state:
            state["conn"] = connect()
        family, low, high = dci_query(i)
        cur = state["conn"].cursor()
        where = "is_registrant AND NOT is_group AND active AND family_name = %s AND birthdate >= %s AND birthdate <= %s"
        cur.execute(f"SELECT count(*) FROM res_partner WHERE {where}", [family, low, high])
        total = cur.fetchone()[0]
        cur.execute(
            f"""SELECT p.uuid, p.given_name, p.family_name, p.birthdate, g.code, p.city,
                        (SELECT json_agg(json_build_object('system', t.namespace_uri, 'value', r.value))
                           FROM g2p_reg_id r JOIN g2p_id_type t ON t.id = r.id_type_id WHERE r.partner_id = p.id)
                        FROM res_partner p LEFT JOIN g2p_vocabulary_code g ON g.id = p.gender_id
                        WHERE {where.replace("is_", "p.is_").replace("active", "p.active")} ORDER BY p.id LIMIT 10""",
            [family, low, high],
        )
        json.dumps(
            {
                "total_count": total,
                "reg_records": [
                    {
                        "@id": f"urn:uuid:{r[0]}",
                        "name": {"given_name": r[1], "surname": r[2]},
                        "birth_date": str(r[3]),
                        "sex": r[4],
                        "address": {"locality": r[5]},
                        "identifier": r[6],
                    }
                    for r in cur.fetchall()
                ],
            }
        )

    return concurrent(worker)


def row_rest(server):
    def worker(session, state, i):
        if "token" not in state:
            state["token"] = token(server, session)
        nid = 300000000 + random.Random(i).randrange(INDIVIDUALS)
        response = session.get(
            server.url + "/api/v2/Individual",
            params={"identifier": f"urn:g2p:id:national-id|{nid}"},
            headers={"Authorization": f"Bearer {state['token']}"},
        )
        assert response.ok and response.json()["total"] == 1, response.text[:300]

    concurrent(worker, per_client=3)
    return concurrent(worker, server=server, name="rest")


def row_jsonrpc(server):
    def worker(session, state, i):
        if "auth" not in state:
            session.post(
                server.url + "/web/session/authenticate",
                json={"jsonrpc": "2.0", "params": {"db": DB, "login": "admin", "password": "admin"}},
            ).raise_for_status()
            state["auth"] = True
        nid = str(300000000 + random.Random(i).randrange(INDIVIDUALS))
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


def row_layers(server):
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


def batch_values(i):
    """100 national ids, about half of them registered."""
    rng = random.Random(1000 + i)
    return [
        str((300000000 if rng.random() < 0.5 else 200000000) + rng.randrange(INDIVIDUALS)) for _ in range(BATCH_ITEMS)
    ]


def row_dci_batch(server, key):
    def worker(session, state, i):
        if "token" not in state:
            state["token"] = token(server, session)
        header = {
            "version": "1.0.0",
            "message_id": str(uuid.uuid4()),
            "message_ts": "2026-11-25T00:00:00Z",
            "action": "search",
            "sender_id": "bench.dci",
            "receiver_id": "registry.g2p",
            "total_count": BATCH_ITEMS,
        }
        message = {
            "transaction_id": "bench-batch",
            "search_request": [
                {
                    "reference_id": str(uuid.uuid4()),
                    "timestamp": "2026-11-25T00:00:00Z",
                    "search_criteria": {
                        "reg_type": "Individual",
                        "query_type": "idtype-value",
                        "query": {"type": "NationalID", "value": value},
                    },
                }
                for value in batch_values(i)
            ],
        }
        body = {
            "signature": jwt.encode({"header": header, "message": message}, key, algorithm="ES256"),
            "header": header,
            "message": message,
        }
        response = session.post(
            server.url + "/dci/registry/sync/search", json=body, headers={"Authorization": f"Bearer {state['token']}"}
        )
        answers = response.json()["message"]["search_response"] if response.ok else []
        assert len(answers) == BATCH_ITEMS and all(a["status"] == "succ" for a in answers), response.text[:300]

    concurrent(worker, per_client=1)
    return concurrent(worker, per_client=BATCH_ENVELOPES, server=server, name="batch")


def row_dci_batch_sql_floor():
    def worker(session, state, i):
        if "conn" not in state:
            state["conn"] = connect()
            cur = state["conn"].cursor()
            cur.execute("SELECT id FROM g2p_id_type WHERE namespace_uri = 'urn:g2p:id:national-id'")
            state["nid_type"] = cur.fetchone()[0]
        values = batch_values(i)
        cur = state["conn"].cursor()
        cur.execute(
            """SELECT r.value, p.uuid, p.given_name, p.family_name, p.birthdate, g.code, p.city,
                       (SELECT json_agg(json_build_object('system', t.namespace_uri, 'value', i.value))
                          FROM g2p_reg_id i JOIN g2p_id_type t ON t.id = i.id_type_id WHERE i.partner_id = p.id)
                       FROM g2p_reg_id r JOIN res_partner p ON p.id = r.partner_id
                       LEFT JOIN g2p_vocabulary_code g ON g.id = p.gender_id
                       WHERE r.id_type_id = %s AND r.value IN %s AND p.is_registrant AND NOT p.is_group AND p.active""",
            [state["nid_type"], tuple(values)],
        )
        found = {r[0]: r for r in cur.fetchall()}
        json.dumps(
            [
                {
                    "reference_id": str(n),
                    "status": "succ",
                    "reg_records": [
                        {
                            "@id": f"urn:uuid:{r[1]}",
                            "name": {"given_name": r[2], "surname": r[3]},
                            "birth_date": str(r[4]),
                            "sex": r[5],
                            "address": {"locality": r[6]},
                            "identifier": r[7],
                        }
                    ]
                    if (r := found.get(value))
                    else [],
                }
                for n, value in enumerate(values)
            ]
        )

    return concurrent(worker, per_client=BATCH_ENVELOPES)


def households(n, seed):
    return [
        {
            "household_id": f"BATCH-{seed}-{i}",
            "name": f"Bench household {i}",
            "village": "Zomba",
            "members": [
                {
                    "first_name": "Bench",
                    "last_name": f"Member{i}",
                    "national_id": f"7{seed:02d}{i:06d}",
                    "relationship": "head",
                }
            ],
        }
        for i in range(n)
    ]


def signed_body(key, message, message_id):
    # the JWS binds the message to its message id (jti) and signing time (iat), as ingest requires
    return {
        "header": {"message_id": message_id, "sender_id": "BENCH"},
        "message": message,
        "signature": jwt.encode(dict(message, jti=message_id, iat=int(time.time())), key, algorithm="ES256"),
    }


def row_ingest(server, key, batches=3):
    seconds = []
    for b in range(batches):
        body = signed_body(key, {"households": households(1000, b)}, f"bench-accept-{uuid.uuid4()}")
        started = time.perf_counter()
        response = requests.post(server.url + "/partner/ingest_data?data_model=HOUSEHOLD_BATCH", json=body, timeout=600)
        seconds.append(time.perf_counter() - started)
        assert response.ok and response.json()["ack"]["status"] == "SUCCESS", response.text[:300]
    with connect() as conn, conn.cursor() as cur:  # keep the pipeline of row 4 alone on the runner
        cur.execute("DELETE FROM queue_job WHERE state = 'pending' AND model_name = 'g2p.ingest.raw'")
    return 1000 * batches / sum(seconds)


def row_ingest_sql_floor(batches=3):
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM g2p_api_client WHERE client_id = 'bench'")
        client = cur.fetchone()[0]
        cur.execute("SELECT id FROM g2p_ingest_data_model WHERE mnemonic = 'HOUSEHOLD_BATCH'")
        model = cur.fetchone()[0]
        started = time.perf_counter()
        for b in range(batches):
            correlation, message = str(uuid.uuid4()), f"sql-floor-{uuid.uuid4()}"
            rows = [
                (
                    correlation,
                    str(uuid.uuid4()),
                    message,
                    i,
                    client,
                    model,
                    json.dumps(item),
                    "pending",
                    "pending",
                    "pending",
                    "pending",
                )
                for i, item in enumerate(households(1000, 50 + b))
            ]
            psycopg2.extras.execute_values(
                cur,
                """INSERT INTO g2p_ingest_raw (correlation_id, ingest_id, message_id,
                item_index, client_id, data_model_id, payload, classification_status, transformation_status,
                ingestion_status, state) VALUES %s""",
                rows,
                page_size=1000,
            )
            conn.commit()
        elapsed = time.perf_counter() - started
        cur.execute("DELETE FROM g2p_ingest_raw WHERE message_id LIKE 'sql-floor-%'")
    return 1000 * batches / elapsed


def row_end_to_end(server, key, run="6"):
    # one birth date per item: the duplicate check searches every one, and none of them is flagged
    # (a flagged request waits for a person, so the run would never complete)
    first_day = datetime.date(1950, 1, 1)
    people = [
        {
            "first_name": "E2e",
            "last_name": f"Person{run}x{i}",
            "dob": (first_day + datetime.timedelta(days=i)).isoformat(),
            "sex": "F",
            "national_id": f"{run}{i:08d}",
            "village": "Zomba",
        }
        for i in range(E2E_ITEMS)
    ]
    body = signed_body(key, {"people": people}, f"bench-e2e-{uuid.uuid4()}")
    started = time.perf_counter()
    response = requests.post(server.url + "/partner/ingest_data?data_model=BENCH_PERSON_BATCH", json=body, timeout=900)
    assert response.ok and response.json()["response_header"]["response_status"] == "SUCCESS", response.text[:300]
    correlation = response.json()["response_header"]["correlation_id"]
    applied = 0
    with connect() as conn:
        conn.autocommit = True
        cur = conn.cursor()
        while time.perf_counter() - started < E2E_TIMEOUT:
            cur.execute(
                """SELECT count(*) FROM g2p_change_request c JOIN g2p_ingest_raw r ON r.id = c.ingest_raw_id
                           WHERE r.correlation_id = %s AND c.state = 'applied'""",
                [correlation],
            )
            applied = cur.fetchone()[0]
            if applied >= E2E_ITEMS:
                break
            time.sleep(1)
    return time.perf_counter() - started, applied


def set_duplicate_check(enabled):
    """The system parameter that switches the duplicate check of ingestion (#19) on or off, and the
    signal that makes every Odoo worker drop its cached parameters."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM ir_config_parameter WHERE key = 'g2p_partner_ingest.duplicate_check'")
        if not enabled:
            cur.execute(
                "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
                "VALUES ('g2p_partner_ingest.duplicate_check', '0', now(), now())"
            )
        cur.execute("SELECT nextval('base_cache_signaling_default')")


def shell_values(script_name):
    """Run tests/bench/<script_name> in `odoo shell` on the bench database; the JSON values it prints as KEY=."""
    with open(os.path.join(ROOT, "tests/bench", script_name)) as script:
        out = subprocess.run(
            odoo_cmd("-d", DB, "--log-level=warn", "--no-http", command=("shell",)),
            stdin=script,
            capture_output=True,
            text=True,
            env=dict(os.environ, BENCH_E2E_ITEMS=str(E2E_ITEMS)),
        )
    values = {}
    for line in out.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            values[key] = json.loads(value)
    if not values:
        raise RuntimeError(f"{script_name} failed:\n" + out.stderr[-2000:])
    return values


def shell_figure(script_name, key):
    """Run tests/bench/<script_name> in `odoo shell` on the bench database; the float it prints as KEY=."""
    return float(shell_values(script_name)[key])


def orm_baseline():
    return shell_figure("shell_setup.py", "ORM_CREATE_SECONDS")


class Profile:
    """BENCH_PROFILE=row[,row...]: py-spy samples every Odoo process while that row runs and
    writes a flame graph to .bench-profile-<row>.svg (BENCH_PROFILE_FORMAT=raw: collapsed stacks)."""

    def __init__(self, server, row):
        self.server, self.row, self.proc = server, row, None

    def __enter__(self):
        if self.row in PROFILE.split(","):
            fmt = os.environ.get("BENCH_PROFILE_FORMAT", "flamegraph")
            out = os.path.join(ROOT, f".bench-profile-{self.row}.{'svg' if fmt == 'flamegraph' else 'txt'}")
            self.proc = subprocess.Popen(
                [
                    os.path.join(ROOT, ".venv/bin/py-spy"),
                    "record",
                    "--pid",
                    str(self.server.proc.pid),
                    "--subprocesses",
                    "--rate",
                    "200",
                    "--format",
                    fmt,
                    "-o",
                    out,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            log(f"profiling row {self.row} into {out}")
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.send_signal(2)  # py-spy writes its output on SIGINT
            self.proc.wait(60)


def ms(values):
    return statistics.median(values) * 1000


def main():
    started = time.perf_counter()
    ensure_database()
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    ensure_client(public_pem)
    if "e2e" in ROWS:
        log(f"ORM baseline: creating {E2E_ITEMS} registrants in one transaction (rolled back)")
        orm_seconds = orm_baseline()
    rows = []
    with Server() as server:
        log(f"Odoo on {server.url} (2 workers + queue_job runner)")
        if "dci" in ROWS:
            with PeakRss(server) as rss1, Profile(server, "dci"):
                lat, wall = row_dci(server, key)
            floor_lat, floor_wall = row_dci_sql_floor()
            ratio = statistics.median(lat) / statistics.median(floor_lat)
            rows.append(
                (
                    "1 DCI sync search (page 10, signed)",
                    f"median {ms(lat):.1f} ms, p95 {p95(lat) * 1000:.1f} ms, {len(lat) / wall:.1f} req/s",
                    f"SQL median {ms(floor_lat):.1f} ms, {len(floor_lat) / floor_wall:.1f} req/s",
                    f"{ratio:.1f}x SQL latency",
                    "<= 3x",
                    ratio <= 3,
                    rss1.peak,
                )
            )
        if "batch" in ROWS:
            with PeakRss(server) as rss1b, Profile(server, "batch"):
                batch_lat, batch_wall = row_dci_batch(server, key)
            floor_lat, floor_wall = row_dci_batch_sql_floor()
            items_per_s = len(batch_lat) * BATCH_ITEMS / batch_wall
            ratio = statistics.median(batch_lat) / statistics.median(floor_lat)
            rows.append(
                (
                    f"1b DCI batch lookups ({BATCH_ITEMS} idtype-value/envelope)",
                    f"{items_per_s:.0f} items/s, {ms(batch_lat) / BATCH_ITEMS:.2f} ms/item",
                    f"SQL {len(floor_lat) * BATCH_ITEMS / floor_wall:.0f} items/s, "
                    f"{ms(floor_lat) / BATCH_ITEMS:.2f} ms/item",
                    f"{ratio:.1f}x SQL per item",
                    ">=1000/s <=5x",
                    items_per_s >= 1000 and ratio <= 5,
                    rss1b.peak,
                )
            )
        if "lookup" in ROWS:
            rows.append(row_bulk_lookup.row(server, sys.modules[__name__], LOOKUP_CALLS))
        if "rest" in ROWS:
            with PeakRss(server) as rss2, Profile(server, "rest"):
                rest_lat, rest_wall = row_rest(server)
            rpc_lat, rpc_wall = row_jsonrpc(server)
            layers = row_layers(server)
            rest_rps, rpc_rps = len(rest_lat) / rest_wall, len(rpc_lat) / rpc_wall
            rows.append(
                (
                    "2 REST Individual?identifier=",
                    f"{rest_rps:.1f} req/s (median {ms(rest_lat):.1f} ms)",
                    f"JSON-RPC search_read {rpc_rps:.1f} req/s",
                    f"{rest_rps / rpc_rps:.2f}x JSON-RPC",
                    ">= 1x",
                    rest_rps / rpc_rps >= 1,
                    rss2.peak,
                )
            )
            share = ms(rest_lat) - ms(layers["ping"][0])
            rows.append(
                (
                    "2b layers of a read (medians, same run)",
                    f"health {ms(layers['health'][0]):.1f} | ping {ms(layers['ping'][0]):.1f} | "
                    f"REST {ms(rest_lat):.1f} ms",
                    f"JSON-RPC {ms(rpc_lat):.1f} ms",
                    f"suite {share:.1f} ms",
                    "<= 5 ms",
                    share <= 5,
                    rss2.peak,
                )
            )
        if "ingest" in ROWS:
            with PeakRss(server) as rss3:
                ingest_ips = row_ingest(server, key)
            sql_ips = row_ingest_sql_floor()
            rows.append(
                (
                    "3 ingest acceptance (1,000-item batches)",
                    f"{ingest_ips:.0f} items/s",
                    f"SQL insert {sql_ips:.0f} items/s",
                    f"{100 * ingest_ips / sql_ips:.0f}% of SQL",
                    ">= 25%",
                    ingest_ips / sql_ips >= 0.25,
                    rss3.peak,
                )
            )
        if "file" in ROWS:
            rows.append(row_file_ingest.row(server, sys.modules[__name__], key))
        if "e2e" in ROWS:
            e2e = {}
            for check, run in ((True, "6"), (False, "5")):
                set_duplicate_check(check)
                with PeakRss(server) as rss4:
                    e2e_seconds, applied = row_end_to_end(server, key, run)
                e2e[check] = e2e_seconds
                complete = applied >= E2E_ITEMS
                figure = (
                    f"{E2E_ITEMS} items in {e2e_seconds:.0f} s"
                    if complete
                    else f"{applied}/{E2E_ITEMS} applied after {e2e_seconds:.0f} s (timeout)"
                )
                rows.append(
                    (
                        f"4{'' if check else 'n'} end-to-end raw -> applied, dup. check {'on' if check else 'off'}",
                        figure,
                        f"ORM create {orm_seconds:.1f} s",
                        f"{e2e_seconds / orm_seconds:.1f}x ORM" if complete else "incomplete",
                        "<= 3x",
                        complete and e2e_seconds / orm_seconds <= 3,
                        rss4.peak,
                    )
                )
            set_duplicate_check(True)
            rows.append(
                (
                    "4d duplicate check's share of row 4",
                    f"on {e2e[True]:.0f} s, off {e2e[False]:.0f} s",
                    "",
                    f"{100 * (e2e[True] / e2e[False] - 1):+.0f}%",
                    "<= +10%",
                    e2e[True] <= 1.1 * e2e[False],
                    0,
                )
            )
    if "dup" in ROWS:
        dup = shell_values("duplicate_check_cost.py")
        log(f"duplicate search plan: {dup['DUPLICATE_PLAN']}")
        rows.append(
            (
                f"7 duplicate check per individual ({INDIVIDUALS:,})",
                f"{dup['DUPLICATE_CHECK_MS']:.2f} ms/item ({dup['DUPLICATE_FLAGGED']}/1000 flagged)",
                "index scans" if "Seq Scan" not in dup["DUPLICATE_PLAN"] else "SEQ SCAN",
                "",
                "<= 5 ms",
                dup["DUPLICATE_CHECK_MS"] <= 5 and "Seq Scan" not in dup["DUPLICATE_PLAN"],
                0,
            )
        )
    if "rest" in ROWS:
        rate_ms = shell_figure("rate_limit_cost.py", "RATE_LIMIT_MS")
        rows.append(
            (
                "6 rate-limit counter, per call",
                f"{rate_ms:.2f} ms (own transaction: UPSERT + commit)",
                "",
                "",
                "<= 1 ms",
                rate_ms <= 1,
                0,
            )
        )
    print("\n" + "=" * 170)
    print(f"{'row':<44} {'measured':<50} {'baseline':<38} {'ratio':<20} {'target':<13} {'':<5} peak RSS")
    for name, figure, baseline, ratio, target, ok, peak in rows:
        print(
            f"{name:<44} {figure:<50} {baseline:<38} {ratio:<20} {target:<13} "
            f"{'PASS' if ok else 'MISS':<5} {peak:.0f} MB"
        )
    print("5 peak RSS of the Odoo processes (main, 2 HTTP workers, job runner, gevent) is the last column")
    print(
        "CPU ms per call of the Odoo processes (PostgreSQL apart; steadier than latency on a shared machine): "
        + ", ".join(f"{name} {value:.1f}" for name, value in CPU_MS.items())
    )
    print("=" * 170)
    log(f"finished in {time.perf_counter() - started:.0f} s; {INDIVIDUALS} individuals, {GROUPS} households in {DB}")


if __name__ == "__main__":
    sys.exit(main())
