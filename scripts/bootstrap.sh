#!/usr/bin/env bash
# Brings this machine to the point where Odoo 18 and the suite can run:
# Debian build libraries, Chromium for tours, nginx for `make run`, node for prettier, the Odoo 18
# source, and .venv/ (with the linters; prettier under .venv/prettier).
# Idempotent: each step is skipped when what it makes is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
ODOO_CACHE="$HOME/.cache/odoo/18.0"

log() { printf '[setup] %s\n' "$*" >&2; }

need_debs=()
for pkg in libpq-dev libldap2-dev libsasl2-dev chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_debs+=("$pkg")
done
# nginx: `make run` routes /websocket to Odoo's gevent port as the production proxy does
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_debs+=(nginx-light)
# node and npm: prettier for `make lint` and `make test` (which lints first)
command -v npm >/dev/null || need_debs+=(nodejs npm)
if [ ${#need_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${need_debs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${need_debs[*]}. Install them with: sudo apt-get install ${need_debs[*]}" >&2
    exit 1
  fi
fi

odoo_src=""
for candidate in "${ODOO_SRC:-}" "$ODOO_CACHE"; do
  if [ -n "$candidate" ] && [ -f "$candidate/odoo/release.py" ]; then odoo_src=$candidate; break; fi
done
if [ -z "$odoo_src" ]; then
  log "no Odoo 18 source found; cloning upstream 18.0 into $ODOO_CACHE"
  mkdir -p "$(dirname "$ODOO_CACHE")"
  if ! git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_CACHE" >&2; then
    rm -rf "$ODOO_CACHE"
    echo "Cannot find or download the Odoo 18.0 source. Set ODOO_SRC to an Odoo 18.0 checkout (the folder holding odoo-bin) and run make again." >&2
    exit 1
  fi
  odoo_src=$ODOO_CACHE
fi
grep -q "version_info = (18, 0" "$odoo_src/odoo/release.py" || {
  echo "ODOO_SRC=$odoo_src is not Odoo 18.0. Point ODOO_SRC at an Odoo 18.0 checkout." >&2; exit 1; }

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }

# Stamps record what .venv was built from; only the part whose inputs changed is redone.
# A lock keeps concurrent `make` calls from running pip in the same venv at once.
exec 9>"$VENV/.setup.lock"
flock 9
quiet() { grep -v -e "is ignored: it is neither a file nor a directory" -e "^$" || true; }
odoo_stamp=$( (cat "$odoo_src/requirements.txt"; echo "$odoo_src") | sha256sum | cut -c1-16)
if [ "$(cat "$VENV/.odoo-stamp" 2>/dev/null)" != "$odoo_stamp" ]; then
  constraint=$(mktemp)
  echo 'setuptools<70' > "$constraint"
  log "installing Odoo 18 and its requirements into .venv (a few minutes the first time)"
  PIP_CONSTRAINT=$constraint "$VENV/bin/pip" install -q --disable-pip-version-check wheel 'setuptools<70' 2>&1 | quiet
  PIP_CONSTRAINT=$constraint "$VENV/bin/pip" install -q --disable-pip-version-check -r "$odoo_src/requirements.txt" 2>&1 | quiet
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e "$odoo_src" 2>&1 | quiet
  rm -f "$constraint"
  echo "$odoo_stamp" > "$VENV/.odoo-stamp"
  rm -f "$VENV/.suite-stamp"
fi
suite_stamp=$(sha256sum requirements.txt | cut -c1-16)
if [ "$(cat "$VENV/.suite-stamp" 2>/dev/null)" != "$suite_stamp" ]; then
  log "installing the suite's requirements (requirements.txt)"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt 2>&1 | quiet
  "$VENV/bin/python" -c "import odoo, fastapi, jwt, jsonpath_ng" || { echo "The virtualenv is incomplete: see the pip output above." >&2; exit 1; }
  echo "$suite_stamp" > "$VENV/.suite-stamp"
fi
dev_stamp=$(sha256sum requirements-dev.txt | cut -c1-16)
if [ "$(cat "$VENV/.dev-stamp" 2>/dev/null)" != "$dev_stamp" ]; then
  log "installing the repository's tools (requirements-dev.txt: packaging, readme pages, linters)"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | quiet
  echo "$dev_stamp" > "$VENV/.dev-stamp"
fi
# prettier and OCA's XML plugin for `make lint` (npm, into .venv/prettier): skipped without npm
prettier_pkgs="prettier@3.3.3 @prettier/plugin-xml@3.4.1"
if [ "$(cat "$VENV/prettier/.stamp" 2>/dev/null)" != "$prettier_pkgs" ]; then
  if command -v npm >/dev/null; then
    log "installing $prettier_pkgs into .venv/prettier (make lint)"
    # shellcheck disable=SC2086
    npm install --silent --no-save --prefix "$VENV/prettier" $prettier_pkgs >/dev/null 2>&1 \
      && echo "$prettier_pkgs" > "$VENV/prettier/.stamp" || log "npm could not install prettier: make lint and make test will say so"
  else
    log "no npm: make lint and make test fail (prettier) until node and npm are installed"
  fi
fi
echo "$odoo_src" > "$VENV/.odoo-src"
