"""Thin Celery tasks: take ids or a date, call one service."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True)
def send_daily_digests(day: str | None = None) -> int:
    """Mail the digests for ``day`` (ISO date; yesterday's when beat runs it in the morning)."""
    when = date.fromisoformat(day) if day else timezone.localdate() - timezone.timedelta(days=1)
    return services.send_daily_digests(day=when)


@shared_task
def ping(value: str) -> str:
    """A round trip through the broker and the result backend, for health checks."""
    return f"pong:{value}"


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    from .jobs import job_run

    return job_run(job_id=job_id)
