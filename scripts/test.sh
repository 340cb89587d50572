#!/usr/bin/env bash
# Install aidmap with its test dependencies into .venv, then run the tests
# (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=25.1"
.venv/bin/python -m pip install -q -e ".[postgis]" --group dev
# System packages some tests need, installed with apt-get when missing: Debian's Chromium
# (driven by Playwright, no browser download) and a CJK font for the page screenshots; the
# PostGIS extension matching each running PostgreSQL server (the PostGIS backend tests).
apt_install() {
  command -v apt-get >/dev/null || return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$@" >/dev/null; }
}
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; then
  apt_install chromium fonts-wqy-microhei
fi
# Caddy, the proxy in front of the app in the path-prefix and HTTPS tests (tests/web/), and
# NSS's certutil, which makes the test's Chromium trust Caddy's own CA.
command -v caddy >/dev/null || apt_install caddy
command -v certutil >/dev/null || apt_install libnss3-tools
if command -v pg_lsclusters >/dev/null; then
  for version in $(pg_lsclusters -h | awk '$4 == "online" {print $1}' | sort -u); do
    [ -e "/usr/share/postgresql/$version/extension/postgis.control" ] \
      || apt_install "postgresql-$version-postgis-3"
  done
fi
# The pinned npm sources of geodata/, so the provenance test can rebuild it.
if command -v npm >/dev/null; then npm ci --prefix scripts --no-audit --no-fund --loglevel=error; fi
.venv/bin/python -m pytest "$@"
