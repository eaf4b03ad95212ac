#!/usr/bin/env bash
# Set up everything the test suite needs on this machine, then run all of it twice: against
# PostgreSQL, Redis and Celery workers, and on the embedded default (SQLite, tasks
# in-process). System packages (only those missing), the services (only if nothing
# listens), a database role, the venv, ruff, pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log "system packages"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for pkg in fonts-dejavu-core fonts-liberation libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

log "services"
if ! port_open 5432; then
  echo "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
if ! port_open 6379; then
  echo "starting Redis"
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
for _ in $(seq 1 30); do port_open 5432 && port_open 6379 && break; sleep 1; done
port_open 5432 && port_open 6379 && echo "PostgreSQL and Redis are listening"

log "database role lms (password lms, CREATEDB)"
psql_admin() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"
  else
    psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qtA "$@"
  fi
}
psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lms') THEN
    CREATE ROLE lms LOGIN PASSWORD 'lms' CREATEDB;
  ELSE
    ALTER ROLE lms LOGIN PASSWORD 'lms' CREATEDB;
  END IF;
END \$\$;"
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'lms'")" ]; then
  psql_admin -c "CREATE DATABASE lms OWNER lms"
fi

log "python environment"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import django, celery, playwright, axe_playwright_python"

log "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# Two passes: the production stack, then the embedded default exactly as `make run` has it
# (SQLite, tasks in-process, console mail). Tests marked `postgres` or `redis` are skipped
# in the second pass with their reason. TEST_DATABASES=postgres (or sqlite) runs one pass.
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
run_pytest() {
  set +e
  .venv/bin/pytest -p no:randomly "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here" >&2
    return 1
  fi
  return "$status"
}
passes="${TEST_DATABASES:-postgres sqlite}"
status=0
if [[ " $passes " == *" postgres "* ]]; then
  log "pytest (PostgreSQL + Redis + Celery workers)"
  DATABASE_URL="${DATABASE_URL:-postgres://lms:lms@127.0.0.1:5432/lms}" \
  REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}" \
    run_pytest "$@" || status=1
fi
if [[ " $passes " == *" sqlite "* ]]; then
  log "pytest (embedded default, as make run: SQLite, tasks in-process)"
  DATABASE_URL="sqlite:///$PWD/db.sqlite3" REDIS_URL="" run_pytest "$@" || status=1
fi
exit "$status"
