#!/usr/bin/env bash
# One command from a clean clone to the running app with demo data, on the embedded default:
# SQLite, Celery tasks run in-process (no Redis), mail printed on the console.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
unset DATABASE_URL CELERY_BROKER_URL
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
# A demo start begins unlocked: lockouts left from trying it last time would refuse every login.
.venv/bin/python manage.py axes_reset -v0 >/dev/null
echo "==> serving http://127.0.0.1:${PORT:-8000}/  (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
