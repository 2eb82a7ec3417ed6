#!/usr/bin/env bash
# The test command: set up what the tests need, then run the whole suite (unit, integration on
# real PostgreSQL and Redis, E2E in real Chromium, contract, load). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
