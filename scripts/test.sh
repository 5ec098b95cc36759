#!/usr/bin/env bash
# Install everything and run every check: lint, types, the tests on PostgreSQL, then the
# portable tests again on SQLite. Exits non-zero if anything fails (no tests run is a failure).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "services"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then  # axe-core for the browser tests' accessibility checks
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
npm ci --prefix tests/storefront/axe --no-audit --no-fund --loglevel=error

step "python environment"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
.venv/bin/pybabel compile -d src/vitrina/locale -D messages -f >/dev/null 2>&1 || true

step "ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench

step "mypy"
.venv/bin/mypy

run_pytest() {
  local status=0
  .venv/bin/pytest "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure" >&2
    return 1
  fi
  return "$status"
}

step "tests on PostgreSQL"
mkdir -p artifacts
run_pytest -p no:cacheprovider

step "portable tests on SQLite"
VITRINA_TEST_DATABASE=sqlite run_pytest -p no:cacheprovider -m "not postgres_only and not browser" -q

step "the README's first command in a clean copy"
bash scripts/check_quickstart.sh
