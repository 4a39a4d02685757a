#!/usr/bin/env bash
# Create .venv with envlock (editable) and its test tools; quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setting up .venv (first run: about 20 s)" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.envlock-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  log=$(mktemp)
  if ! { .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[test]'; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup failed: pip could not install envlock's dependencies (log above)" >&2
    exit 4
  fi
  rm -f "$log"
  touch "$stamp"
fi
