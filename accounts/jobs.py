"""Background jobs: long work for one user, run by Celery, with progress and a file at the end.

An app registers a runner with ``@job_runner("app.kind")``: ``runner(job, report) -> (filename,
bytes or a File)`` (a File is copied into the job's result in chunks: a big one built in a
temporary file or kept in storage never has to sit in memory), where ``report(done, total)`` stores
progress. The runner must check the owner's permission itself: the job runs later, perhaps after
the owner lost the right. A runner lets the exceptions of ``report()`` pass: one means that this
run no longer owns the job.

Jobs survive a dead worker. A worker claims a job with a conditional update that writes a lease
(``lease_expires_at``, its id in ``worker``, ``attempts`` + 1). While the runner works, a
heartbeat thread renews the lease every quarter of it, and every ``report()`` renews it and
checks that this run still holds the job. A worker that dies stops renewing, and then:

- the task's message comes back (acks are late: at once when only the pool process died, after
  the broker's visibility timeout when the whole worker did). A run that finds the lease lapsed
  takes the job over with the same kind of conditional update, so two copies cannot both win,
  and starts it again from the beginning (runners build a whole file); a run that finds the
  lease alive leaves the job alone ("held"; the task looks again once that lease could lapse);
- ``jobs_sweep`` (every few minutes, config/schedule.py) puts running jobs whose lease lapsed
  back on the queue, fails them and tells their owner once they were started
  ``MINGSHI_JOB_MAX_ATTEMPTS`` times, and sends again queued jobs that no worker took up.

Every status change is recorded with ``audit_record``; a run that lost its lease writes nothing.
"""

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from .models import Job, JobStatus, User
from .services import audit_record, notify

logger = logging.getLogger(__name__)
_RUNNERS: dict[str, Callable] = {}


class JobRefused(Exception):
    """The runner refuses (no permission, nothing to do); the message is shown to the owner."""


class LeaseLost(Exception):
    """This run no longer holds its job (its lease lapsed and another run took the job over)."""


def job_runner(kind: str):
    def register(fn):
        _RUNNERS[kind] = fn
        return fn

    return register


def job_start(*, actor: User, kind: str, title: str, params: dict) -> Job:
    if kind not in _RUNNERS:
        raise LookupError(f"no job runner {kind!r}")
    job = Job.objects.create(owner=actor, kind=kind, title=title[:200], params=params)
    audit_record(actor=actor, obj=job, verb="accounts.job.queued", to_state=JobStatus.QUEUED)
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    # The task module calls back into this one (the task runs the job through job_run).
    from .tasks import run_job  # noqa: PLC0415

    run_job.delay(job_id)


def worker_id() -> str:
    """Who holds a lease: host and process, enough for an administrator to find it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease() -> timedelta:
    return timedelta(seconds=settings.MINGSHI_JOB_LEASE_SECONDS)


def _attempt_note(job: Job) -> str:
    return f"{job.attempts}/{settings.MINGSHI_JOB_MAX_ATTEMPTS}"


# --- running ---------------------------------------------------------------------------------


def job_run(*, job_id: int, worker: str = "") -> str:
    """Run a job if no live worker holds it, and say what happened.

    ``done``, ``refused`` (the runner said no), ``failed``; ``held`` when another worker holds a
    live lease on it (nothing was run); ``lost`` when this run's lease lapsed and another run
    took the job over meanwhile (nothing more was written); ``skipped`` when the job is finished
    or gone (a retried task runs nothing).
    """
    job = _claim(job_id, worker=worker or worker_id())
    if job is None:
        return _unclaimed(job_id)
    attempt = job.attempts

    def report(done: int, total: int) -> None:
        _renew(job_id, attempt, progress=done, total=total)

    heartbeat = _Heartbeat(job_id, attempt)
    heartbeat.start()
    try:
        filename, content = _RUNNERS[job.kind](job, report)
    except LeaseLost:
        logger.warning(
            "job %s lost its lease (attempt %s): another run took it over", job_id, attempt
        )
        return "lost"
    except JobRefused as exc:
        return _fail(job, attempt, error=str(exc), outcome="refused")
    except SoftTimeLimitExceeded:
        logger.warning("job %s (%s) hit the soft time limit", job_id, job.kind)
        return _fail(job, attempt, error=_in_owner_language(job, _too_long_message))
    except Exception:  # the owner reads that it failed; the log has the traceback
        logger.exception("job %s (%s) failed", job_id, job.kind)
        return _fail(job, attempt, error="")
    finally:
        heartbeat.stop()
    return _complete(job, attempt, filename, content)


def _claim(job_id: int, *, worker: str) -> Job | None:
    """Take the job if it waits, or if its worker's lease lapsed and starts remain."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or not job_claim(job=job, worker=worker):
        return None
    return job


def job_claim(*, job: Job, worker: str) -> bool:
    """Claim ``job`` as last read, for ``worker``: the guarded step of every start.

    The update is conditional on the status and attempt count that were read: every claim
    raises the count, so of two runs that read the same row only one update matches, whether
    they run one after the other or at once (PostgreSQL checks the condition again on the row
    the first one committed). On success ``job`` holds the new lease.
    """
    now = timezone.now()
    if job.attempts >= settings.MINGSHI_JOB_MAX_ATTEMPTS:
        return False
    if job.status == JobStatus.QUEUED:
        takeable = Q(status=JobStatus.QUEUED)
    elif job.status == JobStatus.RUNNING and _lapsed(job.lease_expires_at, now):
        takeable = Q(status=JobStatus.RUNNING) & (
            Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
        )
    else:
        return False
    fields = {
        "status": JobStatus.RUNNING,
        "attempts": job.attempts + 1,
        "worker": worker[:200],
        "started_at": now,
        "heartbeat_at": now,
        "lease_expires_at": now + _lease(),
        "progress": 0,
        "total": 0,
        "error": "",
    }
    claimed = Job.objects.filter(takeable, pk=job.pk, attempts=job.attempts).update(**fields)
    if not claimed:
        return False
    source, previous_worker = job.status, job.worker
    for name, value in fields.items():
        setattr(job, name, value)
    if source == JobStatus.RUNNING:
        verb = "accounts.job.restarted"
        comment = f"{_attempt_note(job)} · {previous_worker} → {worker}"
    else:
        verb, comment = "accounts.job.started", f"{_attempt_note(job)} · {worker}"
    audit_record(
        actor=None,
        obj=job,
        verb=verb,
        from_state=source,
        to_state=JobStatus.RUNNING,
        comment=comment,
        idempotency_key=f"accounts.job.claimed:{job.pk}:{job.attempts}",
    )
    return True


def _lapsed(lease_expires_at: datetime | None, now: datetime) -> bool:
    return lease_expires_at is None or lease_expires_at < now


def _unclaimed(job_id: int) -> str:
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return "skipped"
    now = timezone.now()
    out_of_starts = job.attempts >= settings.MINGSHI_JOB_MAX_ATTEMPTS
    if out_of_starts and (job.status == JobStatus.QUEUED or _lapsed(job.lease_expires_at, now)):
        return "failed" if _give_up(job) else "skipped"
    if job.status == JobStatus.RUNNING:
        return "held"
    return "skipped"


def _renew(job_id: int, attempt: int, **fields) -> None:
    """Extend this run's lease (and store ``fields``); raise LeaseLost if the job is not ours."""
    now = timezone.now()
    renewed = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
        heartbeat_at=now, lease_expires_at=now + _lease(), **fields
    )
    if not renewed:
        raise LeaseLost(job_id)


class _Heartbeat(threading.Thread):
    """Renews the lease while a runner spends long on one step between two reports.

    Best effort on its own connection: a lost lease is noticed by the runner's next report and
    by the final write, which are conditional on the same attempt.
    """

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self.finished = threading.Event()

    def run(self) -> None:
        interval = max(settings.MINGSHI_JOB_LEASE_SECONDS / 4, 0.05)
        try:
            while not self.finished.wait(interval):
                try:
                    _renew(self.job_id, self.attempt)
                except LeaseLost:
                    return
                except DatabaseError:
                    logger.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self) -> None:
        self.finished.set()
        self.join(timeout=30)


def _complete(job: Job, attempt: int, filename: str, content: bytes | File) -> str:
    if isinstance(content, File):
        with content.open("rb"):
            job.result.save(filename, content, save=False)
    else:
        job.result.save(filename, ContentFile(content), save=False)
    now = timezone.now()
    finished = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt).update(
        result=job.result.name,
        result_name=filename,
        status=JobStatus.DONE,
        finished_at=now,
        lease_expires_at=None,
    )
    if not finished:  # taken over while we wrote: the other run's file stands
        job.result.delete(save=False)
        return "lost"
    audit_record(
        actor=None,
        obj=job,
        verb="accounts.job.finished",
        from_state=JobStatus.RUNNING,
        to_state=JobStatus.DONE,
        comment=_attempt_note(job),
    )
    return "done"


def _fail(job: Job, attempt: int, *, error: str, outcome: str = "failed") -> str:
    failed = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now(), lease_expires_at=None
    )
    if not failed:
        return "lost"
    audit_record(
        actor=None,
        obj=job,
        verb="accounts.job.failed",
        from_state=JobStatus.RUNNING,
        to_state=JobStatus.FAILED,
        comment=error or outcome,
    )
    return outcome


def _in_owner_language(job: Job, message: Callable[[Job], str]) -> str:
    """Stored messages are read by the owner: write them in the owner's language."""
    with translation.override(job.owner.language or settings.LANGUAGE_CODE):
        return str(message(job))


def _too_long_message(job: Job) -> str:
    minutes = max(round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60), 1)
    return ngettext(
        "It took longer than the server allows (%(minutes)s minute) and was stopped. Try a "
        "smaller selection, or ask the administrators for help.",
        "It took longer than the server allows (%(minutes)s minutes) and was stopped. Try a "
        "smaller selection, or ask the administrators for help.",
        minutes,
    ) % {"minutes": minutes}


def _given_up_message(job: Job) -> str:
    return ngettext(
        "The server stopped while preparing this, %(count)s time, so it was given up. Please "
        "start it again; if the same happens, tell the administrators.",
        "The server stopped while preparing this, %(count)s times, so it was given up. Please "
        "start it again; if the same happens, tell the administrators.",
        job.attempts,
    ) % {"count": job.attempts}


# --- recovering ------------------------------------------------------------------------------


def _give_up(job: Job) -> bool:
    """Fail a job whose worker kept dying (or that waited with no start left); tell the owner."""
    error = _in_owner_language(job, _given_up_message)
    source = job.status
    failed = Job.objects.filter(
        pk=job.pk, status=source, attempts=job.attempts, lease_expires_at=job.lease_expires_at
    ).update(
        status=JobStatus.FAILED, error=error, finished_at=timezone.now(), lease_expires_at=None
    )
    if not failed:
        return False
    job.status, job.error = JobStatus.FAILED, error
    audit_record(
        actor=None,
        obj=job,
        verb="accounts.job.failed",
        from_state=source,
        to_state=JobStatus.FAILED,
        comment=f"{_attempt_note(job)} · {error}",
        idempotency_key=f"accounts.job.failed:{job.pk}",
    )
    title = job.title
    notify(
        [job.owner],
        verb="accounts.job.failed",
        title=lambda: gettext("“%(title)s” could not be finished") % {"title": title},
        body=lambda: _given_up_message(job),
        url=reverse("accounts:job_detail", args=[job.pk]),
        obj=job,
        dedupe_key=f"accounts.job.failed:{job.pk}",
    )
    return True


def _requeue(job: Job, now: datetime) -> bool:
    """Put a running job whose lease lapsed back on the queue, to start from the beginning."""
    requeued = (
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)
        .filter(Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
        .update(
            status=JobStatus.QUEUED,
            queued_at=now,
            worker="",
            lease_expires_at=None,
            progress=0,
            total=0,
        )
    )
    if not requeued:
        return False
    audit_record(
        actor=None,
        obj=job,
        verb="accounts.job.requeued",
        from_state=JobStatus.RUNNING,
        to_state=JobStatus.QUEUED,
        comment=f"{_attempt_note(job)} · {job.worker}",
        idempotency_key=f"accounts.job.requeued:{job.pk}:{job.attempts}",
    )
    transaction.on_commit(lambda: _send(job.pk))
    return True


def _resend(job: Job, now: datetime) -> bool:
    """Send again a queued job that no worker took up (its message was lost)."""
    resent = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED, queued_at=job.queued_at).update(
        queued_at=now
    )
    if not resent:
        return False
    audit_record(
        actor=None,
        obj=job,
        verb="accounts.job.resent",
        from_state=JobStatus.QUEUED,
        to_state=JobStatus.QUEUED,
        comment=job.queued_at.isoformat(),
        idempotency_key=f"accounts.job.resent:{job.pk}:{job.queued_at.isoformat()}",
    )
    transaction.on_commit(lambda: _send(job.pk))
    return True


def jobs_sweep(*, now: datetime | None = None) -> list[str]:
    """Recover jobs that a dead worker or a lost message left behind; one line per job.

    Idempotent: every change is a conditional update on the state just read, so a second
    sweep, or one racing a redelivered task, changes nothing that the first already did.
    """
    now = now or timezone.now()
    max_attempts = settings.MINGSHI_JOB_MAX_ATTEMPTS
    lines = []
    stale = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
    )
    for job in stale.select_related("owner").order_by("pk"):
        with transaction.atomic():
            if job.attempts < max_attempts and _requeue(job, now):
                lines.append(f"job {job.pk} requeued after attempt {_attempt_note(job)}")
            elif job.attempts >= max_attempts and _give_up(job):
                lines.append(f"job {job.pk} failed after attempt {_attempt_note(job)}")
    waiting = Job.objects.filter(
        status=JobStatus.QUEUED,
        queued_at__lt=now - timedelta(seconds=settings.MINGSHI_JOB_QUEUED_GRACE_SECONDS),
    )
    for job in waiting.select_related("owner").order_by("pk"):
        with transaction.atomic():
            if job.attempts >= max_attempts and _give_up(job):
                lines.append(f"job {job.pk} failed: queued with no start left")
            elif job.attempts < max_attempts and _resend(job, now):
                lines.append(f"job {job.pk} sent again after waiting since {job.queued_at:%H:%M}")
    return lines
