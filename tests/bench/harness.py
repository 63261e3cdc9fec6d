"""What every row of `make bench` runs on: Odoo started on a free port of 127.0.0.1 and stopped whatever
happens, clients in threads with the Odoo processes' CPU per call, peak RSS, py-spy, `odoo shell` scripts."""

import json
import os
import socket
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import knobs
import psutil
import psycopg2
import requests
from knobs import CLIENTS, DB, PROFILE, REQUESTS, ROOT, SECRET, WORKERS, log


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
                f"[options]\nworkers = {WORKERS}\nmax_cron_threads = 0\nserver_wide_modules = base,web,queue_job\n"
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


class BackendCpu:
    """CPU seconds of the PostgreSQL backends connected to the bench database (the server is shared with other
    databases: the whole cluster's CPU would count their load too). ``sample()`` reads each backend's /proc
    counters; a backend first seen after the start counts from zero, one that ends loses what it spent since the
    last sample, so sample often (the Odoo processes keep their connections)."""

    def __init__(self, conn):
        self.cur = conn.cursor()
        self.first, self.last = {}, {}
        self.sample(start=True)

    def sample(self, start=False):
        self.cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for (pid,) in self.cur.fetchall():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    counters = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds = (int(counters[11]) + int(counters[12])) / os.sysconf("SC_CLK_TCK")
            self.first.setdefault(pid, seconds if start else 0.0)
            self.last[pid] = seconds

    def seconds(self):
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


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


def token(server, session):
    response = session.post(
        server.url + "/api/v2/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "bench", "client_secret": SECRET},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def shell_values(script_name):
    """Run tests/bench/<script_name> in `odoo shell` on the bench database; the JSON values it prints as KEY=."""
    with open(os.path.join(ROOT, "tests/bench", script_name)) as script:
        out = subprocess.run(
            odoo_cmd("-d", DB, "--log-level=warn", "--no-http", command=("shell",)),
            stdin=script,
            capture_output=True,
            text=True,
            env=dict(os.environ, BENCH_E2E_ITEMS=str(knobs.E2E_ITEMS)),
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
                    *(["--gil"] if os.environ.get("BENCH_PROFILE_GIL") == "1" else []),
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
