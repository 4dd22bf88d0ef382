"""Tasks of the applications app: scheduled jobs (each calls one service with the day it runs
for; why each is idempotent is in ``applications.deadlines``) and the PDF pre-rendering.
"""

from datetime import date

from celery import shared_task

from accounts.scheduling import daily_job

from . import deadlines, reminders, renditions


@shared_task(acks_late=True)
def prerender_application_pdfs(application_id: int) -> list[str]:
    """Lay out and store an application's PDFs (idempotent: a current one is left alone)."""
    return renditions.application_pdfs_refresh(application_id=application_id)


@daily_job("applications.close_calls")
def close_calls(today: date) -> list[str]:
    return deadlines.calls_close_due(today=today)


@daily_job("applications.end_notice_periods")
def end_notice_periods(today: date) -> list[str]:
    return deadlines.notice_periods_end_due(today=today)


@daily_job("applications.remind_call_deadlines")
def remind_call_deadlines(today: date) -> list[str]:
    return deadlines.call_deadline_reminders_send(today=today)


@daily_job("applications.remind_reviewers")
def remind_reviewers(today: date) -> list[str]:
    return reminders.reviewer_reminders_send(today=today)
