"""限期整改 and revocation: a fail opens a rectification with the policy's deadline; the host
reports; the assessing body accepts or revokes; a deadline that passes without a report
proposes revocation (never revokes by itself); revocation ends the term, the memberships and
the plaque's validity."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from accounts.scheduling import run_jobs
from assessments import services
from assessments.errors import AssessmentError
from assessments.models import Rectification, RectificationStatus
from studios.models import StudioStatus
from tests.assessments.test_annual import (
    DECISION_DAY,
    open_assessment,
    two_suizhou_studios,
)
from tests.studios.factories import suizhou_studio

pytestmark = pytest.mark.django_db


def failed(studio, officer, **extra):
    assessment = open_assessment(studio, officer)
    services.assessment_decide(
        actor=officer,
        assessment=assessment,
        outcome="fail",
        comment="全年活动次数不足，未开展跨区域交流。",
        required_actions="补开跨区域交流活动一次，提交整改报告。",
        today=DECISION_DAY,
        **extra,
    )
    return Rectification.objects.get(assessment=assessment)


def test_a_fail_opens_a_rectification_with_the_policys_deadline(demo):
    studio = suizhou_studio()
    rectification = failed(studio, demo.user("sz_ce"))
    assert rectification.status == RectificationStatus.OPEN
    assert rectification.deadline == DECISION_DAY + timedelta(days=studio.policy.rectification_days)
    assert rectification.required_actions.startswith("补开")
    told = Notification.objects.get(verb="assessments.rectification.opened")
    assert told.recipient == studio.host
    studio.refresh_from_db()
    assert studio.status == StudioStatus.ACTIVE


def test_a_deadline_can_be_given_but_not_in_the_past(demo):
    studio, other = two_suizhou_studios()
    rectification = failed(studio, demo.user("sz_ce"), deadline=date(2025, 2, 1))
    assert rectification.deadline == date(2025, 2, 1)
    with pytest.raises(AssessmentError):
        failed(other, demo.user("sz_ce"), deadline=DECISION_DAY)


def test_no_rectification_on_a_pass_nor_twice(demo):
    studio, other = two_suizhou_studios()
    officer = demo.user("sz_ce")
    assessment = open_assessment(studio, officer)
    services.assessment_decide(
        actor=officer, assessment=assessment, outcome="pass", today=DECISION_DAY
    )
    with pytest.raises(AssessmentError):
        services.rectification_open(
            actor=officer, assessment=assessment, required_actions="x", today=DECISION_DAY
        )
    rectification = failed(other, officer)
    with pytest.raises(AssessmentError):
        services.rectification_open(
            actor=officer,
            assessment=rectification.assessment,
            required_actions="again",
            today=DECISION_DAY,
        )


def test_the_host_reports_by_the_deadline_others_may_not(demo):
    studio, other = two_suizhou_studios()
    rectification = failed(studio, demo.user("sz_ce"))
    for intruder in (other.host, demo.user("sz_ce"), demo.user("sz_city"), demo.user("lz_ce")):
        with pytest.raises(AssessmentError):
            services.rectification_submit(
                actor=intruder, rectification=rectification, report="整改", today=DECISION_DAY
            )
    with pytest.raises(AssessmentError):  # a report is required
        services.rectification_submit(
            actor=studio.host, rectification=rectification, report=" ", today=DECISION_DAY
        )
    with pytest.raises(AssessmentError):  # too late
        services.rectification_submit(
            actor=studio.host,
            rectification=rectification,
            report="整改",
            today=rectification.deadline + timedelta(days=1),
        )
    services.rectification_submit(
        actor=studio.host,
        rectification=rectification,
        report="已补开交流活动。",
        today=DECISION_DAY,
    )
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED
    told = Notification.objects.filter(verb="assessments.rectification.submitted")
    assert list(told.values_list("recipient__username", flat=True)) == ["sz_ce"]
    with pytest.raises(AssessmentError):  # once
        services.rectification_submit(
            actor=studio.host, rectification=rectification, report="again", today=DECISION_DAY
        )


def test_only_the_assessing_body_accepts(demo):
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    rectification = failed(studio, officer)
    with pytest.raises(AssessmentError):  # nothing submitted yet
        services.rectification_accept(
            actor=officer, rectification=rectification, today=DECISION_DAY
        )
    services.rectification_submit(
        actor=studio.host, rectification=rectification, report="已整改", today=DECISION_DAY
    )
    for refused in ("sz_city", "lz_ce", "lz_city", "sz_expert"):
        with pytest.raises(AssessmentError):
            services.rectification_accept(
                actor=demo.user(refused), rectification=rectification, today=DECISION_DAY
            )
    with pytest.raises(AssessmentError):
        services.rectification_accept(
            actor=studio.host, rectification=rectification, today=DECISION_DAY
        )
    services.rectification_accept(
        actor=officer, rectification=rectification, comment="整改到位", today=DECISION_DAY
    )
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.ACCEPTED
    assert rectification.decided_by == officer
    studio.refresh_from_db()
    assert studio.status == StudioStatus.ACTIVE
    assert (
        Notification.objects.get(verb="assessments.rectification.accepted").recipient == studio.host
    )


def test_rejecting_the_report_revokes_the_studio(demo, client):
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    rectification = failed(studio, officer)
    services.rectification_submit(
        actor=studio.host, rectification=rectification, report="整改", today=DECISION_DAY
    )
    day = date(2025, 2, 20)
    with pytest.raises(AssessmentError):  # a reason is required
        services.rectification_reject(
            actor=officer, rectification=rectification, comment="", today=day
        )
    with pytest.raises(AssessmentError):
        services.rectification_reject(
            actor=demo.user("sz_city"), rectification=rectification, comment="x", today=day
        )
    services.rectification_reject(
        actor=officer, rectification=rectification, comment="整改不力", today=day
    )
    rectification.refresh_from_db()
    studio.refresh_from_db()
    assert rectification.status == RectificationStatus.REVOKED
    assert (studio.status, studio.revoked_on) == (StudioStatus.REVOKED, day)
    assert not studio.memberships.filter(end_date__isnull=True).exists()
    assert all("整改不力" in m.end_reason for m in studio.memberships.all())
    # The host no longer runs it; the revoked studio takes no more reports.
    from accounts.permissions import can

    assert not can(studio.host, "studios.manage_studio", studio)
    assert AuditEntry.objects.filter(verb="studios.studio.revoked").count() == 1
    members = set(studio.memberships.exclude(user=None).values_list("user_id", flat=True))
    told = set(
        Notification.objects.filter(verb="studios.studio.revoked").values_list(
            "recipient_id", flat=True
        )
    )
    assert members <= told
    with pytest.raises(AssessmentError):  # revoked once
        services.studio_revoke(actor=officer, studio=studio, day=day, reason="again")
    response = client.get(reverse("studios:plaque_verify"), {"number": studio.plaque_number})
    assert response.context["state"] == "revoked"
    assert response.context["studio"].revoked_on == day


def test_a_passed_deadline_proposes_revocation_once_and_never_revokes(demo, settings):
    settings.MINGSHI_REMINDER_DAYS_BEFORE = 3
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    rectification = failed(studio, officer)
    deadline = rectification.deadline
    jobs = ["assessments.remind_report_deadlines", "assessments.expire_rectifications"]
    for offset in range(-5, 4):
        for _twice in range(2):
            run_jobs(today=deadline + timedelta(days=offset), only=jobs)
    reminders = Notification.objects.filter(verb="assessments.rectification.deadline_soon")
    assert list(reminders.values_list("recipient__username", flat=True)) == [studio.host.username]
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.REVOCATION_PROPOSED
    assert rectification.proposed_at == deadline + timedelta(days=1)
    proposed = Notification.objects.filter(verb="assessments.rectification.revocation_proposed")
    assert sorted(proposed.values_list("recipient__username", flat=True)) == sorted(
        ["sz_ce", studio.host.username]
    )
    assert (
        AuditEntry.objects.filter(verb="assessments.rectification.revocation_proposed").count() == 1
    )
    studio.refresh_from_db()
    assert studio.status == StudioStatus.ACTIVE and studio.revoked_on is None
    with pytest.raises(AssessmentError):  # the host is too late now
        services.rectification_submit(
            actor=studio.host, rectification=rectification, report="迟交", today=deadline
        )
    with pytest.raises(AssessmentError):  # nothing to accept
        services.rectification_accept(actor=officer, rectification=rectification, today=deadline)
    services.rectification_reject(
        actor=officer,
        rectification=rectification,
        comment="逾期未整改",
        today=deadline + timedelta(days=5),
    )
    studio.refresh_from_db()
    assert studio.status == StudioStatus.REVOKED
    assert studio.revoked_on == deadline + timedelta(days=5)


def test_a_submitted_report_waits_for_the_assessor_past_the_deadline(demo):
    studio = suizhou_studio()
    rectification = failed(studio, demo.user("sz_ce"))
    services.rectification_submit(
        actor=studio.host, rectification=rectification, report="已整改", today=DECISION_DAY
    )
    run_jobs(
        today=rectification.deadline + timedelta(days=3), only=["assessments.expire_rectifications"]
    )
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED


def test_the_rectification_block_through_the_pages(demo, monkeypatch):
    from django.test import Client

    def client_for(username):
        client = Client()
        client.force_login(demo.user(username))
        return client

    monkeypatch.setattr("core.clock.today", lambda: DECISION_DAY)
    studio, other = two_suizhou_studios()
    rectification = failed(studio, demo.user("sz_ce"))
    url = reverse("assessments:assessment_detail", args=[rectification.assessment_id])
    host = client_for(studio.host.username)
    page = host.get(url)
    assert page.context["may_submit_rectification"]
    assert (
        client_for(other.host.username)
        .post(url, {"action": "rectification_submit", "report": "x"})
        .status_code
        == 404
    )
    host.post(url, {"action": "rectification_submit", "report": "已补开交流活动"})
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED
    # The host cannot accept their own report: the service refuses, the page says so.
    host.post(url, {"action": "rectification_accept"})
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED
    officer = client_for("sz_ce")
    assert officer.get(url).context["may_decide_rectification"]
    officer.post(url, {"action": "rectification_accept", "comment": "整改到位"})
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.ACCEPTED
