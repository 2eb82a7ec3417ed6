#!/usr/bin/env bash
# Set up, then run `invoke ci` on this repository (the same checks GitHub Actions runs).
# Arguments go to `invoke ci`, e.g. ./scripts/ci.sh --profile quick
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/invoke ci "$@"
