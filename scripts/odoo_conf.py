"""Renders the configuration templates of docs/ (Odoo nodes, reverse proxy) and `make run`'s own.

    python scripts/odoo_conf.py render docs/odoo-http.conf key=value ...   # prints the file
    python scripts/odoo_conf.py run OUT_DIR key=value ...                   # make run: odoo.conf + nginx.conf

A template names what it needs in double braces; a missing value is an error, not an empty line.
The tests of tests/g2p_suite_tests start Odoo and nginx with what this renders (test_deployment_configs).
"""

import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# make run: one machine, the job-runner node's configuration with local values
RUN_DEFAULTS = {
    "db_sslmode": "prefer",
    "db_name": "g2p_demo",
    "admin_passwd": "admin",
    "http_interface": "127.0.0.1",
    "workers": 2,
    "logfile": "",
    "jobrunner_host": "127.0.0.1",
    "channels": "root:2,root.g2p_ingest:2,root.g2p_outbound:2,root.g2p_dci:2",
}


def render(template, **values):
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )  # configuration files, not HTML
    return environment.from_string(Path(template).read_text()).render(**values)


def write_run_config(out_dir, listen, http_port, gevent_port, **values):
    """`make run`'s configuration in ``out_dir``: the job-runner node's odoo.conf (Odoo on
    127.0.0.1:http_port and gevent_port) and nginx.conf (``listen`` → the shared routing).
    Returns (odoo_conf, nginx_conf)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    values = {
        **RUN_DEFAULTS,
        "data_dir": _default_data_dir(),
        **values,
        "http_port": http_port,
        "gevent_port": gevent_port,
    }
    odoo_conf = out_dir / "odoo.conf"
    odoo_conf.write_text(render(DOCS / "odoo-jobrunner.conf", **values))
    odoo_conf.chmod(0o600)
    nginx_conf = write_proxy_config(out_dir, listen, [f"127.0.0.1:{http_port}"], [f"127.0.0.1:{gevent_port}"])
    return odoo_conf, nginx_conf


def write_proxy_config(out_dir, listen, http_nodes, gevent_nodes):
    """nginx.conf in ``out_dir`` for nginx run as the user (``-p out_dir``): ``listen`` → the shared
    routing, upstreams ``http_nodes`` and ``gevent_nodes`` (``host:port`` each). Returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nginx_conf = out_dir / "nginx.conf"
    nginx_conf.write_text(
        render(
            ROOT / "scripts" / "nginx-run.conf",
            prefix=out_dir.resolve(),
            listen=listen,
            http_nodes=http_nodes,
            gevent_nodes=gevent_nodes,
            locations_conf=DOCS / "nginx-locations.conf",
        )
    )
    return nginx_conf


def _default_data_dir():
    """Odoo's own default (the filestore of a database made before this file existed stays where it is)."""
    from odoo.tools.config import _get_default_datadir

    return _get_default_datadir()


def _values(pairs):
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"expected key=value, got {pair!r}")
        values[key] = value.split(",") if key == "http_nodes" else value
    return values


def main(argv):
    if len(argv) >= 2 and argv[0] == "render":
        sys.stdout.write(render(argv[1], **_values(argv[2:])))
    elif len(argv) >= 2 and argv[0] == "run":
        values = _values(argv[2:])
        for path in write_run_config(
            argv[1], values.pop("listen"), values.pop("http_port"), values.pop("gevent_port"), **values
        ):
            print(path)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
