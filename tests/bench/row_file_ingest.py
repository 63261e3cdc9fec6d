"""Row 3f of make bench: ``POST /partner/ingest_file`` with one 100,000-row CSV (PERSON_JSON's column map,
signed manifest), accepted in one call; items/s against JSON ingest's acceptance (row 3's 1,000-item
batches), same run."""

import hashlib
import io
import json
import time
import uuid

import jwt
import requests
from harness import CPU_MS, PeakRss, connect
from row_ingest import measure_ingest

FILE_ROWS = 100000
JSON_BATCHES = 3  # of 1,000 households, as row 3
HEADER = "first_name,last_name,dob,sex,national_id,village"


def csv_file(rows=FILE_ROWS):
    """100,000 people not in the register (national ids of their own), as a field team's export."""
    text = io.StringIO()
    text.write(HEADER + "\n")
    for i in range(rows):
        text.write(f"File{i},Person{i},1980-{1 + i % 12:02d}-{1 + i % 28:02d},{'FM'[i % 2]},{400000000 + i},Zomba\n")
    return text.getvalue().encode()


def manifest(key, content, message_id):
    message = {"data_model": "PERSON_JSON", "sha256": hashlib.sha256(content).hexdigest(), "file_name": "bench.csv"}
    return {
        "header": {"message_id": message_id, "sender_id": "BENCH"},
        "message": message,
        "signature": jwt.encode(dict(message, jti=message_id, iat=int(time.time())), key, algorithm="ES256"),
    }


def measure_file(server, key):
    """(seconds, rows accepted) of one 100,000-row file."""
    content = csv_file()
    message_id = f"bench-file-{uuid.uuid4()}"
    started = time.perf_counter()
    response = requests.post(
        server.url + "/partner/ingest_file",
        files={"file": ("bench.csv", content, "text/csv")},
        data={"manifest": json.dumps(manifest(key, content, message_id))},
        timeout=900,
    )
    seconds = time.perf_counter() - started
    header = response.json().get("response_header", {}) if response.ok else {}
    assert header.get("response_status") == "SUCCESS", response.text[:300]
    return seconds, response.json()["response_payload"]["item_count"]


def row(server, key):
    """The printed row: rows/s of the file against JSON ingest's items/s, same server."""
    with PeakRss(server) as rss:
        cpu = server.cpu_seconds()
        seconds, accepted = measure_file(server, key)
        CPU_MS["file, per 1,000 rows"] = (server.cpu_seconds() - cpu) * 1000 * 1000 / max(accepted, 1)
    with connect() as conn, conn.cursor() as cur:  # the accepted rows stay out of the later rows' pipeline
        cur.execute("DELETE FROM queue_job WHERE state = 'pending' AND model_name = 'g2p.ingest.raw'")
        cur.execute("DELETE FROM g2p_ingest_raw WHERE message_id LIKE 'bench-file-%'")
    cpu = server.cpu_seconds()
    json_ips = measure_ingest(server, key, JSON_BATCHES)
    CPU_MS["JSON ingest, per 1,000 items"] = (server.cpu_seconds() - cpu) * 1000 / JSON_BATCHES
    file_ips = accepted / seconds
    return (
        f"3f file ingest ({FILE_ROWS:,} CSV rows, one call)",
        f"{accepted} rows in {seconds:.1f} s, {file_ips:.0f} items/s",
        f"JSON ingest {json_ips:.0f} items/s",
        f"{100 * file_ips / json_ips:.0f}% of JSON",
        ">= 50%",
        accepted == FILE_ROWS and file_ips / json_ips >= 0.5,
        rss.peak,
    )
