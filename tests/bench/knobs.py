"""What `make bench` is told (the BENCH_* environment variables) and the constants its rows share."""

import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DB = os.environ.get("BENCH_DB", "g2p_bench")
MEMBERS = 4
# BENCH_SCALE: individuals generated, a quarter as many households of MEMBERS each. Unset, the scale is
# the one the database was generated with (100,000 for a new one): registry_data.ensure_database sets both.
REQUESTED_SCALE = int(os.environ["BENCH_SCALE"]) if os.environ.get("BENCH_SCALE") else None
DEFAULT_SCALE = 100000
INDIVIDUALS = REQUESTED_SCALE or DEFAULT_SCALE
GROUPS = INDIVIDUALS // MEMBERS
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
E2E_ITEMS = int(os.environ.get("BENCH_E2E_ITEMS", "10000"))
E2E_TIMEOUT = int(os.environ.get("BENCH_E2E_TIMEOUT", "420"))
# rows 4 and 4n: items of the unmeasured run before them (whichever measured run came first was the slower)
E2E_WARMUP = int(os.environ.get("BENCH_E2E_WARMUP", "1000"))
# rows 4 and 4n: which runs of row 4 and in which order ("on,off", "off,on", "on"), the duplicate check on or off
E2E_ORDER = [part.strip() == "on" for part in os.environ.get("BENCH_E2E_ORDER", "on,off").split(",") if part.strip()]
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
REBUILD = bool(os.environ.get("BENCH_REBUILD"))
CLIENTS = 4
# HTTP workers of the measured Odoo: 2 (the default, fewer than CLIENTS: a call waits for the one ahead) or
# what docs/deployment.md sizes for the machine (2 x cores + 1)
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
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
NATIONAL_ID = "urn:g2p:id:national-id"


def set_scale(individuals):
    global INDIVIDUALS, GROUPS
    INDIVIDUALS, GROUPS = individuals, individuals // MEMBERS


def log(msg):
    print(f"[bench] {msg}", flush=True)
