"""The one schedule of every periodic job (Celery beat reads it; run_jobs replays it by hand)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "accounts.send_daily_digests": {
        "task": "accounts.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
