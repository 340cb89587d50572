#!/usr/bin/env bash
# Lint and format check: Python with the ruff that scripts/test.sh installed into .venv, the
# pages' JavaScript with the ESLint pinned in scripts/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
[ -x scripts/node_modules/.bin/eslint ] \
  || npm ci --prefix scripts --no-audit --no-fund --loglevel=error
scripts/node_modules/.bin/eslint --config scripts/eslint.config.mjs app/web/static/ app/web/snapshot/
