"""Jobs survive a dead worker: leases, takeovers, the sweep, and what the owner reads.

A worker that died is represented by the row it leaves behind (running, its lease lapsing): the
tests move the clock by passing ``now`` to the sweep, or write the lapsed lease the dead worker
would have left, then let the real code take over on PostgreSQL.
"""

import threading
from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.jobs import LeaseLost, _renew, job_claim, job_run, job_runner, job_start, jobs_sweep
from accounts.models import AuditEntry, Job, JobStatus, Notification
from accounts.tasks import run_job
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

probes = {}  # probe name -> fn(job, report) -> (filename, bytes); set by each test
calls = []  # (job id, attempt) of every probe run


@job_runner("tests.probe")
def probe_runner(job, report):
    calls.append((job.pk, job.attempts))
    return probes[job.params["probe"]](job, report)


def _quick(job, report):
    report(1, 2)
    report(2, 2)
    return "probe.txt", b"probe"


@pytest.fixture(autouse=True)
def _probes(settings):
    settings.MINGSHI_JOB_MAX_ATTEMPTS = 3
    settings.MINGSHI_JOB_LEASE_SECONDS = 60
    probes.clear()
    probes["quick"] = _quick
    calls.clear()
    yield
    probes.clear()


@pytest.fixture
def owner():
    return UserFactory(username="job_owner", language="zh-hans")


def _queued(owner, probe="quick", title="报表") -> Job:
    """A job as job_start leaves it, its task not yet delivered (the test's transaction never
    commits, so the task queued on commit never runs)."""
    job = job_start(actor=owner, kind="tests.probe", title=title, params={"probe": probe})
    job.refresh_from_db()
    return job


def _committed(owner, probe="quick", title="报表") -> Job:
    """The row job_start writes, for tests that commit (where on_commit would run it at once)."""
    return Job.objects.create(owner=owner, kind="tests.probe", title=title, params={"probe": probe})


def _left_by_a_dead_worker(job: Job, *, attempts: int = 1, lapsed: bool = True) -> Job:
    """What a worker killed mid-job leaves: running, some progress, a lease it no longer renews."""
    expires = timezone.now() + (timedelta(seconds=-5) if lapsed else timedelta(seconds=60))
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=attempts,
        worker="celery@dead:4242",
        progress=2,
        total=5,
        started_at=timezone.now() - timedelta(minutes=1),
        heartbeat_at=timezone.now() - timedelta(minutes=1),
        lease_expires_at=expires,
    )
    job.refresh_from_db()
    return job


def _verbs(job: Job) -> list[str]:
    entries = AuditEntry.objects.filter(object_id=str(job.pk), verb__startswith="accounts.job.")
    return list(entries.order_by("created_at", "id").values_list("verb", flat=True))


def test_a_job_runs_once_with_a_lease_and_every_transition_recorded(owner):
    job = _queued(owner)
    assert job_run(job_id=job.pk, worker="celery@a:1") == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (JobStatus.DONE, 1, "celery@a:1")
    assert job.started_at and job.heartbeat_at and job.lease_expires_at is None
    assert _verbs(job) == ["accounts.job.queued", "accounts.job.started", "accounts.job.finished"]
    assert job_run(job_id=job.pk) == "skipped"  # a retried task runs nothing
    assert calls == [(job.pk, 1)]


def test_a_redelivered_task_leaves_a_job_whose_lease_is_alive(owner):
    job = _left_by_a_dead_worker(_queued(owner), lapsed=False)
    assert job_run(job_id=job.pk, worker="celery@b:2") == "held"
    # eager (no broker) the task answers at once instead of looking again later
    assert run_job.delay(job.pk).get() == "held"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker, job.progress) == (
        JobStatus.RUNNING,
        1,
        "celery@dead:4242",
        2,
    )
    assert calls == []
    assert _verbs(job) == ["accounts.job.queued"]


def test_a_redelivered_task_restarts_a_job_whose_lease_lapsed(owner):
    job = _left_by_a_dead_worker(_queued(owner))
    assert job_run(job_id=job.pk, worker="celery@b:2") == "done"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (JobStatus.DONE, 2, "celery@b:2")
    assert calls == [(job.pk, 2)]
    restarted = AuditEntry.objects.get(object_id=str(job.pk), verb="accounts.job.restarted")
    assert (restarted.from_state, restarted.to_state) == ("running", "running")
    assert "celery@dead:4242" in restarted.comment and "2/3" in restarted.comment


def test_a_stale_snapshot_cannot_claim_a_job_twice(owner):
    """Two runs read the same lapsed row; only the first conditional update matches."""
    job = _left_by_a_dead_worker(_queued(owner))
    first, second = Job.objects.get(pk=job.pk), Job.objects.get(pk=job.pk)
    assert job_claim(job=first, worker="celery@a:1")
    assert not job_claim(job=second, worker="celery@b:2")
    job.refresh_from_db()
    assert (job.attempts, job.worker) == (2, "celery@a:1")
    assert _verbs(job).count("accounts.job.restarted") == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redeliveries_restart_a_lapsed_job_exactly_once():
    """Two threads, each with its own PostgreSQL connection, claim the same lapsed job at once."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks of PostgreSQL")
    owner = UserFactory(username="race_owner")
    for round_ in range(5):
        job = _left_by_a_dead_worker(_committed(owner, title=f"race {round_}"))
        snapshots = [Job.objects.get(pk=job.pk) for _ in range(2)]
        start = threading.Barrier(2, timeout=30)
        won = []

        def claim(snapshot, name, start=start, won=won):
            try:
                start.wait()
                if job_claim(job=snapshot, worker=name):
                    won.append(name)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=claim, args=(snapshot, f"celery@{i}:1"))
            for i, snapshot in enumerate(snapshots)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        job.refresh_from_db()
        assert len(won) == 1, won
        assert (job.attempts, job.worker) == (2, won[0])
        assert _verbs(job).count("accounts.job.restarted") == 1


def test_the_sweep_requeues_a_job_whose_worker_died_and_it_starts_again(
    owner, django_capture_on_commit_callbacks
):
    job = _left_by_a_dead_worker(_queued(owner))
    live = _left_by_a_dead_worker(_queued(owner, title="alive"), lapsed=False)
    with django_capture_on_commit_callbacks() as sent:
        lines = jobs_sweep()
    assert len(lines) == 1 and f"job {job.pk}" in lines[0]
    job.refresh_from_db()
    assert (job.status, job.progress, job.total, job.worker) == (JobStatus.QUEUED, 0, 0, "")
    assert job.try_number == 2
    requeued = AuditEntry.objects.get(object_id=str(job.pk), verb="accounts.job.requeued")
    assert (requeued.from_state, requeued.to_state) == ("running", "queued")
    live.refresh_from_db()
    assert live.status == JobStatus.RUNNING and live.attempts == 1  # its worker is alive
    # the task queued on commit (eager here) restarts the job from the beginning
    for callback in sent:
        callback()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert _verbs(job)[-3:] == [
        "accounts.job.requeued",
        "accounts.job.started",
        "accounts.job.finished",
    ]


def test_the_sweep_gives_up_after_the_last_attempt_and_tells_the_owner_once(
    owner, django_capture_on_commit_callbacks
):
    job = _left_by_a_dead_worker(_queued(owner, title="全市审计表"), attempts=3)
    later = timezone.now() + timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        first = jobs_sweep(now=later)
        again = jobs_sweep(now=later + timedelta(minutes=2))
    assert len(first) == 1 and again == []
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert "3" in job.error and "管理员" in job.error  # in the owner's language, in words
    failed = AuditEntry.objects.filter(object_id=str(job.pk), verb="accounts.job.failed")
    assert [(e.from_state, e.to_state) for e in failed] == [("running", "failed")]
    [notice] = Notification.objects.filter(recipient=owner, verb="accounts.job.failed")
    assert "全市审计表" in notice.title
    assert notice.url == reverse("accounts:job_detail", args=[job.pk])
    # a redelivered copy of the task arriving afterwards changes nothing either
    assert job_run(job_id=job.pk) == "skipped"
    assert Notification.objects.filter(verb="accounts.job.failed").count() == 1
    assert calls == []


def test_a_redelivered_task_gives_up_a_lapsed_job_with_no_attempt_left(owner):
    job = _left_by_a_dead_worker(_queued(owner), attempts=3)
    assert job_run(job_id=job.pk) == "failed"
    assert job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert Notification.objects.filter(verb="accounts.job.failed").count() == 1
    assert calls == []


def test_the_sweep_sends_again_a_queued_job_no_worker_took_up(
    owner, settings, django_capture_on_commit_callbacks
):
    settings.MINGSHI_JOB_QUEUED_GRACE_SECONDS = 600
    job = _queued(owner)
    with django_capture_on_commit_callbacks() as sent:
        assert jobs_sweep(now=job.queued_at + timedelta(minutes=5)) == []
        [line] = jobs_sweep(now=job.queued_at + timedelta(minutes=11))
        # sent once per grace period, however often the sweep runs
        assert jobs_sweep(now=job.queued_at + timedelta(minutes=12)) == []
    assert f"job {job.pk}" in line and len(sent) == 1
    assert _verbs(job) == ["accounts.job.queued", "accounts.job.resent"]
    sent[0]()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_the_lease_through_a_long_step(settings):
    """One step longer than the lease, with no report: the heartbeat thread renews the lease."""
    settings.MINGSHI_JOB_LEASE_SECONDS = 0.4
    owner = UserFactory(username="slow_owner")

    def long_step(job, report):
        claimed_heartbeat = job.heartbeat_at
        deadline = timezone.now() + timedelta(seconds=30)
        while timezone.now() < deadline:  # bounded: until the heartbeat wrote a new time
            row = Job.objects.get(pk=job.pk)
            if row.heartbeat_at > claimed_heartbeat and row.lease_expires_at > timezone.now():
                return "slow.txt", b"slow"
            threading.Event().wait(0.05)
        raise AssertionError("the lease was never renewed")

    probes["slow"] = long_step
    job = _committed(owner, probe="slow")
    assert job_run(job_id=job.pk) == "done"
    assert calls == [(job.pk, 1)]


def test_a_run_that_lost_its_lease_writes_nothing(owner):
    """A worker paused past its lease (not dead) comes back to find the job taken over."""

    def paused(job, report):
        if job.attempts == 1:
            Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
            assert job_run(job_id=job.pk, worker="celery@other:2") == "done"
            report(1, 1)  # the first run finds out here
            raise AssertionError("report() should have stopped the run")
        return "second.txt", b"second"

    probes["paused"] = paused
    job = _queued(owner, probe="paused")
    assert job_run(job_id=job.pk, worker="celery@first:1") == "lost"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (JobStatus.DONE, 2, "celery@other:2")
    assert job.result_name == "second.txt"
    with job.result.open("rb") as handle:
        assert handle.read() == b"second"
    with pytest.raises(LeaseLost):
        _renew(job.pk, 1)


def test_a_job_past_the_soft_time_limit_fails_with_words(owner, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 1740

    def too_long(job, report):
        raise SoftTimeLimitExceeded()

    probes["too_long"] = too_long
    job = _queued(owner, probe="too_long")
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "29" in job.error and "分钟" in job.error


def test_an_unexpected_error_is_not_shown_by_its_code(owner, client):
    def broken(job, report):
        raise ZeroDivisionError("division by zero")

    probes["broken"] = broken
    job = _queued(owner, probe="broken")
    assert job_run(job_id=job.pk) == "failed"
    client.force_login(owner)
    page = client.get(reverse("accounts:job_detail", args=[job.pk])).content.decode()
    assert "ZeroDivisionError" not in page and "division" not in page
    assert "管理员" in page


def test_the_job_page_says_in_words_what_happened(owner, client):
    client.force_login(owner)
    job = _queued(owner)
    url = reverse("accounts:job_detail", args=[job.pk])

    _left_by_a_dead_worker(job)
    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="job-stalled"' in page and "自动" in page

    jobs_sweep()
    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="job-restarted"' in page and "2" in page

    _left_by_a_dead_worker(job, attempts=3)
    jobs_sweep()
    page = client.get(url).content.decode()
    job.refresh_from_db()
    assert 'data-status="failed"' in page and job.error in page
    for code in ("accounts.job", "WorkerLost", "lease", "celery@"):
        assert code not in page
