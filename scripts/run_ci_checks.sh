#!/usr/bin/env bash
# The plan's local CI script (Task 5.4): the checks GitHub Actions runs, on this machine.
# A thin wrapper over `invoke ci`: every argument goes to it, e.g.
#   ./scripts/run_ci_checks.sh --profile quick      # lint, types, tests, docs, security scans
#   ./scripts/run_ci_checks.sh --only lint,docs
# Sets up first (Python part only) when .venv is missing; `./scripts/setup.sh` does everything.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/invoke ]; then
  ./scripts/setup.sh python
fi
exec .venv/bin/invoke ci "$@"
