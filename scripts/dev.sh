#!/usr/bin/env bash
# One command from a clean clone to the running app with demo data, on the embedded default:
# SQLite, Celery tasks run in-process (no Redis), mail printed on the console.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
unset DATABASE_URL CELERY_BROKER_URL
# Migrations, the demo data, and no lockouts left from trying it last time (they would refuse
# every login), in one process; then the server (its checks ran with the migrations).
.venv/bin/python manage.py seed_demo --migrate --reset-lockouts
echo "==> serving http://127.0.0.1:${PORT:-8000}/  (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver --skip-checks "127.0.0.1:${PORT:-8000}"
