"""The review chain: school → county → city, returns, rejections, quotas, races."""

import threading

import pytest
from django.db import connection

from accounts.models import AuditEntry
from applications import workflow
from applications.models import ApplicationStatus, ReviewStep
from applications.services import ApplicationError

from .factories import DURING, advance, draft, open_call, reviewer, submitted, teacher_at

pytestmark = pytest.mark.django_db


def test_liuzhou_chain_goes_school_county_city_then_experts(demo):
    call = open_call()
    application = submitted(call, demo.user("lz_teacher"))
    assert application.status == ApplicationStatus.AT_SCHOOL
    assert reviewer(application) == demo.user("lz_school")
    application = workflow.approve(
        actor=demo.user("lz_school"), application=application, opinion="同意推荐"
    )
    assert application.status == ApplicationStatus.AT_COUNTY
    application = workflow.approve(
        actor=demo.user("lz_county"), application=application, opinion="同意上报"
    )
    assert application.status == ApplicationStatus.AT_CITY
    application = workflow.approve(
        actor=demo.user("lz_city"), application=application, opinion="进入专家评审"
    )
    assert application.status == ApplicationStatus.EXPERT_REVIEW
    levels = list(
        ReviewStep.objects.filter(application=application).values_list("level", "opinion")
    )
    assert levels == [("school", "同意推荐"), ("county", "同意上报"), ("city", "进入专家评审")]
    verbs = set(
        AuditEntry.objects.filter(object_id=str(application.pk)).values_list("verb", flat=True)
    )
    assert {"applications.application.submitted", "applications.application.approved"} <= verbs


def test_bureau_affiliated_school_skips_the_county(demo):
    call = open_call()
    teacher = teacher_at("lzgz", "lzgz_teacher")
    application = submitted(call, teacher, school_stage="senior")
    application = workflow.approve(
        actor=reviewer(application), application=application, opinion="同意"
    )
    assert application.status == ApplicationStatus.AT_CITY


def test_returned_application_goes_back_and_can_be_resubmitted(demo):
    call = open_call()
    teacher = demo.user("lz_teacher")
    application = submitted(call, teacher)
    application = workflow.return_for_revision(
        actor=demo.user("lz_school"), application=application, opinion="请补充业绩材料"
    )
    assert application.status == ApplicationStatus.RETURNED
    from applications import services

    from .factories import fill

    fill(application, with_photo=False, achievements="补充：获省级优秀班主任。")
    application = workflow.submit(actor=teacher, application=application, today=DURING)
    assert application.status == ApplicationStatus.AT_SCHOOL
    changes = services.changes_since_last_submission(application)
    assert [c.field for c in changes] == ["achievements"]


def test_teacher_cannot_edit_after_submission(demo):
    call = open_call()
    teacher = demo.user("lz_teacher")
    application = submitted(call, teacher)
    from .factories import fill

    with pytest.raises(ApplicationError):
        fill(application)


def test_opinion_is_required(demo):
    application = submitted(open_call(), demo.user("lz_teacher"))
    with pytest.raises(ApplicationError) as error:
        workflow.approve(actor=demo.user("lz_school"), application=application, opinion="  ")
    assert "opinion" in error.value.problems


def test_county_reviewer_of_another_county_cannot_act(demo):
    application = advance(
        submitted(open_call(), demo.user("lz_teacher")), ApplicationStatus.AT_COUNTY
    )
    with pytest.raises(ApplicationError):
        workflow.approve(
            actor=demo.user("lz_county_luzhai"), application=application, opinion="越权"
        )


def test_county_quota_per_school_stage(demo):
    call = open_call()
    first = advance(submitted(call, demo.user("lz_teacher")), ApplicationStatus.AT_CITY)
    second_teacher = teacher_at("liucheng-sx", "second_teacher")
    second = advance(submitted(call, second_teacher), ApplicationStatus.AT_COUNTY)
    with pytest.raises(ApplicationError) as error:
        workflow.approve(actor=demo.user("lz_county"), application=second, opinion="推荐")
    assert "柳城县" in str(error.value) and "1" in str(error.value)
    assert first.status == ApplicationStatus.AT_CITY
    # another stage of the same county is a separate quota
    senior = teacher_at("liucheng-zx", "senior_teacher")
    other = advance(submitted(call, senior, school_stage="senior"), ApplicationStatus.AT_CITY)
    assert other.status == ApplicationStatus.AT_CITY


def test_suizhou_has_no_quota(demo):
    call = open_call("suizhou")
    first = advance(submitted(call, demo.user("sz_teacher")), ApplicationStatus.AT_CITY)
    second = advance(
        submitted(call, teacher_at("zengdu-sx", "sz_second", "suizhou")), ApplicationStatus.AT_CITY
    )
    assert first.status == second.status == ApplicationStatus.AT_CITY


def test_bulk_approve_reports_what_it_could_not_do(demo):
    call = open_call()
    a = advance(submitted(call, demo.user("lz_teacher")), ApplicationStatus.AT_COUNTY)
    b = advance(submitted(call, teacher_at("liucheng-sx", "t2")), ApplicationStatus.AT_COUNTY)
    done, failed = workflow.bulk_approve(
        actor=demo.user("lz_county"), applications=[a, b], opinion="同意"
    )
    assert len(done) == 1 and len(failed) == 1
    assert "Quota" in failed[0][1] or "名额" in failed[0][1]


def test_submission_after_the_deadline_is_refused_unless_extended(demo):
    from datetime import date

    from applications import services

    call = open_call()
    teacher = demo.user("lz_teacher")
    application = draft(call, teacher)
    with pytest.raises(ApplicationError) as error:
        workflow.submit(actor=teacher, application=application, today=date(2024, 7, 29))
    assert "__all__" in error.value.problems
    services.application_grant_extension(
        actor=demo.user("lz_city"), application=application, until=date(2024, 8, 3), reason="病假"
    )
    application.refresh_from_db()
    done = workflow.submit(actor=teacher, application=application, today=date(2024, 7, 29))
    assert done.status == ApplicationStatus.AT_SCHOOL


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_make_one_transition(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from accounts.models import Role, RoleAssignment, User

    application = submitted(open_call(), demo.user("lz_teacher"))
    second_admin = User.objects.create_user("second_admin", full_name="第二管理员")
    RoleAssignment.objects.create(
        user=second_admin, role=Role.SCHOOL_ADMIN, organisation=demo.org("liucheng-sx")
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        from django.db import connections

        try:
            barrier.wait()
            workflow.approve(actor=user, application=application, opinion="同意")
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(u,)) for u in (demo.user("lz_school"), second_admin)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    [refusal] = [o for o in outcomes if o != "ok"]
    assert "已" in refusal or "already" in refusal  # "someone else has already acted"
    assert ReviewStep.objects.filter(application=application).count() == 1
    assert (
        AuditEntry.objects.filter(
            object_id=str(application.pk), verb="applications.application.approved"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_start_pressed_again_while_the_first_press_is_still_saving_opens_one_draft(demo):
    """Four clicks on 申报 at once answered 500 (duplicate key): a second press checked for a
    draft before the first press had committed, then inserted its own. The second press now
    waits on the unique index and returns the draft the first press made."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    import time

    from django.db import connections, transaction

    from applications import services
    from applications.models import Application

    call, teacher = open_call(), demo.user("lz_teacher")
    first_saved, second_waiting = threading.Event(), threading.Event()
    found = {}

    def first():
        try:
            with transaction.atomic():
                found["first"] = services.application_start(actor=teacher, call=call).pk
                first_saved.set()
                second_waiting.wait(timeout=20)  # commit only once the second one is blocked
        finally:
            connections.close_all()

    def second():
        try:
            first_saved.wait(timeout=20)
            found["second"] = services.application_start(actor=teacher, call=call).pk
        except Exception as exc:  # the failure this test is about
            found["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_saved.wait(timeout=20)
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:  # until the second insert waits on the first's row
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    second_waiting.set()
    for thread in threads:
        thread.join(timeout=30)
    assert found["second"] == found["first"]
    assert Application.objects.filter(call=call, applicant=teacher).count() == 1
    assert AuditEntry.objects.filter(verb="applications.application.started").count() == 1
