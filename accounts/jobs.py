"""Background jobs: long work for one user, run by Celery, with progress and a file at the end.

An app registers a runner with ``@job_runner("app.kind")``: ``runner(job, report) -> (filename,
bytes)``, where ``report(done, total)`` stores progress. The runner must check the owner's
permission itself: the job runs later, perhaps after the owner lost the right.
"""

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import Job, JobStatus, User

logger = logging.getLogger(__name__)
_RUNNERS: dict[str, Callable] = {}


class JobRefused(Exception):
    """The runner refuses (no permission, nothing to do); the message is shown to the owner."""


def job_runner(kind: str):
    def register(fn):
        _RUNNERS[kind] = fn
        return fn

    return register


def job_start(*, actor: User, kind: str, title: str, params: dict) -> Job:
    if kind not in _RUNNERS:
        raise LookupError(f"no job runner {kind!r}")
    job = Job.objects.create(owner=actor, kind=kind, title=title[:200], params=params)

    def queue():
        from .tasks import run_job

        run_job.delay(job.pk)

    transaction.on_commit(queue)
    return job


def job_run(*, job_id: int) -> str:
    """Run a queued job once: the claim is a conditional update, so a retry runs nothing."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return "skipped"
    job = Job.objects.select_related("owner").get(pk=job_id)

    def report(done: int, total: int) -> None:
        Job.objects.filter(pk=job_id).update(progress=done, total=total)

    try:
        filename, content = _RUNNERS[job.kind](job, report)
    except JobRefused as exc:
        _finish(job_id, status=JobStatus.FAILED, error=str(exc))
        return "refused"
    except Exception as exc:  # the owner sees that it failed; the log has the traceback
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, status=JobStatus.FAILED, error=type(exc).__name__)
        return "failed"
    job.result.save(filename, ContentFile(content), save=False)
    Job.objects.filter(pk=job_id).update(
        result=job.result.name,
        result_name=filename,
        status=JobStatus.DONE,
        finished_at=timezone.now(),
    )
    return "done"


def _finish(job_id: int, *, status: str, error: str) -> None:
    Job.objects.filter(pk=job_id).update(status=status, error=error, finished_at=timezone.now())
