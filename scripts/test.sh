#!/usr/bin/env bash
# Install aidmap with its test dependencies into .venv, then run the tests
# (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=25.1"
.venv/bin/python -m pip install -q -e ".[postgis]" --group dev
# The published OGC API conformance suite (tests/api/test_ogc_suite.py), in a venv of its own:
# it pins httpx<0.28 and pytest<9, older than ours.
[ -x .venv-ogctests/bin/python ] || python3 -m venv .venv-ogctests
.venv-ogctests/bin/python -m pip install -q "ogctests==0.1.15"
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
# GDAL's ogrinfo, a real OGC API – Features client (tests/api/test_ogc_suite.py).
command -v ogrinfo >/dev/null || apt_install gdal-bin
if command -v pg_lsclusters >/dev/null; then
  for version in $(pg_lsclusters -h | awk '$4 == "online" {print $1}' | sort -u); do
    [ -e "/usr/share/postgresql/$version/extension/postgis.control" ] \
      || apt_install "postgresql-$version-postgis-3"
  done
fi
# The pinned npm sources of geodata/, so the provenance test can rebuild it.
if command -v npm >/dev/null; then npm ci --prefix scripts --no-audit --no-fund --loglevel=error; fi
.venv/bin/python -m pytest "$@"
