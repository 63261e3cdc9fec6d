"""The configuration files of docs/deployment.md, started for real against the test database.

Each test renders a template of docs/ with scripts/odoo_conf.py (as `make run` and an admin do),
starts Odoo with it (and nginx with `make run`'s proxy), and checks what the guide promises:
an HTTP node serves the apps without a queue_job runner; the job-runner node starts the runner;
behind the proxy, /websocket reaches Odoo's gevent port and a connected web client logs no ERROR.
"""

import contextlib
import datetime
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from odoo.tests import TransactionCase, tagged
from odoo.tools import config
from odoo.tools.translate import load_language

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 180
# how long a web client stays connected to /websocket: a minute (the 500 flood came every few seconds)
WEBSOCKET_SECONDS = 60


def _odoo_conf_module():
    spec = importlib.util.spec_from_file_location("g2p_odoo_conf", ROOT / "scripts" / "odoo_conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestDeploymentConfigs(TransactionCase):
    """Odoo subprocesses on the test database (post_install: the modules are committed by then)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.odoo_conf = _odoo_conf_module()
        cls.db_name = cls.env.cr.dbname

    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="g2p-conf-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.log = self.tmp / "odoo.log"

    def _values(self, **values):
        return {
            "addons_path": config["addons_path"],
            "data_dir": str(self.tmp / "data"),
            "db_host": config["db_host"] or "",
            "db_port": config["db_port"] or 5432,
            "db_user": config["db_user"],
            "db_sslmode": "prefer",
            "db_name": self.db_name,
            "admin_passwd": secrets.token_hex(8),
            "http_interface": "127.0.0.1",
            "workers": 2,
            "logfile": str(self.log),
            **values,
        }

    def _start(self, argv):
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.addCleanup(self._stop, process)
        return process

    def _stop(self, process):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        process.stderr.close()

    def _start_odoo(self, conf):
        return self._start([sys.executable, str(Path(config["root_path"]).parent / "odoo-bin"), "-c", str(conf)])

    def _wait_for(self, url, process):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.assertIsNone(process.poll(), f"stopped early:\n{self._log_text()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=5).status_code == 200:
                    return
            time.sleep(1)
        self.fail(f"{url} did not answer in {START_TIMEOUT}s:\n{self._log_text()[-3000:]}")

    def _wait_for_log(self, text, process, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self._log_text():
                return
            self.assertIsNone(process.poll())
            time.sleep(1)
        self.fail(f"{text!r} not in the log after {timeout}s:\n{self._log_text()[-3000:]}")

    def _log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _assert_no_error_logged(self):
        errors = [line for line in self._log_text().splitlines() if " ERROR " in line or " CRITICAL " in line]
        self.assertFalse(errors, "\n".join(errors[:20]))

    def test_http_node(self):
        """docs/odoo-http.conf: serves the web client and the APIs (reads through the replica
        setting, here pointing at the primary) and starts no queue_job runner."""
        http_port, gevent_port = _free_port(), _free_port()
        conf = self.tmp / "odoo-http.conf"
        conf.write_text(
            self.odoo_conf.render(
                ROOT / "docs" / "odoo-http.conf",
                **self._values(
                    http_port=http_port,
                    gevent_port=gevent_port,
                    db_replica_host=config["db_host"] or "",
                    db_replica_port=config["db_port"] or 5432,
                ),
            )
        )
        odoo = self._start_odoo(conf)
        base = f"http://127.0.0.1:{http_port}"
        self._wait_for(f"{base}/web/health", odoo)
        self.assertEqual(requests.get(f"{base}/api/v2/ping", timeout=30).status_code, 200)
        self.assertEqual(requests.get(f"{base}/web/login", timeout=30).status_code, 200)
        # the gevent process (websockets) starts after the HTTP workers
        self._wait_for(f"http://127.0.0.1:{gevent_port}/websocket/health", odoo)
        self.assertNotIn("queue_job.jobrunner.runner: starting", self._log_text())
        self._assert_no_error_logged()

    def test_production_proxy_config(self):
        """docs/nginx.conf with docs/nginx-locations.conf, rendered for two HTTP nodes, passes `nginx -t`
        (syntax, TLS certificate and key, log files)."""
        nginx = self._nginx()
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry.test")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        (self.tmp / "tls.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (self.tmp / "tls.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (self.tmp / "g2p.conf").write_text(
            self.odoo_conf.render(
                ROOT / "docs" / "nginx.conf",
                http_nodes=["10.0.0.11", "10.0.0.12"],
                http_port=8069,
                gevent_port=8072,
                server_name="registry.test",
                ssl_certificate=self.tmp / "tls.crt",
                ssl_certificate_key=self.tmp / "tls.key",
                log_dir=self.tmp,
                locations_conf=ROOT / "docs" / "nginx-locations.conf",
            )
        )
        (self.tmp / "nginx.conf").write_text(
            f"pid {self.tmp}/nginx.pid;\nevents {{}}\nhttp {{\n    include {self.tmp}/g2p.conf;\n}}\n"
        )
        check = subprocess.run(
            [nginx, "-t", "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"), "-e", "stderr"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(check.returncode, 0, check.stderr)

    def test_make_run_offers_the_product_addons_only(self):
        """`make run`'s addons path (scripts/odoo_env.sh): the product addons, not the test addon under tests/,
        so Apps lists the four apps only."""
        shell = subprocess.run(
            ["bash", "-c", 'source scripts/odoo_env.sh >/dev/null && echo "$RUN_ADDONS_PATH"'],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        addons_path = shell.stdout.strip().splitlines()[-1]
        folders = [Path(p) for p in addons_path.split(",")]
        for addon in ("g2p_partner_api", "g2p_api_consent", "g2p_partner_ingest", "g2p_dci_search"):
            self.assertTrue(any((folder / addon / "__manifest__.py").exists() for folder in folders), addon)
        self.assertFalse(
            [f for f in folders if (f / "g2p_suite_tests" / "__manifest__.py").exists()],
            "the test addon under tests/ would be listed in Apps",
        )
        run_sh = (ROOT / "scripts" / "run.sh").read_text()
        self.assertIn('addons_path="$RUN_ADDONS_PATH"', run_sh)
        self.assertNotIn("odoo_bin", run_sh, "odoo_bin passes the test run's addons path")

    def test_make_run_installs_french(self):
        """`make run` gives its database French beside English, at the create and at the update of a database
        made before: --load-language, which loads every installed addon's French, and Preferences offer it."""
        run_sh = (ROOT / "scripts" / "run.sh").read_text()
        self.assertIn("languages=${G2P_LANGUAGES:-fr_FR}", run_sh)
        create, update = [line for line in run_sh.splitlines() if line.strip().startswith('odoo -d "$db"')]
        self.assertIn('-i "$SUITE_ADDONS" --load-language="$languages"', create)
        self.assertIn('${new_languages:+--load-language="$new_languages"}', update)
        self.assertRegex(
            run_sh, r"new_languages=.*\$languages.*\n.*WHERE l NOT IN \(SELECT code FROM res_lang WHERE active\)"
        )
        # what --load-language=fr_FR runs (odoo/modules/loading.py), here in the test's transaction
        self.assertNotIn("fr_FR", dict(self.env["res.lang"].get_installed()))
        load_language(self.env.cr, "fr_FR")
        self.assertIn("fr_FR", dict(self.env["res.lang"].get_installed()))
        preferences = self.env["res.users"].fields_get(["lang"])["lang"]["selection"]
        self.assertIn("fr_FR", dict(preferences), "a user picks French in Preferences")
        fr = self.env(context={"lang": "fr_FR"})
        self.assertEqual(fr.ref("g2p_partner_api.menu_g2p_root").name, "Registre social")
        self.assertEqual(fr.ref("g2p_dci_search.action_dci_registers").name, "Registres DCI")
        self.assertEqual(fr.ref("g2p_partner_ingest.menu_change_requests").name, "Demandes de modification")
        self.assertEqual(fr.ref("g2p_api_consent.menu_consents").name, "Consentements")
        # Odoo's own screens too: the whole web client speaks French, not only the suite
        self.assertEqual(fr.ref("base.menu_administration").name, "Paramètres")

    def _nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.assertTrue(os.access(nginx, os.X_OK), "nginx is missing: scripts/bootstrap.sh installs it")
        return nginx

    def test_jobrunner_node_as_make_run_serves_it(self):
        """docs/odoo-jobrunner.conf rendered by `make run` (scripts/odoo_conf.py run) behind its nginx:
        the queue_job runner starts, the apps answer through the proxy, and a web client's
        websocket stays connected through it with no ERROR in the log."""
        nginx = self._nginx()
        listen, http_port, gevent_port = _free_port(), _free_port(), _free_port()
        # the test database has this test addon installed: the addons path is the test run's
        # (make run's own is checked by test_make_run_offers_the_product_addons_only)
        values = self._values()
        values.pop("http_interface")
        odoo_conf, nginx_conf = self.odoo_conf.write_run_config(
            self.tmp / "run", f"127.0.0.1:{listen}", http_port, gevent_port, **values
        )
        odoo = self._start_odoo(odoo_conf)
        proxy = self._start([nginx, "-p", str(odoo_conf.parent), "-c", str(nginx_conf), "-e", "stderr"])
        base = f"http://127.0.0.1:{listen}"
        self._wait_for(f"{base}/web/health", odoo)
        self.assertIsNone(proxy.poll(), "nginx stopped")
        self.assertEqual(requests.get(f"{base}/api/v2/ping", timeout=30).status_code, 200)
        self.assertEqual(
            requests.get(f"{base}/queue_job/runjob", timeout=30).status_code,
            404,
            "the proxy keeps queue_job's runner endpoint private",
        )
        self._wait_for_log(f"queue job runner ready for db {self.db_name}", odoo)
        self._wait_for(f"{base}/websocket/health", odoo)

        ws = websocket.create_connection(f"ws://127.0.0.1:{listen}/websocket", origin=base, timeout=10)
        try:
            ws.send('{"event_name": "subscribe", "data": {"channels": [], "last": 0}}')
            deadline = time.monotonic() + WEBSOCKET_SECONDS
            while time.monotonic() < deadline:
                ws.ping()
                with contextlib.suppress(websocket.WebSocketTimeoutException):
                    ws.recv()
                self.assertTrue(ws.connected)
        finally:
            ws.close()
        self._assert_no_error_logged()
