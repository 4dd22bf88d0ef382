"""A real worker on Redis is killed in the middle of a call's PDF packet; the job still finishes.

The worker (``tests/accounts/job_worker.py``: ``celery -A config worker`` plus one test-only kind
that builds the real packet but holds after its first form on the first start) runs against
this test's PostgreSQL database. Short leases and visibility timeout come from the environment,
as an operator would set them. Every wait is bounded; every process is killed in ``finally``.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEntry, Job, JobStatus
from applications.models import ApplicationStatus
from tests.applications.factories import advance, open_call, submitted, teacher_at

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")
LEASE_SECONDS = 3
VISIBILITY_SECONDS = 8

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="no Redis answered (scripts/test.sh sets it)"),
    pytest.mark.django_db(transaction=True),
]


class Workers:
    """Real worker processes, each in its own process group so that one kill takes it whole."""

    def __init__(self, tmp_path: Path, queue: str):
        self.tmp_path, self.queue, self.started = tmp_path, queue, []
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            ),
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_RESULT_BACKEND": REDIS_URL,
            "MINGSHI_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        }

    def start(self) -> subprocess.Popen:
        name = f"w{len(self.started) + 1}"
        log = (self.tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.accounts.job_worker",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "--pool=prefork",
                "--concurrency=1",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}-{self.queue}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL to the worker and its pool at once: nothing gets to acknowledge or clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.tmp_path.glob("w*.log"))
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                self.kill(process)


def wait_for(predicate, *, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{workers.logs()}")


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def _pool_pid(job: Job) -> int:
    """The pool process that holds the lease: the worker id ends with its pid."""
    return int(re.search(r":(\d+)$", job.worker).group(1))


@pytest.fixture
def packet_job(demo):
    """A call with three applications at the city, and its packet job queued for lz_city."""
    call = open_call()
    schools = ["liucheng-sx", "liucheng-zx", "luzhai-sx"]
    for i, school in enumerate(schools):
        advance(submitted(call, teacher_at(school, f"killed{i}")), ApplicationStatus.AT_CITY)
    # What job_start writes; its task goes to this test's worker queue instead of running
    # eagerly in the test process (the test-only kind is known to the worker only).
    return Job.objects.create(
        owner=demo.user("lz_city"),
        kind="tests.interruptible_packet",
        title="packet",
        params={"call": call.pk},
    )


@pytest.fixture
def workers(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"mingshi-killed-{uuid.uuid4().hex[:8]}"
    pool = Workers(tmp_path, queue)
    try:
        yield pool
    finally:
        pool.stop_all()
        import redis

        # the queue and kombu's bindings for it (nothing is left unacknowledged once done)
        redis.Redis.from_url(REDIS_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def _send(workers: Workers, job: Job) -> None:
    from celery import Celery

    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    client.send_task("accounts.tasks.run_job", args=[job.pk], queue=workers.queue)


def _held_mid_job(workers: Workers, job: Job) -> Job:
    """Wait until the first start has made its first form and holds the job."""
    return wait_for(
        lambda: (j := _job(job.pk)).attempts == 1 and j.progress >= 1 and j,
        timeout=180,
        what="the first start to make its first form",
        workers=workers,
    )


def _assert_finished_after_a_restart(workers: Workers, job: Job, client_for) -> None:
    done = wait_for(
        lambda: (j := _job(job.pk)).status in (JobStatus.DONE, JobStatus.FAILED) and j,
        timeout=180,
        what="the job to finish after the restart",
        workers=workers,
    )
    assert done.status == JobStatus.DONE, f"{done.error}\n{workers.logs()}"
    assert (done.attempts, done.progress, done.total) == (2, 3, 3)
    verbs = list(
        AuditEntry.objects.filter(object_id=str(job.pk), verb__startswith="accounts.job.")
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["accounts.job.started", "accounts.job.restarted", "accounts.job.finished"]
    client = client_for("lz_city")
    page = client.get(reverse("accounts:job_detail", args=[job.pk])).content.decode()
    assert 'data-status="done"' in page
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    assert len(PdfReader(BytesIO(content)).pages) >= 3  # every application's form


def test_a_job_whose_pool_process_is_killed_is_restarted_and_finishes(
    packet_job, workers, client_for
):
    """The issue's case: the pool process dies mid-packet; the worker redelivers the task at
    once, finds the dead run's lease still alive, looks again once it lapsed, and restarts."""
    worker = workers.start()
    _send(workers, packet_job)
    held = _held_mid_job(workers, packet_job)
    os.kill(_pool_pid(held), signal.SIGKILL)
    assert worker.poll() is None  # the worker itself lives on, with a new pool process
    _assert_finished_after_a_restart(workers, packet_job, client_for)


def test_a_job_whose_whole_worker_is_killed_finishes_on_a_new_worker(
    packet_job, workers, client_for
):
    """Worker and pool killed together: the unacknowledged message waits in Redis; a new worker
    takes it back after the visibility timeout, finds the lease lapsed, and restarts the job."""
    first = workers.start()
    _send(workers, packet_job)
    held = _held_mid_job(workers, packet_job)
    workers.kill(first)
    time.sleep(0.5)
    still = _job(packet_job.pk)
    assert (still.status, still.attempts) == (JobStatus.RUNNING, 1)  # what the dead left
    # Delivered before the claim; once the visibility timeout passed since, a new worker
    # restores the message as it starts.
    wait_for(
        lambda: time.time() > held.started_at.timestamp() + VISIBILITY_SECONDS + 1,
        timeout=VISIBILITY_SECONDS + 5,
        what="the visibility timeout",
        workers=workers,
    )
    workers.start()
    _assert_finished_after_a_restart(workers, packet_job, client_for)
