#!/usr/bin/env bash
# Gives every addon of the suite its pyproject.toml (whool) and its setup/<addon> link.
set -euo pipefail
cd "$(dirname "$0")/.."
for manifest in */__manifest__.py; do
  addon=$(dirname "$manifest")
  [ -f "$addon/pyproject.toml" ] || printf '[build-system]\nrequires = ["whool"]\nbuild-backend = "whool.buildapi"\n' > "$addon/pyproject.toml"
  ln -sfn "../$addon" "setup/$addon"
done
