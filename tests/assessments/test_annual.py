"""Annual reports and annual assessments: the policy's window, the host's report, the
assessing body's decision on the policy's scale, experts where the policy has them, who may
do what, the result letter and the assessor's list."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from accounts.permissions import can
from assessments import selectors, services
from assessments.errors import AssessmentError
from assessments.models import (
    AnnualAssessment,
    AnnualReport,
    Commendation,
    Outcome,
    ReportStatus,
)
from studios.models import Activity, Attendance, AttendanceStatus, Studio, StudioStatus
from tests.core import files
from tests.studios.factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

WINDOW_DAY = date(2024, 12, 1)
DECISION_DAY = date(2025, 1, 10)


# --- helpers (used by the other assessment tests too) ------------------------------------------


def full_scores(studio: Studio, fraction: str = "1") -> dict[str, str]:
    """Every annual indicator at ``fraction`` of its points."""
    return {
        i.code: str((i.max_points * Decimal(fraction)).quantize(Decimal("0.1")))
        for i in selectors.annual_indicators(studio.policy)
    }


def submitted_report(studio: Studio, *, year: int = 2024, today: date = WINDOW_DAY):
    report, _created = services.report_open(studio=studio, year=year, today=today)
    services.report_save(
        actor=studio.host,
        report=report,
        work_done="开展培训两次，专题研讨十次。",
        results="形成案例集一册。",
        member_growth="两名成员获县级表彰。",
        self_scores=full_scores(studio, "0.8"),
        host_still_head_teacher=True,
    )
    return services.report_submit(actor=studio.host, report=report, today=today)


def open_assessment(studio: Studio, assessor, *, year: int = 2024):
    report = submitted_report(studio, year=year)
    return services.report_accept(actor=assessor, report=report, today=DECISION_DAY)


def logged_in(username: str):
    """A test client of its own per user (the ``client`` fixture is one shared session)."""
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def two_suizhou_studios():
    return published_studios(
        "suizhou", [("zengdu-sx", "sz_host"), ("suixian-sx", "sz_host2")], city="suizhou"
    )


# --- the window ----------------------------------------------------------------------------------


def test_the_window_is_the_policys(demo):
    studio = suizhou_studio()
    policy = studio.policy
    assert selectors.report_window(policy, 2024) == (date(2024, 12, 1), date(2024, 12, 31))
    policy.annual_report_month, policy.annual_report_days = 11, 45
    assert selectors.report_window(policy, 2024) == (date(2024, 11, 1), date(2024, 12, 15))
    assert selectors.reports_due(studio, 2024)
    assert not selectors.reports_due(studio, 2023)  # before the term
    assert not selectors.reports_due(studio, 2027)  # the term ends in August 2027


def test_opening_a_report_is_idempotent_and_tells_the_host_once(demo):
    studio = suizhou_studio()
    first, created = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    again, created_again = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    assert created and not created_again and first.pk == again.pk
    assert (first.opens_on, first.due_on) == (date(2024, 12, 1), date(2024, 12, 31))
    assert Notification.objects.filter(verb="assessments.report.opened").count() == 1
    assert AuditEntry.objects.filter(verb="assessments.report.opened").count() == 1


def test_a_revoked_studio_gets_no_report(demo):
    studio = suizhou_studio()
    Studio.objects.filter(pk=studio.pk).update(status=StudioStatus.REVOKED)
    studio.refresh_from_db()
    with pytest.raises(AssessmentError):
        services.report_open(studio=studio, year=2024, today=WINDOW_DAY)


# --- the host's report ---------------------------------------------------------------------------


def test_host_writes_attaches_submits_and_the_assessor_is_told(demo):
    studio = suizhou_studio()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    services.report_save(
        actor=studio.host,
        report=report,
        work_done="工作",
        results="成果",
        member_growth="",
        self_scores={"rules": "8"},
        host_still_head_teacher=True,
    )
    services.report_attach(
        actor=studio.host,
        report=report,
        title="年度总结",
        upload=SimpleUploadedFile("summary.pdf", files.PDF),
    )
    with pytest.raises(AssessmentError):  # not every indicator self-evaluated yet
        services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    services.report_save(
        actor=studio.host,
        report=report,
        work_done="工作",
        results="成果",
        member_growth="",
        self_scores=full_scores(studio),
        host_still_head_teacher=True,
    )
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.attachments.count() == 1
    told = Notification.objects.filter(verb="assessments.report.submitted")
    assert list(told.values_list("recipient__username", flat=True)) == ["sz_ce"]
    with pytest.raises(AssessmentError):  # submitted: no more changes
        services.report_save(
            actor=studio.host,
            report=report,
            work_done="x",
            results="y",
            member_growth="",
            self_scores={},
            host_still_head_teacher=True,
        )


def test_self_scores_stay_within_each_indicators_points(demo):
    studio = suizhou_studio()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    for bad in ({"rules": "11"}, {"rules": "-1"}, {"rules": "abc"}, {"nope": "1"}):
        with pytest.raises(AssessmentError):
            services.report_save(
                actor=studio.host,
                report=report,
                work_done="",
                results="",
                member_growth="",
                self_scores=bad,
                host_still_head_teacher=True,
            )


def test_a_bad_attachment_is_refused(demo):
    studio = suizhou_studio()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    with pytest.raises(AssessmentError):
        services.report_attach(
            actor=studio.host,
            report=report,
            title="x",
            upload=SimpleUploadedFile("x.pdf", b"not a pdf"),
        )


def test_report_attachments_are_checked_through_the_page_and_served_safely(
    demo, settings, tmp_path
):
    from assessments.models import AnnualReportAttachment

    settings.MEDIA_ROOT = tmp_path
    studio = suizhou_studio()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    host = logged_in(studio.host.username)
    url = reverse("assessments:annual_report", args=[report.pk])
    bomb = files.upload("总结.docx", files.zip_bomb_docx(megabytes=110))
    response = host.post(url, {"action": "attach", "title": "总结", "file": bomb})
    assert response.status_code == 302
    assert any("总结.docx" in str(m) for m in response.wsgi_request._messages)
    assert not AnnualReportAttachment.objects.exists()
    good = files.upload("总结.docx", files.docx())
    host.post(url, {"action": "attach", "title": "总结", "file": good})
    attachment = AnnualReportAttachment.objects.get()
    download = host.get(
        reverse("assessments:annual_report_attachment", args=[report.pk, attachment.pk])
    )
    files.assert_served(
        download, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


def test_return_needs_a_comment_then_resubmit_and_accept(demo):
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    report = submitted_report(studio)
    with pytest.raises(AssessmentError):
        services.report_return(actor=officer, report=report, comment=" ", today=DECISION_DAY)
    services.report_return(
        actor=officer, report=report, comment="请补充成员成长情况", today=DECISION_DAY
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert Notification.objects.get(verb="assessments.report.returned").recipient == studio.host
    services.report_save(
        actor=studio.host,
        report=report,
        work_done=report.work_done,
        results=report.results,
        member_growth="补充：三名成员获县级表彰。",
        self_scores=report.self_scores,
        host_still_head_teacher=True,
    )
    services.report_submit(actor=studio.host, report=report, today=DECISION_DAY)
    assessment = services.report_accept(actor=officer, report=report, today=DECISION_DAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert assessment.status == AnnualAssessment.Status.OPEN and assessment.report == report


def test_the_host_of_another_studio_and_other_roles_may_not_write(demo):
    studio, other = two_suizhou_studios()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    for intruder in (other.host, demo.user("sz_ce"), demo.user("sz_city"), demo.user("sz_teacher")):
        with pytest.raises(AssessmentError):
            services.report_save(
                actor=intruder,
                report=report,
                work_done="x",
                results="y",
                member_growth="",
                self_scores={},
                host_still_head_teacher=True,
            )
    assert not can(other.host, "assessments.write_report", studio)
    assert can(studio.host, "assessments.write_report", studio)


def test_only_the_policys_body_in_the_studios_city_returns_or_accepts(demo):
    sz = suizhou_studio()
    lz = liuzhou_studio()
    report = submitted_report(sz)
    # Suizhou: the continuing-education centre; not the bureau, not Liuzhou's centre, not a host.
    for refused in ("sz_city", "lz_ce", "lz_city", "sz_expert"):
        with pytest.raises(AssessmentError):
            services.report_accept(actor=demo.user(refused), report=report, today=DECISION_DAY)
        assert not can(demo.user(refused), "assessments.assess_studio", sz)
    with pytest.raises(AssessmentError):
        services.report_accept(actor=sz.host, report=report, today=DECISION_DAY)
    assert can(demo.user("sz_ce"), "assessments.assess_studio", sz)
    # Liuzhou: the municipal bureau.
    assert can(demo.user("lz_city"), "assessments.assess_studio", lz)
    for refused in ("lz_ce", "sz_city", "sz_ce"):
        assert not can(demo.user(refused), "assessments.assess_studio", lz)


# --- deciding on the policy's scale ------------------------------------------------------------


def test_pass_fail_scale_takes_pass_or_fail_only(demo):
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    assessment = open_assessment(studio, officer)
    for outcome in ("commended", "", "excellent"):
        with pytest.raises(AssessmentError):
            services.assessment_decide(
                actor=officer, assessment=assessment, outcome=outcome, today=DECISION_DAY
            )
    with pytest.raises(AssessmentError):  # another city's centre
        services.assessment_decide(
            actor=demo.user("lz_ce"), assessment=assessment, outcome="pass", today=DECISION_DAY
        )
    services.assessment_decide(
        actor=officer, assessment=assessment, outcome="pass", comment="", today=DECISION_DAY
    )
    assessment.refresh_from_db()
    assert (assessment.status, assessment.outcome, assessment.total) == ("decided", "pass", None)
    assert Notification.objects.get(verb="assessments.assessment.decided").recipient == studio.host
    with pytest.raises(AssessmentError):  # decided once
        services.assessment_decide(
            actor=officer, assessment=assessment, outcome="fail", comment="x", today=DECISION_DAY
        )


def test_a_fail_needs_a_comment_and_required_actions_where_the_policy_rectifies(demo):
    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    assessment = open_assessment(studio, officer)
    with pytest.raises(AssessmentError):
        services.assessment_decide(
            actor=officer,
            assessment=assessment,
            outcome="fail",
            required_actions="补齐活动",
            today=DECISION_DAY,
        )
    with pytest.raises(AssessmentError):
        services.assessment_decide(
            actor=officer,
            assessment=assessment,
            outcome="fail",
            comment="活动不足",
            today=DECISION_DAY,
        )
    assessment.refresh_from_db()
    assert assessment.status == AnnualAssessment.Status.OPEN


def test_scored_scale_experts_score_the_bureau_decides_from_the_total(demo):
    studio = liuzhou_studio()
    bureau = demo.user("lz_city")
    assessment = open_assessment(studio, bureau)
    expert = demo.user("lz_expert")
    assert Notification.objects.filter(verb="assessments.assessment.score", recipient=expert)
    assert list(selectors.assessments_to_score(expert)) == [assessment]
    page = logged_in("lz_expert").get(
        reverse("assessments:assessment_detail", args=[assessment.pk])
    )
    assert page.status_code == 200 and page.context["may_score"]
    assert logged_in("lz_expert").get(reverse("assessments:annual_reports")).context[
        "to_score"
    ] == [assessment]
    assert (
        logged_in("sz_expert")
        .get(reverse("assessments:assessment_detail", args=[assessment.pk]))
        .status_code
        == 404
    )
    assert not list(selectors.assessments_to_score(demo.user("sz_expert")))
    with pytest.raises(AssessmentError):  # no expert has scored yet
        services.assessment_decide(
            actor=bureau, assessment=assessment, scores=full_scores(studio), today=DECISION_DAY
        )
    with pytest.raises(AssessmentError):  # an expert of another city
        services.expert_score_submit(
            actor=demo.user("sz_expert"), assessment=assessment, scores=full_scores(studio)
        )
    with pytest.raises(AssessmentError):  # every indicator
        services.expert_score_submit(actor=expert, assessment=assessment, scores={"rules": "5"})
    services.expert_score_submit(
        actor=expert, assessment=assessment, scores=full_scores(studio, "0.9")
    )
    with pytest.raises(AssessmentError):  # final once submitted
        services.expert_score_submit(
            actor=expert, assessment=assessment, scores=full_scores(studio)
        )
    means, total, count = selectors.expert_means(assessment)
    assert count == 1 and total == Decimal("90.0") and means["rules"] == Decimal("9.0")
    with pytest.raises(AssessmentError):  # the outcome given must agree with the total
        services.assessment_decide(
            actor=bureau,
            assessment=assessment,
            outcome="pass",
            scores=full_scores(studio, "0.95"),
            today=DECISION_DAY,
        )
    services.assessment_decide(
        actor=bureau, assessment=assessment, scores=full_scores(studio, "0.95"), today=DECISION_DAY
    )
    assessment.refresh_from_db()
    expected = sum(Decimal(v) for v in full_scores(studio, "0.95").values())
    assert assessment.outcome == Outcome.COMMENDED and assessment.total == expected
    commendation = Commendation.objects.get(person=studio.host, studio=studio)
    assert commendation.year == 2024


@pytest.mark.parametrize(
    "fraction,outcome", [("0.9", "commended"), ("0.6", "pass"), ("0.7", "pass"), ("0.5", "fail")]
)
def test_the_total_against_the_policys_scores_gives_the_outcome(demo, fraction, outcome):
    studio = liuzhou_studio()
    total = sum(Decimal(v) for v in full_scores(studio, fraction).values())
    assert services.outcome_for_total(studio.policy, total) == outcome


def test_a_fail_without_rectification_in_the_policy_revokes_at_once(demo, client):
    studio = liuzhou_studio()
    bureau = demo.user("lz_city")
    assessment = open_assessment(studio, bureau)
    services.expert_score_submit(
        actor=demo.user("lz_expert"), assessment=assessment, scores=full_scores(studio, "0.4")
    )
    services.assessment_decide(
        actor=bureau,
        assessment=assessment,
        scores=full_scores(studio, "0.4"),
        comment="年度工作未达要求",
        today=DECISION_DAY,
    )
    studio.refresh_from_db()
    assert studio.status == StudioStatus.REVOKED and studio.revoked_on == DECISION_DAY
    assert not studio.memberships.filter(end_date__isnull=True).exists()
    assert set(studio.memberships.values_list("end_date", flat=True)) == {DECISION_DAY}
    assert not hasattr(assessment, "rectification") or not AnnualAssessment.objects.filter(
        pk=assessment.pk, rectification__isnull=False
    )
    assert AuditEntry.objects.filter(verb="studios.studio.revoked", object_id=str(studio.pk))
    response = client.get(reverse("studios:plaque_verify"), {"number": studio.plaque_number})
    assert response.context["state"] == "revoked"
    assert response.context["studio"].revoked_on == DECISION_DAY
    assert "2025" in response.content.decode()


# --- pages -------------------------------------------------------------------------------------


def test_the_report_page_pulls_in_the_years_activities_attendance_and_quotas(
    demo, client_for, monkeypatch
):

    monkeypatch.setattr("core.clock.today", lambda: date(2024, 12, 10))
    studio = suizhou_studio()
    member = studio.memberships.filter(role="member").first()
    activity = Activity.objects.create(
        studio=studio,
        kind="cross_studio_exchange",
        title="跨区域交流活动",
        held_on=date(2024, 10, 9),
        place="随县",
    )
    Attendance.objects.create(activity=activity, membership=member, status=AttendanceStatus.PRESENT)
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    response = client_for("sz_host").get(reverse("assessments:annual_report", args=[report.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "跨区域交流活动" in text and member.name in text
    assert response.context["year"].compliance
    assert response.context["writable"]


def test_pages_are_404_outside_the_users_reach(demo, client_for):
    studio, other = two_suizhou_studios()
    lz = liuzhou_studio()
    report = submitted_report(studio)
    assessment = services.report_accept(actor=demo.user("sz_ce"), report=report, today=DECISION_DAY)
    urls = [
        reverse("assessments:annual_report", args=[report.pk]),
        reverse("assessments:assessment_detail", args=[assessment.pk]),
    ]
    for username in (other.host.username, "lz_ce", "lz_city", "sz_teacher", lz.host.username):
        client = client_for(username)
        for url in urls:
            assert client.get(url).status_code == 404, (username, url)
    for username in ("sz_ce", "sz_host"):
        client = client_for(username)
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)


def test_host_and_assessor_work_through_the_pages(demo, monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: date(2024, 12, 10))
    studio = suizhou_studio()
    report, _ = services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    host = logged_in("sz_host")
    url = reverse("assessments:annual_report", args=[report.pk])
    data = {
        "action": "submit",
        "work_done": "工作",
        "results": "成果",
        "member_growth": "成长",
        "host_still_head_teacher": "yes",  # Suizhou's host rule asks it each year
        **{f"score-{k}": v for k, v in full_scores(studio).items()},
    }
    assert host.post(url, data).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    officer = logged_in("sz_ce")
    listing = officer.get(reverse("assessments:annual_reports"), {"year": 2024})
    assert [s.pk for s in listing.context["studios"]] == [studio.pk]
    assert listing.context["studios"][0].report_status == ReportStatus.SUBMITTED
    response = officer.post(url, {"action": "accept"})
    assessment = AnnualAssessment.objects.get(studio=studio, year=2024)
    assert response.url == reverse("assessments:assessment_detail", args=[assessment.pk])
    officer.post(
        reverse("assessments:assessment_detail", args=[assessment.pk]),
        {"action": "decide", "outcome": "pass", "comment": "合格"},
    )
    assessment.refresh_from_db()
    assert assessment.outcome == Outcome.PASS
    letter = host.get(reverse("assessments:assessment_letter", args=[assessment.pk]))
    files.assert_served(letter, "application/pdf", inline=True)
    assert letter.content.startswith(b"%PDF")


def test_the_result_letter_is_in_chinese(demo, tmp_path):
    import shutil
    import subprocess

    from assessments.documents import result_letter_pdf

    studio = suizhou_studio()
    officer = demo.user("sz_ce")
    assessment = open_assessment(studio, officer)
    services.assessment_decide(
        actor=officer,
        assessment=assessment,
        outcome="fail",
        comment="活动次数不足",
        required_actions="补开跨区域交流活动",
        today=DECISION_DAY,
    )
    assessment.refresh_from_db()
    pdf = result_letter_pdf(assessment)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "letter.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        for words in (
            "年度考核结果通知书",
            studio.name,
            "不合格",
            "活动次数不足",
            "继续教育中心",
            "2025年1月10日",
        ):
            assert words in text.replace(" ", ""), words


def test_the_letter_waits_for_the_decision(demo, client_for):
    studio = suizhou_studio()
    assessment = open_assessment(studio, demo.user("sz_ce"))
    assert (
        client_for("sz_host")
        .get(reverse("assessments:assessment_letter", args=[assessment.pk]))
        .status_code
        == 404
    )


# --- the assessor's list ---------------------------------------------------------------------


def test_the_assessors_list_costs_the_same_queries_for_many_studios(
    demo, django_assert_num_queries
):
    officer = demo.user("sz_ce")
    [first] = published_studios("suizhou", [("zengdu-sx", "h1")], city="suizhou")
    submitted_report(first)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        officer_fresh = type(officer).objects.get(pk=officer.pk)
        with CaptureQueriesContext(connection) as ctx:
            rows = list(selectors.assessed_studios(officer_fresh, year=2024))
        return len(ctx), len(rows)

    few, rows_few = count()
    more = published_studios("suizhou", [("suixian-sx", "h2"), ("zengdu-sx", "h3")], city="suizhou")
    for studio in more:
        submitted_report(studio)
    many, rows_many = count()
    assert (rows_few, rows_many) == (1, 3)
    assert few == many <= 2  # the user's roles, then one query for every studio


def test_the_assessors_list_filters_and_scopes(demo):
    sz, sz2 = two_suizhou_studios()
    lz = liuzhou_studio()
    submitted_report(sz)
    officer = demo.user("sz_ce")
    assert {s.pk for s in selectors.assessed_studios(officer, year=2024)} == {sz.pk, sz2.pk}
    assert [
        s.pk for s in selectors.assessed_studios(officer, year=2024, report_status="submitted")
    ] == [sz.pk]
    assert [s.pk for s in selectors.assessed_studios(officer, year=2024, report_status="none")] == [
        sz2.pk
    ]
    # The bureau of Suizhou does not assess (the centre does); Liuzhou's bureau sees Liuzhou's.
    assert not selectors.assessed_studios(demo.user("sz_city"), year=2024).exists()
    assert [s.pk for s in selectors.assessed_studios(demo.user("lz_city"), year=2024)] == [lz.pk]
    assert not selectors.assessed_studios(demo.user("lz_ce"), year=2024).exists()
    assert not selectors.assessed_studios(sz.host, year=2024).exists()


def test_an_assessor_opens_an_assessment_without_a_report(demo, client_for):
    studio = suizhou_studio()
    officer = client_for("sz_ce")
    response = officer.post(
        reverse("assessments:annual_reports"), {"studio": studio.pk, "year": 2024}
    )
    assessment = AnnualAssessment.objects.get(studio=studio, year=2024)
    assert response.url == reverse("assessments:assessment_detail", args=[assessment.pk])
    assert assessment.report is None
    other = client_for("lz_city")
    assert (
        other.post(
            reverse("assessments:annual_reports"), {"studio": studio.pk, "year": 2024}
        ).status_code
        == 404
    )


def test_home_panels(demo, client_for):
    studio = suizhou_studio()
    services.report_open(studio=studio, year=2024, today=WINDOW_DAY)
    from accounts.home import panels_for

    host_titles = [str(p.title) for p in panels_for(studio.host)]
    assert any("Annual report" in t or "年度" in t for t in host_titles)
    report = AnnualReport.objects.get(studio=studio)
    services.report_save(
        actor=studio.host,
        report=report,
        work_done="w",
        results="r",
        member_growth="",
        self_scores=full_scores(studio),
        host_still_head_teacher=True,
    )
    services.report_submit(actor=studio.host, report=report, today=WINDOW_DAY)
    items = [i for p in panels_for(demo.user("sz_ce")) for i in p.items]
    [waiting] = [i for i in items if i.url.endswith("?report_status=submitted")]
    assert waiting.count == 1
