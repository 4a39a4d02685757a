#!/usr/bin/env bash
# Set up .venv (if needed) and run every check CI runs: ruff, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# nginx (Debian's package) for the HTTP tier (tests/helpers/nginx.py): installed where
# apt-get is there and we are root; elsewhere its tests skip and say why.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ "$(id -u)" = 0 ] &&
   command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q --no-install-recommends nginx-light ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends nginx-light; }
  } >/dev/null 2>&1 || echo "note: nginx could not be installed; its tests will skip" >&2
fi
ruff check .
ruff format --check .
mypy
python -m pytest "$@"
