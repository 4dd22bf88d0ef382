"""Thin Celery tasks: take ids or a date, call one service."""

import os
from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import deliveries, onboarding, scheduling, services
from .jobs import job_run, jobs_sweep
from .scheduling import daily_job


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def deliver_notifications(self, notification_ids: list[int]):
    """A batch of notices on SMS and group robots. Each delivery is claimed before it is sent,
    so running this twice (a retry, a redelivered message, two workers) sends nothing twice;
    when a peer failed in a way worth another try, the task runs again after the wait."""
    run = deliveries.notifications_deliver(notification_ids=notification_ids)
    limit = settings.MINGSHI_CHANNEL_MAX_ATTEMPTS
    if self.request.is_eager:
        if run.retry_in is not None:
            # Run in-process (no broker), Celery applies a retry that the task returns at
            # once; a raised one its eager tracer would propagate as a failure of the request.
            return self.retry(countdown=run.retry_in, max_retries=limit, throw=False)
    else:
        # A delivery held by another worker is looked at again once it would be stale: if
        # that worker died mid-send, this run's message came back at once, before then.
        waits = [w for w in (run.retry_in, run.recheck_in) if w is not None]
        if waits:
            raise self.retry(countdown=min(waits), max_retries=limit)
    return {"sent": run.sent, "not_sent": run.not_sent}


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int) -> bool:
    return onboarding.invitation_mail(invitation_id=invitation_id)


@daily_job("accounts.send_daily_digests")
def send_daily_digests_job(today: date) -> list[str]:
    """The morning digest covers yesterday."""
    sent = services.send_daily_digests(day=today - timedelta(days=1))
    return [f"{sent} digest(s) mailed"] if sent else []


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_daily_job(name: str, day: str | None = None) -> list[str]:
    """One scheduled job for ``day`` (ISO date; today when beat runs it)."""

    when = date.fromisoformat(day) if day else timezone.localdate()
    return scheduling.run_job(name, today=when).lines


@shared_task
def ping(value: str) -> str:
    """A round trip through the broker and the result backend, for health checks."""
    return f"pong:{value}"


# A copy of run_job that finds the job held by a live lease looks again this many times, once
# the lease could have lapsed: a pool process killed mid-job gets its message back at once,
# while the dead run's lease still looks alive.
HELD_JOB_RECHECKS = 3


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def run_job(self, job_id: int) -> str:
    worker = f"{self.request.hostname}:{os.getpid()}" if self.request.hostname else ""
    outcome = job_run(job_id=job_id, worker=worker)
    recheck = outcome == "held" and not self.request.is_eager
    if recheck and self.request.retries < HELD_JOB_RECHECKS:
        raise self.retry(
            countdown=settings.MINGSHI_JOB_LEASE_SECONDS + 1, max_retries=HELD_JOB_RECHECKS
        )
    return outcome


@shared_task(acks_late=True)
def sweep_stale_jobs() -> list[str]:
    """Every few minutes: restart or fail jobs whose worker died, resend lost ones."""

    return jobs_sweep()
