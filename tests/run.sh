#!/usr/bin/env bash
# The project's checks: lint, types, then every test (slow end-to-end ones included).
# pytest's "no tests collected" (exit 5) is a failure here, as is any other non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check graders reference tests tools benchmarks grade.py
ruff format --check graders reference tests tools benchmarks grade.py
mypy
python -m pytest -q "$@"
