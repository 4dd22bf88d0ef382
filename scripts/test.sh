#!/usr/bin/env bash
# One command from a clean clone to the whole test suite: setup, services, checks, pytest.
# Uses PostgreSQL and Redis on 127.0.0.1 when they answer (starting them if installed but
# stopped) and says which database it ran on. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

start_postgres() {
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster "$version" main status >/dev/null 2>&1 ||
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  fi
  return 1
}
start_redis() {
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  fi
  return 1
}

if command -v pg_isready >/dev/null 2>&1 && start_postgres; then
  export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/mingshi}
  # pytest-django makes its own test_<name>; the plain one lets manage.py checks connect.
  dbname=${DATABASE_URL##*/}
  psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$dbname'" 2>/dev/null |
    grep -q 1 || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$dbname\"" >/dev/null 2>&1 || true
  echo "==> test database: PostgreSQL at 127.0.0.1:5432 ($DATABASE_URL)"
else
  export DATABASE_URL=sqlite:///$(pwd)/var/test.sqlite3
  mkdir -p var
  echo "==> test database: SQLite (no PostgreSQL answered on 127.0.0.1:5432)"
fi
if command -v redis-cli >/dev/null 2>&1 && start_redis; then
  export MINGSHI_TEST_REDIS_URL=${MINGSHI_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
  echo "==> Redis: $MINGSHI_TEST_REDIS_URL (tests with a real Celery worker run)"
else
  unset MINGSHI_TEST_REDIS_URL
  echo "==> Redis: none answered on 127.0.0.1:6379 (tests with a real Celery worker are skipped)"
fi
unset CELERY_BROKER_URL

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check -q .
echo "==> the layers contract (import-linter)"
contracts=$(.venv/bin/lint-imports --no-cache 2>&1) || { echo "$contracts"; exit 1; }
echo "$contracts" | tail -n 1
echo "==> migrations match the models"
DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
echo "==> pytest"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# The slowest tests are listed at the end, so that a suite growing slower shows where.
exec .venv/bin/python -m pytest --browser chromium --durations=20 "$@"
