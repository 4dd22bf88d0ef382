"""Deadlines that run themselves: each job acts once, whatever how often it runs."""

import io
import os
import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import AuditEntry, Notification
from accounts.scheduling import run_jobs
from applications.models import CallStatus
from studios.models import Activity, Attendance, AttendanceStatus
from tests.applications.factories import CLOSES, draft, open_call, submitted, teacher_at
from tests.studios.factories import liuzhou_studio
from tests.workers import real_worker

pytestmark = pytest.mark.django_db


def test_the_schedule_names_every_registered_job():
    from django.conf import settings

    from accounts.scheduling import job_names

    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    scheduled = {e["args"][0] for e in schedule if e["task"] == "accounts.tasks.run_daily_job"}
    assert scheduled == set(job_names())
    # beside the daily jobs, the sweep that restarts jobs whose worker died, and the worker's
    # heartbeat that /healthz reads
    assert {e["task"] for e in schedule} == {
        "accounts.tasks.run_daily_job",
        "accounts.tasks.sweep_stale_jobs",
        "core.tasks.worker_heartbeat",
    }


def test_a_call_closes_the_day_after_its_deadline_once(demo):
    call = open_call()
    submitted(call, demo.user("lz_teacher"))
    run_jobs(today=CLOSES)
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    [report] = run_jobs(today=CLOSES + timedelta(days=1), only=["applications.close_calls"])
    assert len(report.lines) == 1
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    again = run_jobs(today=CLOSES + timedelta(days=2), only=["applications.close_calls"])
    assert again[0].lines == []
    assert AuditEntry.objects.filter(verb="applications.call.closed").count() == 1
    assert Notification.objects.filter(verb="applications.call.closed").count() == 1


def test_applicants_with_drafts_are_reminded_once_before_the_deadline(demo):
    call = open_call()
    draft(call, demo.user("lz_teacher"))
    submitted(call, teacher_at("luzhai-sx", "done_already"))
    reminder_day = CLOSES - timedelta(days=3)
    for day in (reminder_day - timedelta(days=1), reminder_day, reminder_day):
        run_jobs(today=day, only=["applications.remind_call_deadlines"])
    reminders = Notification.objects.filter(verb="applications.application.deadline_soon")
    assert list(reminders.values_list("recipient__username", flat=True)) == ["lz_teacher"]


def test_the_end_of_a_notice_is_recorded_once(demo):
    from applications import experts, publication

    call = open_call("suizhou", studio_count=1, notice_days=5)
    from tests.applications.factories import advance

    application = advance(submitted(call, demo.user("sz_teacher")))
    experts.selection_save(actor=demo.user("sz_city"), call=call, application_ids=[application.pk])
    publication.notice_start(actor=demo.user("sz_city"), call=call, today=date(2024, 8, 1))
    call.refresh_from_db()
    for day in (call.notice_ends_on, call.notice_ends_on + timedelta(days=1), date(2024, 9, 1)):
        run_jobs(today=day, only=["applications.end_notice_periods"])
    assert AuditEntry.objects.filter(verb="applications.call.notice_ended").count() == 1


def test_a_month_without_a_seminar_is_flagged_once(demo):
    studio = liuzhou_studio()
    # September 2024 passes with no thematic seminar or online salon
    for day in (date(2024, 10, 1), date(2024, 10, 2), date(2024, 10, 2)):
        run_jobs(today=day, only=["studios.flag_unmet_quotas"])
    flagged = AuditEntry.objects.filter(verb="studios.quota.missed", object_id=str(studio.pk))
    assert flagged.filter(comment__contains="2024").count() >= 1
    monthly = flagged.filter(comment__startswith="专题研讨或线上沙龙")
    assert monthly.count() == 1
    assert (
        Notification.objects.filter(verb="studios.quota.missed", recipient=studio.host).count()
        == flagged.count()
    )


def test_unconfirmed_attendance_gets_one_reminder_before_and_one_after(demo, settings):
    settings.MINGSHI_ATTENDANCE_CONFIRM_DAYS = 7
    settings.MINGSHI_REMINDER_DAYS_BEFORE = 3
    studio = liuzhou_studio()
    member = studio.memberships.filter(role="member").first()
    activity = Activity.objects.create(
        studio=studio, kind="training", title="培训", held_on=date(2024, 10, 10)
    )
    Attendance.objects.create(activity=activity, membership=member, status=AttendanceStatus.PRESENT)
    for offset in range(0, 15):
        day = date(2024, 10, 10) + timedelta(days=offset)
        run_jobs(today=day, only=["studios.remind_unconfirmed_attendance"])
        run_jobs(today=day, only=["studios.remind_unconfirmed_attendance"])
    reminders = Notification.objects.filter(
        verb="studios.attendance.confirm", recipient=member.user
    ).order_by("created_at")
    assert [n.dedupe_key.rsplit(":", 1)[1] for n in reminders] == ["before", "after"]


def test_run_jobs_prints_what_each_job_did(demo):
    call = open_call()
    out = io.StringIO()
    call_command("run_jobs", "--today", (CLOSES + timedelta(days=1)).isoformat(), stdout=out)
    text = out.getvalue()
    assert "applications.close_calls: 1" in text and call.title in text
    assert "studios.flag_unmet_quotas: nothing to do" in text


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("MINGSHI_TEST_REDIS_URL"), reason="no Redis")
def test_jobs_through_a_real_worker_twice_at_once_duplicate_nothing(demo):
    """Two copies of the same scheduled job, sent together to a worker with two processes."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    call = open_call()
    submitted(call, demo.user("lz_teacher"))
    with real_worker("jobs", concurrency=2, database=True) as (client, queue):
        day = (CLOSES + timedelta(days=1)).isoformat()
        results = [
            client.send_task(
                "accounts.tasks.run_daily_job", args=["applications.close_calls", day], queue=queue
            )
            for _ in range(2)
        ]
        lines = [result.get(timeout=90) for result in results]
    assert sorted(len(done) for done in lines) == [0, 1]
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    assert AuditEntry.objects.filter(verb="applications.call.closed").count() == 1
    assert Notification.objects.filter(verb="applications.call.closed").count() == 1
    time.sleep(0)


def test_every_reminder_is_on_the_audit_trail_once(demo):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    day = CLOSES - timedelta(days=3)
    run_jobs(today=day, only=["applications.remind_call_deadlines"])
    run_jobs(today=day, only=["applications.remind_call_deadlines"])
    entries = AuditEntry.objects.filter(
        verb="applications.application.deadline_soon.reminded", object_id=str(application.pk)
    )
    assert entries.count() == 1
