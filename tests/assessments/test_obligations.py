"""The host's obligations at each annual assessment: where the policy's host rule says the
host stays a head teacher for the term (Suizhou), the annual report asks "本人仍担任班主任",
the assessing body sees the answer, and a host who says no flags the assessment. Which
policies ask is read from the rule, never from the city."""

import pytest
from django.urls import reverse

from accounts.models import User
from assessments import services
from assessments.errors import AssessmentError
from assessments.models import Outcome, ReportStatus
from assessments.obligations import host_obligation, obligation_flagged
from policies.models import TeamRole
from tests.studios.factories import liuzhou_studio, suizhou_studio

from .test_annual import DECISION_DAY, WINDOW_DAY, full_scores, logged_in

pytestmark = pytest.mark.django_db


def drafted(studio, **answer):
    report, _created = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    return services.report_save(
        actor=studio.host,
        report=report,
        work_done="开展培训两次。",
        results="形成案例集一册。",
        member_growth="",
        self_scores=full_scores(studio, "0.8"),
        **answer,
    )


def test_the_question_comes_from_the_host_rule(demo):
    suizhou, liuzhou = suizhou_studio(), liuzhou_studio()
    obligation = host_obligation(suizhou.policy)
    assert obligation is not None
    assert "继续担任3年班主任任期" in obligation.requirement  # the rule's description
    assert host_obligation(liuzhou.policy) is None
    # The rule decides, not the city: lift it from Suizhou, set it for Liuzhou.
    suizhou.policy.team_rules.filter(role=TeamRole.HOST).update(must_serve_through_term=False)
    liuzhou.policy.team_rules.filter(role=TeamRole.HOST).update(must_serve_through_term=True)
    assert host_obligation(suizhou.policy) is None
    assert host_obligation(liuzhou.policy) is not None


def test_the_suizhou_report_asks_the_liuzhou_report_does_not(demo):
    suizhou, liuzhou = suizhou_studio(), liuzhou_studio()
    for studio, asked in ((suizhou, True), (liuzhou, False)):
        report = drafted(studio)
        page = logged_in(studio.host.username).get(
            reverse("assessments:annual_report", args=[report.pk])
        )
        html = page.content.decode()
        assert ('data-testid="host-obligation"' in html) is asked
        assert ('name="host_still_head_teacher"' in html) is asked


def test_submitting_needs_the_answer_and_a_no_needs_a_reason(demo):
    studio = suizhou_studio()
    report = drafted(studio)
    with pytest.raises(AssessmentError, match="班主任|head teacher"):
        services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    report = drafted(studio, host_still_head_teacher=False)
    with pytest.raises(AssessmentError, match="不再|no longer"):
        services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    report = drafted(
        studio, host_still_head_teacher=False, host_obligation_note="2025年起调任学校德育处。"
    )
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and obligation_flagged(report)


def test_a_liuzhou_report_is_submitted_without_the_question(demo):
    studio = liuzhou_studio()
    report = drafted(studio, host_still_head_teacher=False, host_obligation_note="x")
    assert report.host_still_head_teacher is None and report.host_obligation_note == ""
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not obligation_flagged(report)


def test_the_host_answers_on_the_report_page(demo):
    studio = suizhou_studio()
    report = drafted(studio)
    client = logged_in(studio.host.username)
    url = reverse("assessments:annual_report", args=[report.pk])
    data = {
        "action": "submit",
        "work_done": report.work_done,
        "results": report.results,
        **{f"score-{k}": v for k, v in report.self_scores.items()},
    }
    client.post(url, data)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT  # unanswered: refused with a message
    client.post(url, data | {"host_still_head_teacher": "yes"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.host_still_head_teacher is True


def test_the_assessor_sees_the_answer_and_a_no_flags_the_assessment(demo):
    studio = suizhou_studio()
    report = drafted(studio, host_still_head_teacher=False, host_obligation_note="调任德育处主任。")
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    officer = User.objects.get(username="sz_ce")
    report_page = logged_in("sz_ce").get(reverse("assessments:annual_report", args=[report.pk]))
    assert 'data-testid="obligation-flag"' in report_page.content.decode()
    assert "调任德育处主任。" in report_page.content.decode()
    assessment = services.report_accept(actor=officer, report=report, today=DECISION_DAY)
    page = logged_in("sz_ce").get(reverse("assessments:assessment_detail", args=[assessment.pk]))
    html = page.content.decode()
    assert 'data-testid="obligation-flag"' in html and 'data-testid="obligation-answer"' in html
    # A pass stands only with the assessor's reason (the measures' 第十七条 has no automatic
    # fail for it); a fail goes the usual way.
    with pytest.raises(AssessmentError, match="说明理由|passes nonetheless"):
        services.assessment_decide(
            actor=officer, assessment=assessment, outcome=Outcome.PASS, today=DECISION_DAY
        )
    services.assessment_decide(
        actor=officer,
        assessment=assessment,
        outcome=Outcome.PASS,
        comment="主持人调任德育处，仍指导两个班级，本年度合格；下年度须恢复班主任岗位。",
        today=DECISION_DAY,
    )
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.PASS


def test_a_confirmed_host_is_not_flagged(demo):
    studio = suizhou_studio()
    report = drafted(studio, host_still_head_teacher=True)
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    officer = User.objects.get(username="sz_ce")
    assessment = services.report_accept(actor=officer, report=report, today=DECISION_DAY)
    page = logged_in("sz_ce").get(reverse("assessments:assessment_detail", args=[assessment.pk]))
    html = page.content.decode()
    assert 'data-testid="obligation-flag"' not in html
    assert 'data-testid="obligation-answer"' in html
    services.assessment_decide(
        actor=officer, assessment=assessment, outcome=Outcome.PASS, today=DECISION_DAY
    )
