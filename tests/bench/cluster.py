"""make cluster: the topology of docs/deployment.md on this machine, a bounded mixed load through its
reverse proxy, one HTTP node stopped in the middle, and the checks that nothing was lost.

    python tests/bench/cluster.py prepare RUN_DIR   # fresh database, registrants, clients, subscription
    python tests/bench/cluster.py run RUN_DIR       # nodes + nginx from the templates, load, checks

scripts/cluster.sh runs both, with the streaming replica (scripts/replica.sh) started in between, and
stops everything on exit. Exit status 1 when a check fails.
"""

import collections
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

os.environ.setdefault("BENCH_DB", os.environ.get("CLUSTER_DB", "g2p_cluster"))
os.environ.setdefault("BENCH_SCALE", os.environ.get("CLUSTER_SCALE", "20000"))
os.environ.setdefault("BENCH_E2E_ITEMS", "1000")

# the bench's modules read BENCH_* at import
import harness  # noqa: E402
import knobs  # noqa: E402
import psutil  # noqa: E402
import psycopg2  # noqa: E402
import registry_data  # noqa: E402
import requests  # noqa: E402
import row_dci  # noqa: E402
import row_ingest  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

sys.path.insert(0, os.path.join(knobs.ROOT, "scripts"))
import odoo_conf  # noqa: E402

# the suite's test receiver, loaded by path (importing the addon package would load Odoo's models)
_spec = importlib.util.spec_from_file_location(
    "local_receiver", os.path.join(knobs.ROOT, "g2p_partner_api/demo/local_receiver.py")
)
local_receiver = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local_receiver)

DB = knobs.DB
INGEST_BATCHES = int(os.environ.get("CLUSTER_INGEST_BATCHES", "10"))
INGEST_BATCH_ITEMS = 1000
INGEST_RUN = "9"  # national ids 9<index:08d>: the bench's own rows use 5 and 6
PHASE_SECONDS = int(os.environ.get("CLUSTER_PHASE_SECONDS", "60"))
DRAIN_SECONDS = int(os.environ.get("CLUSTER_DRAIN_SECONDS", "480"))
RATE_LIMIT = int(os.environ.get("CLUSTER_RATE_LIMIT", "20"))
# the receiver answers the first deliveries 503 (Retry-After: 1): their second attempt goes out too
REFUSED_DELIVERIES = 5
HTTP_WORKERS = 2
JOB_WORKERS = 3
CHANNELS = "root:2,root.g2p_ingest:2,root.g2p_outbound:1,root.g2p_dci:1,root.g2p_audit:1"
RETRIED_STATUSES = {502, 503, 504}
RETRIES = 5


def log(msg):
    print(f"[cluster] {msg}", flush=True)


def state_path(run_dir):
    return os.path.join(run_dir, "state.json")


# --- prepare ----------------------------------------------------------------------------------
def prepare(run_dir):
    """A fresh database with the suite (no demo) and CLUSTER_SCALE generated registrants (the bench's
    generator), the bench client, the auto-approving ingest model, the subscription and the limited client."""
    os.makedirs(run_dir, exist_ok=True)
    knobs.REBUILD = True
    started = time.perf_counter()
    key = registry_data.ensure_database_and_client()
    os.environ["BENCH_ORM_BASELINE"] = "0"
    harness.shell_values("shell_setup.py")
    os.environ["CLUSTER_RATE_LIMIT"] = str(RATE_LIMIT)
    secrets = harness.shell_values("cluster_setup.py")
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with open(state_path(run_dir), "w") as state:
        json.dump(
            {
                "key": private_pem,
                "limited_secret": secrets["LIMITED_SECRET"],
                "writer_secret": secrets["WRITER_SECRET"],
            },
            state,
        )
    os.chmod(state_path(run_dir), 0o600)
    log(f"database {DB} ready in {time.perf_counter() - started:.0f} s ({knobs.INDIVIDUALS} individuals)")


# --- processes --------------------------------------------------------------------------------
class Process:
    """One server started in its own session, stopped with its children."""

    def __init__(self, name, argv, log_path):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.proc = None

    def start(self):
        with open(self.log_path, "a") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=15.0):
        """SIGTERM (Odoo stops gracefully: it finishes the requests it is serving), SIGKILL to the
        whole group after ``grace`` seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def odoo_node(run_dir, name, template, **values):
    conf = os.path.join(run_dir, f"{name}.conf")
    with open(conf, "w") as out:
        out.write(odoo_conf.render(os.path.join(odoo_conf.DOCS, template), **values))
    os.chmod(conf, 0o600)
    argv = [os.path.join(knobs.ROOT, ".venv/bin/python"), os.path.join(os.environ["ODOO_SRC"], "odoo-bin"), "-c", conf]
    return Process(name, argv, os.path.join(run_dir, f"{name}.out"))


def wait_until(what, predicate, timeout=180.0, procs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} stopped while waiting for {what}: see {proc.log_path}")
        try:
            if predicate():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


def answers(url):
    return requests.get(url, timeout=5).status_code == 200


class Topology:
    """Two HTTP nodes (docs/odoo-http.conf, replica configured), one job-runner node
    (docs/odoo-jobrunner.conf), nginx (scripts/nginx-run.conf + docs/nginx-locations.conf)."""

    def __init__(self, run_dir, replica_port):
        self.run_dir = run_dir
        common = {
            "addons_path": os.environ["RUN_ADDONS_PATH"],
            "data_dir": odoo_conf._default_data_dir(),
            "db_host": os.environ["PGHOST"],
            "db_port": os.environ["PGPORT"],
            "db_user": os.environ["PGUSER"],
            "db_sslmode": "prefer",
            "db_name": DB,
            "admin_passwd": "admin",
            "http_interface": "127.0.0.1",
        }
        self.http_ports = []
        self.http = []
        gevent_ports = []
        for n in (1, 2):
            port, gevent = harness.free_port(), harness.free_port()
            self.http_ports.append(port)
            gevent_ports.append(gevent)
            self.http.append(
                odoo_node(
                    run_dir,
                    f"http{n}",
                    "odoo-http.conf",
                    **common,
                    db_replica_host=os.environ["PGHOST"],
                    db_replica_port=replica_port,
                    http_port=port,
                    gevent_port=gevent,
                    workers=HTTP_WORKERS,
                    logfile=os.path.join(run_dir, f"http{n}.log"),
                )
            )
        self.runner_port = harness.free_port()
        self.runner_log = os.path.join(run_dir, "jobrunner.log")
        self.runner = odoo_node(
            run_dir,
            "jobrunner",
            "odoo-jobrunner.conf",
            **common,
            http_port=self.runner_port,
            gevent_port=harness.free_port(),
            workers=JOB_WORKERS,
            logfile=self.runner_log,
            jobrunner_host="127.0.0.1",
            channels=CHANNELS,
        )
        self.listen = harness.free_port()
        self.url = f"http://127.0.0.1:{self.listen}"
        nginx_dir = os.path.join(run_dir, "nginx")
        nginx_conf = odoo_conf.write_proxy_config(
            nginx_dir,
            f"127.0.0.1:{self.listen}",
            [f"127.0.0.1:{p}" for p in self.http_ports],
            [f"127.0.0.1:{p}" for p in gevent_ports],
        )
        nginx = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"
        self.nginx = Process(
            "nginx", [nginx, "-p", nginx_dir, "-c", str(nginx_conf), "-e", "stderr"], os.path.join(run_dir, "nginx.out")
        )
        self.all = [self.nginx, *self.http, self.runner]

    def start(self):
        for proc in self.all:
            proc.start()
        for proc, port in zip(self.http, self.http_ports, strict=True):
            wait_until(
                f"{proc.name} on port {port}", lambda p=port: answers(f"http://127.0.0.1:{p}/web/health"), procs=[proc]
            )
        wait_until(
            "the job runner",
            lambda: f"queue job runner ready for db {DB}" in open(self.runner_log).read(),
            procs=[self.runner],
        )
        wait_until("nginx", lambda: answers(f"{self.url}/api/v2/ping"), procs=[self.nginx])
        log(f"nginx {self.url} -> HTTP nodes {self.http_ports}; job runner on {self.runner_port}")

    def stop(self):
        for proc in self.all:
            proc.stop(grace=10)

    def kill_a_job_worker(self):
        """SIGKILL one worker process of the job-runner node (not its gevent process): the job it was
        running stays `started` until the runner re-queues it."""
        master = psutil.Process(self.runner.proc.pid)
        workers = [p for p in master.children() if "gevent" not in " ".join(p.cmdline())]
        busiest = max(workers, key=lambda p: p.cpu_percent(interval=0.2))
        busiest.kill()
        return busiest.pid


# --- load -------------------------------------------------------------------------------------
class Recorder:
    """Every call of every workload: (workload, start time, seconds, outcome); outcome is 'ok',
    'retried-ok' (answered after retrying an error) or 'lost' (still an error after the retries).
    Every first-try error is kept with its time too."""

    def __init__(self):
        self.calls = []
        self.errors = []
        self.lock = threading.Lock()

    def call(self, workload, attempt, check):
        """``attempt()`` -> response; retried on connection errors and 502/503/504, as a partner
        retries an idempotent call (``attempt`` makes its own request body each time)."""
        started = time.time()
        outcome = "ok"
        for _ in range(RETRIES):
            t0 = time.perf_counter()
            try:
                response = attempt()
                error = response.status_code in RETRIED_STATUSES and f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                response, error = None, type(exc).__name__
            if not error:
                with self.lock:
                    self.calls.append((workload, started, time.perf_counter() - t0, outcome))
                check(response)
                return response
            with self.lock:
                self.errors.append((workload, time.time(), error))
            outcome = "retried-ok"
            time.sleep(0.5)
        with self.lock:
            self.calls.append((workload, started, 0.0, "lost"))
        return None


class Load:
    def __init__(self, topology, key, secrets):
        self.url = topology.url
        self.key = key
        self.secrets = secrets
        self.rec = Recorder()
        self.stop_event = threading.Event()
        self.failures = []
        self.ingest_messages = []
        self.patched = set()
        self.rate_result = None

    def _token(self, session, client_id="bench", secret=knobs.SECRET):
        response = self.rec.call(
            "token",
            lambda: session.post(
                self.url + "/api/v2/oauth/token",
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
                timeout=60,
            ),
            lambda r: r.raise_for_status(),
        )
        return response.json()["access_token"]

    def _expect(self, name, condition, response):
        if not condition:
            self.failures.append(f"{name}: HTTP {response.status_code} {response.text[:200]}")

    def rest_reads(self, seed):
        session = requests.Session()
        auth = {"Authorization": f"Bearer {self._token(session)}"}
        i = seed
        while not self.stop_event.is_set():
            i += 7
            nid = 300000000 + i % knobs.INDIVIDUALS
            self.rec.call(
                "rest read",
                lambda n=nid: session.get(
                    self.url + "/api/v2/Individual",
                    params={"identifier": f"urn:g2p:id:national-id|{n}"},
                    headers=auth,
                    timeout=60,
                ),
                lambda r: self._expect("rest read", r.ok and r.json()["total"] == 1, r),
            )

    def rest_writes(self):
        """PATCH of generated individuals: each change is an individual.updated delivery to the receiver.
        Another client than the readers: a writer's reads go to the primary for a while."""
        session = requests.Session()
        auth = {"Authorization": f"Bearer {self._token(session, 'cluster-writer', self.secrets['writer_secret'])}"}
        i = 0
        while not self.stop_event.is_set():
            i += 1
            person = f"b0000000-0000-4000-8000-{i * 13 % knobs.INDIVIDUALS:012d}"
            # the same value on a retry: a PATCH is idempotent
            self.rec.call(
                "rest write",
                lambda p=person, n=i: session.patch(
                    f"{self.url}/api/v2/Individual/{p}", json={"family_name": f"Cluster{n}"}, headers=auth, timeout=60
                ),
                lambda r, p=person: (self._expect("rest write", r.ok, r), r.ok and self.patched.add(p)),
            )
            time.sleep(1.0)

    def dci_batches(self):
        session = requests.Session()
        auth = {"Authorization": f"Bearer {self._token(session)}"}
        i = 0
        while not self.stop_event.is_set():
            i += 1
            # a search is read-only: a partner sends it again under a new message id
            self.rec.call(
                "dci batch",
                lambda n=i: session.post(
                    self.url + "/dci/registry/sync/search",
                    json=row_dci.signed_envelope(self.key, "cluster-batch", row_dci.batch_criteria(n)),
                    headers=auth,
                    timeout=120,
                ),
                lambda r: self._expect(
                    "dci batch",
                    r.ok and all(a["status"] == "succ" for a in r.json()["message"]["search_response"]),
                    r,
                ),
            )

    def ingest(self, spread_seconds):
        """INGEST_BATCHES signed batches of 1,000 items, spread over the run; a retry sends the same
        message id (the registry answers it with the original correlation id, nothing new)."""
        session = requests.Session()
        for b in range(INGEST_BATCHES):
            message_id = f"cluster-{uuid.uuid4()}"
            people = row_ingest.e2e_people(INGEST_RUN, INGEST_BATCH_ITEMS, offset=b * INGEST_BATCH_ITEMS)
            body = row_ingest.signed_body(self.key, {"people": people}, message_id)
            self.ingest_messages.append(message_id)
            started = time.monotonic()
            self.rec.call(
                "ingest 1000",
                lambda body=body: session.post(
                    self.url + "/partner/ingest_data?data_model=BENCH_PERSON_BATCH", json=body, timeout=300
                ),
                lambda r: self._expect(
                    "ingest", r.ok and r.json()["response_header"]["response_status"] == "SUCCESS", r
                ),
            )
            self.stop_event.wait(max(0.0, spread_seconds / INGEST_BATCHES - (time.monotonic() - started)))

    def rate_burst(self):
        """2 x RATE_LIMIT reads of the limited client within one fixed minute window, through nginx to
        both nodes: at most RATE_LIMIT may be served."""
        session = requests.Session()
        auth = {"Authorization": f"Bearer {self._token(session, 'cluster-limited', self.secrets['limited_secret'])}"}
        # the start of the next minute (the counter's window), plus a second
        self.stop_event.wait(61 - time.time() % 60)
        window = int(time.time() // 60)
        statuses = collections.Counter()
        lock = threading.Lock()

        def one(i):
            r = requests.get(
                self.url + "/api/v2/Individual",
                params={"identifier": f"urn:g2p:id:national-id|{300000000 + i}"},
                headers=auth,
                timeout=60,
            )
            with lock:
                statuses[r.status_code] += 1

        threads = [threading.Thread(target=one, args=(i,)) for i in range(2 * RATE_LIMIT)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.rate_result = (statuses, int(time.time() // 60) == window)


def percentile95(values):
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")


def phase_table(rec, phases):
    log("throughput and p95 per workload (calls answered; latency of the answered attempt)")
    print(f"    {'workload':<12} {'phase':<22} {'calls':>6} {'calls/s':>8} {'p95 ms':>8} {'median ms':>9}")
    for workload in sorted({c[0] for c in rec.calls}):
        for name, (start, end) in phases.items():
            lat = [c[2] for c in rec.calls if c[0] == workload and start <= c[1] < end and c[3] != "lost"]
            if not lat:
                continue
            print(
                f"    {workload:<12} {name:<22} {len(lat):>6} {len(lat) / (end - start):>8.2f} "
                f"{percentile95(lat) * 1000:>8.0f} {statistics.median(lat) * 1000:>9.0f}"
            )


class ConnectionSampler:
    """The most connections to the run's database seen on the primary and on the replica (pg_stat_activity,
    sampled each second)."""

    def __init__(self, replica_port):
        self.replica_port = replica_port
        self.peak = {"primary": 0, "replica": 0}
        self.done = threading.Event()

    def _count(self, conn):
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DB])
            return cur.fetchone()[0]

    def _sample(self):
        primary = harness.connect("postgres")
        replica = psycopg2.connect(
            dbname="postgres", host=os.environ["PGHOST"], port=self.replica_port, user=os.environ["PGUSER"]
        )
        primary.autocommit = replica.autocommit = True
        try:
            while not self.done.wait(1):
                self.peak["primary"] = max(self.peak["primary"], self._count(primary))
                self.peak["replica"] = max(self.peak["replica"], self._count(replica))
        finally:
            primary.close()
            replica.close()

    def start(self):
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.done.set()
        self.thread.join()


def served_by(topology):
    """Where each node served the partner APIs' calls: Odoo ends each request's log line with its cursor,
    `ro` (the replica) or `rw` (the primary)."""
    for proc in topology.http:
        counts = collections.Counter()
        with open(proc.log_path.replace(".out", ".log")) as node_log:
            for line in node_log:
                if '"GET /api/v2/' in line or '"POST /dci/' in line or '"PATCH /api/v2/' in line or "/partner/" in line:
                    method = line.split('"')[1].split()[0]
                    path = line.split('"')[1].split()[1].split("?")[0]
                    kind = "dci" if path.startswith("/dci") else "ingest" if path.startswith("/partner") else "rest"
                    counts[(f"{method} {kind}", line.rstrip().rsplit(" ", 1)[-1])] += 1
        log(f"{proc.name} served: " + ", ".join(f"{k[0]} on {k[1]}: {n}" for k, n in sorted(counts.items())))


# --- checks -----------------------------------------------------------------------------------
def query(sql, args=()):
    with harness.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def applied_items(messages):
    return query(
        """SELECT count(*) FROM g2p_change_request c JOIN g2p_ingest_raw r ON r.id = c.ingest_raw_id
           WHERE r.message_id = ANY(%s) AND c.state = 'applied'""",
        [messages],
    )[0][0]


def open_jobs():
    return dict(
        query("SELECT state, count(*) FROM queue_job WHERE state IN ('pending', 'enqueued', 'started') GROUP BY state")
    )


def drain(messages, expected):
    """Until every ingest item is applied and no job or delivery is left to do, at most DRAIN_SECONDS.
    Returns (seconds, drained)."""
    started = time.monotonic()
    last = -1
    drained = False
    while time.monotonic() - started < DRAIN_SECONDS:
        applied = applied_items(messages)
        jobs = open_jobs()
        waiting = query("SELECT count(*) FROM g2p_api_delivery WHERE state IN ('pending', 'retrying')")[0][0]
        if applied // 1000 != last // 1000:
            log(f"  {applied}/{expected} items applied, open jobs {jobs or 'none'}, deliveries waiting {waiting}")
            last = applied
        if applied >= expected and not jobs and not waiting:
            drained = True
            break
        time.sleep(3)
    return time.monotonic() - started, drained


class Checks:
    def __init__(self):
        self.results = []

    def __call__(self, name, ok, detail):
        self.results.append((name, ok))
        print(f"    [{'PASS' if ok else 'FAIL'}] {name}: {detail}", flush=True)
        return ok

    @property
    def passed(self):
        return all(ok for _, ok in self.results)


def check_requests(check, load, stop_window):
    lost = [c for c in load.rec.calls if c[3] == "lost"]
    start, end = stop_window
    outside = [e for e in load.rec.errors if not start <= e[1] <= end]
    retried = sum(1 for c in load.rec.calls if c[3] == "retried-ok")
    check(
        "no request lost",
        not lost and not outside,
        f"{len(load.rec.calls)} calls, {len(load.rec.errors)} first-try errors "
        f"({collections.Counter(e[2] for e in load.rec.errors) or 'none'}), {retried} answered after a retry, "
        f"{len(lost)} lost, {len(outside)} errors outside the stop window",
    )
    check("every answer as expected", not load.failures, "; ".join(load.failures[:5]) or "all answers checked")


def check_ingest(check, messages, expected):
    raws = query(
        "SELECT count(*), count(DISTINCT (message_id, item_index)) FROM g2p_ingest_raw WHERE message_id = ANY(%s)",
        [messages],
    )[0]
    twice = query(
        """SELECT count(*) FROM (SELECT c.ingest_raw_id FROM g2p_change_request c JOIN g2p_ingest_raw r
           ON r.id = c.ingest_raw_id WHERE r.message_id = ANY(%s) GROUP BY 1 HAVING count(*) > 1) t""",
        [messages],
    )[0][0]
    registrants = query(
        """SELECT count(*), count(DISTINCT i.value) FROM g2p_reg_id i JOIN g2p_id_type t ON t.id = i.id_type_id
           JOIN res_partner p ON p.id = i.partner_id
           WHERE t.namespace_uri = 'urn:g2p:id:national-id' AND i.value LIKE %s AND p.active""",
        [INGEST_RUN + "%"],
    )[0]
    applied = applied_items(messages)
    check(
        "every ingest item applied exactly once",
        raws == (expected, expected) and not twice and applied == expected and registrants == (expected, expected),
        f"{raws[0]} items received ({raws[1]} distinct), {applied} applied, {twice} with two change requests, "
        f"{registrants[0]} registrants with their national ids ({registrants[1]} distinct); expected {expected}",
    )


def check_deliveries(check, receiver, patched):
    received = collections.Counter(r["headers"].get("webhook-id") for r in receiver.requests)
    rows = query(
        """SELECT d.event_id, d.state, count(a.id) FILTER (WHERE a.status_code > 0)
           FROM g2p_api_delivery d LEFT JOIN g2p_api_delivery_attempt a ON a.delivery_id = d.id
           GROUP BY d.event_id, d.state"""
    )
    sent_attempts = {event_id: n for event_id, _state, n in rows}
    not_sent = [event_id for event_id, state, _n in rows if state != "sent"]
    mismatched = [e for e in set(sent_attempts) | set(received) if sent_attempts.get(e, 0) != received.get(e, 0)]
    retried = sum(1 for n in sent_attempts.values() if n > 1)
    for event_id in not_sent:
        for attempt in query(
            """SELECT d.state, a.attempt_no, a.status_code, a.outcome, a.error, a.create_date FROM g2p_api_delivery d
               JOIN g2p_api_delivery_attempt a ON a.delivery_id = d.id WHERE d.event_id = %s ORDER BY a.attempt_no""",
            [event_id],
        ):
            print(f"      not sent {event_id}: {attempt}")
    check(
        "every delivery sent exactly once per attempt",
        rows and len(rows) >= len(patched) and not not_sent and not mismatched,
        f"{len(rows)} deliveries for {len(patched)} individuals changed, {sum(received.values())} requests received, "
        f"{retried} sent again after a 503, {len(not_sent)} not sent, "
        f"{len(mismatched)} whose received count differs from their attempts",
    )


def check_rate(check, load):
    if load.rate_result is None:
        check("rate limit across nodes", False, "the burst did not run")
        return
    statuses, same_window = load.rate_result
    served = statuses.get(200, 0)
    check(
        "rate limit across nodes",
        same_window and 0 < served <= RATE_LIMIT and served + statuses.get(429, 0) == 2 * RATE_LIMIT,
        f"{2 * RATE_LIMIT} calls in one minute through both nodes, limit {RATE_LIMIT}/min: {dict(statuses)}"
        + ("" if same_window else " (the burst crossed a minute boundary)"),
    )


def check_jobs(check, topology):
    started = query("SELECT count(*) FROM queue_job WHERE state = 'started'")[0][0]
    failed = query("SELECT count(*) FROM queue_job WHERE state = 'failed'")[0][0]
    requeued = open(topology.runner_log).read().count("Re-queued dead job")
    check(
        "nothing left started after the runner's re-queue",
        started == 0 and failed == 0,
        f"{started} started, {failed} failed; {requeued} dead jobs re-queued by the runner",
    )


# --- run --------------------------------------------------------------------------------------
def run(run_dir):
    with open(state_path(run_dir)) as state_file:
        state = json.load(state_file)
    key = serialization.load_pem_private_key(state["key"].encode(), None)
    topology = Topology(run_dir, os.environ["G2P_CLUSTER_REPLICA_PORT"])
    checks = Checks()
    receiver = local_receiver.Receiver()
    point_subscription_at(receiver.host_port)
    for _ in range(REFUSED_DELIVERIES):
        receiver.answer(503, {}, {"Retry-After": "1"})
    try:
        with receiver:
            topology.start()
            load = Load(topology, key, state)
            connections = ConnectionSampler(os.environ["G2P_CLUSTER_REPLICA_PORT"]).start()
            threads = [
                threading.Thread(target=load.rest_reads, args=(0,), daemon=True),
                threading.Thread(target=load.rest_reads, args=(3,), daemon=True),
                threading.Thread(target=load.rest_writes, daemon=True),
                threading.Thread(target=load.dci_batches, daemon=True),
            ]
            ingest = threading.Thread(target=load.ingest, args=(2 * PHASE_SECONDS,), daemon=True)
            burst = threading.Thread(target=load.rate_burst, daemon=True)
            t0 = time.time()
            for t in [*threads, ingest, burst]:
                t.start()
            log(f"phase 1: two HTTP nodes, {PHASE_SECONDS} s at least and until the rate-limit burst is done")
            time.sleep(PHASE_SECONDS)
            burst.join()
            stopped = topology.http[1]
            t_stop = time.time()
            log(f"stopping {stopped.name} (SIGTERM, SIGKILL after 5 s) under load")
            stopped.stop(grace=5)
            t_stopped = time.time()
            log(f"{stopped.name} stopped in {t_stopped - t_stop:.1f} s; phase 2: one HTTP node, {PHASE_SECONDS} s")
            time.sleep(PHASE_SECONDS / 3)
            log(f"killing job-runner worker {topology.kill_a_job_worker()} (SIGKILL) while jobs run")
            time.sleep(PHASE_SECONDS * 2 / 3)
            load.stop_event.set()
            for t in [*threads, ingest]:
                t.join(300)
            t_end = time.time()
            expected = INGEST_BATCHES * INGEST_BATCH_ITEMS
            log(f"load over; waiting for the queue to drain (at most {DRAIN_SECONDS} s)")
            drain_seconds, drained = drain(load.ingest_messages, expected)
            connections.stop()
            served_by(topology)
            log(f"PostgreSQL connections to {DB} at most: {connections.peak}")
            phase_table(
                load.rec,
                {
                    "two nodes": (t0, t_stop),
                    "stopping node 2": (t_stop, t_stopped + 5),
                    "one node": (t_stopped + 5, t_end),
                },
            )
            log("checks")
            # the others are read after the drain: a queue still working makes them fail too
            checks(
                "the queue drained",
                drained,
                f"in {drain_seconds:.0f} s after the load (at most {DRAIN_SECONDS} s, CLUSTER_DRAIN_SECONDS)",
            )
            # errors may follow the stop by a few seconds: nginx's keep-alive connections to the node
            check_requests(checks, load, (t_stop, t_stopped + 15))
            check_ingest(checks, load.ingest_messages, expected)
            check_deliveries(checks, receiver, load.patched)
            check_rate(checks, load)
            check_jobs(checks, topology)
    finally:
        topology.stop()
    log("all checks passed" if checks.passed else "a check FAILED")
    return 0 if checks.passed else 1


def point_subscription_at(host_port):
    """The receiver's address is known once it listens, before any node starts (nothing cached yet)."""
    with harness.connect() as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE ir_config_parameter SET value = %s WHERE key = 'g2p_partner_api.outbound_allowed_hosts'",
            [host_port],
        )
        cur.execute(
            "UPDATE g2p_api_subscription SET target_url = %s WHERE name = 'Cluster receiver'",
            [f"http://{host_port}/events"],
        )


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(argv) == 2 and argv[0] == "prepare":
        prepare(argv[1])
        return 0
    if len(argv) == 2 and argv[0] == "run":
        return run(argv[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
