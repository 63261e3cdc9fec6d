#!/usr/bin/env bash
# Brings this machine to the point where Odoo 18 and the suite can run:
# Debian build libraries, Chromium for tours, the Odoo 18 source, and .venv/.
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

# The stamp holds what .venv was built from; a change to either requirements file or the source path rebuilds.
stamp_want=$(cat "$odoo_src/requirements.txt" requirements.txt | sha256sum | cut -c1-16)-$(echo "$odoo_src" | sha256sum | cut -c1-8)
stamp_file=$VENV/.g2p-stamp
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp_want" ]; then
  constraint=$(mktemp)
  echo 'setuptools<70' > "$constraint"
  export PIP_CONSTRAINT=$constraint PIP_DISABLE_PIP_VERSION_CHECK=1
  log "installing Odoo 18 requirements into .venv (a few minutes the first time)"
  "$VENV/bin/pip" install -q wheel 'setuptools<70'
  "$VENV/bin/pip" install -q -r "$odoo_src/requirements.txt"
  "$VENV/bin/pip" install -q --no-deps -e "$odoo_src"
  log "installing the suite's requirements"
  unset PIP_CONSTRAINT
  "$VENV/bin/pip" install -q -r requirements.txt
  rm -f "$constraint"
  echo "$stamp_want" > "$stamp_file"
fi
echo "$odoo_src" > "$VENV/.odoo-src"
