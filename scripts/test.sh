#!/usr/bin/env bash
# Set up .venv (if needed) and run every check CI runs: ruff, mypy --strict, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
ruff check envlock tests bench
ruff format --check envlock tests bench
mypy
python -m pytest "$@"
