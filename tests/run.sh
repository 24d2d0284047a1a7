#!/usr/bin/env bash
# The project's checks: lint, types, then every test (slow end-to-end ones included).
# pytest's "no tests collected" (exit 5) is a failure here, as is any other non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
mypy
python -m pytest -q "$@"
