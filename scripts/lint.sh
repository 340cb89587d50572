#!/usr/bin/env bash
# Lint and format check, with the ruff that scripts/test.sh installed into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
