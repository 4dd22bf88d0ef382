"""The one schedule of every periodic job. Beat runs the daily jobs once a day (run_jobs replays
them by hand) and a few housekeeping tasks every few minutes.

Every daily job is registered in its app's tasks.py with accounts.scheduling.daily_job and is
idempotent, so a beat that fires twice, or a worker that retries, changes nothing.
"""

from celery.schedules import crontab

DAILY_JOBS = [
    # (job, hour, minute): deadlines first, then what follows from them, then reminders and mail.
    ("applications.close_calls", 0, 10),
    ("applications.end_notice_periods", 0, 15),
    ("applications.remind_call_deadlines", 7, 30),
    ("applications.remind_reviewers", 7, 35),
    ("studios.flag_unmet_quotas", 1, 0),
    ("assessments.open_term_evaluations", 1, 30),
    ("studios.remind_unconfirmed_attendance", 7, 40),
    ("assessments.expire_rectifications", 0, 20),
    ("assessments.open_annual_reports", 0, 30),
    ("assessments.remind_report_deadlines", 7, 50),
    ("accounts.send_daily_digests", 7, 0),
]

# (task, minutes between runs): housekeeping that cannot wait for the next day.
FREQUENT_TASKS = [
    # Background jobs whose worker died are restarted (or failed, and their owner told) a few
    # minutes after their lease lapsed; see accounts/jobs.py.
    ("accounts.tasks.sweep_stale_jobs", 2),
    # The worker's heartbeat, read by /healthz (core/health.py).
    ("core.tasks.worker_heartbeat", 1),
]

BEAT_SCHEDULE = {
    name: {
        "task": "accounts.tasks.run_daily_job",
        "schedule": crontab(hour=hour, minute=minute),
        "args": (name,),
    }
    for name, hour, minute in DAILY_JOBS
}
BEAT_SCHEDULE.update(
    {
        task: {"task": task, "schedule": crontab(minute=f"*/{minutes}")}
        for task, minutes in FREQUENT_TASKS
    }
)
