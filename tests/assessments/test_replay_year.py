"""One year replayed day by day with every scheduled job (accounts.scheduling.run_jobs, twice a
day), for one studio under each policy preset, with the people acting on the days they would.

Under the pass/fail policy with rectification: the window opens, the host is reminded once,
the studio fails, the rectification deadline passes with no report, revocation is proposed to
the assessing body (the studio stays active), the assessor revokes, the plaque check says
revoked with the date. Under the scored policy without rectification: experts score, a fail
revokes (撤牌) at once. A revoked studio gets no report the next year.
"""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from accounts.scheduling import run_jobs
from assessments import services
from assessments.models import AnnualAssessment, AnnualReport, Rectification, RectificationStatus
from studios.models import StudioStatus
from tests.assessments.test_annual import full_scores
from tests.studios.factories import published_studios

pytestmark = pytest.mark.django_db


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def plaque_check(studio):
    response = Client().get(reverse("studios:plaque_verify"), {"number": studio.plaque_number})
    return response.context["state"], response.context["studio"].revoked_on


# Complex by nature: a year replayed step by step, read top to bottom.
def test_a_year_of_annual_assessment_replayed(demo, settings):  # noqa: C901
    settings.MINGSHI_REMINDER_DAYS_BEFORE = 3
    [lz] = published_studios("liuzhou-2024", [("liucheng-sx", "lz_host")], city="liuzhou")
    [sz] = published_studios("suizhou", [("zengdu-sx", "sz_host")], city="suizhou")
    officer, bureau, expert = demo.user("sz_ce"), demo.user("lz_city"), demo.user("lz_expert")

    def act(day: date) -> None:
        """What people do on ``day`` (between the night's and the morning's jobs)."""
        if day == date(2024, 12, 30):  # both hosts submit after the reminder
            for studio in (lz, sz):
                report = AnnualReport.objects.get(studio=studio, year=2024)
                services.report_save(
                    actor=studio.host,
                    report=report,
                    work_done="全年开展培训、研讨、交流活动。",
                    results="形成案例集。",
                    member_growth="成员获县级表彰。",
                    self_scores=full_scores(studio, "0.8"),
                    host_still_head_teacher=True,
                )
                services.report_submit(actor=studio.host, report=report, today=day)
        if day == date(2025, 1, 6):
            sz_assessment = services.report_accept(
                actor=officer, report=AnnualReport.objects.get(studio=sz), today=day
            )
            services.assessment_decide(
                actor=officer,
                assessment=sz_assessment,
                outcome="fail",
                comment="全年未开展跨区域交流活动。",
                required_actions="补开跨区域交流活动，提交整改报告。",
                today=day,
            )
            lz_assessment = services.report_accept(
                actor=bureau, report=AnnualReport.objects.get(studio=lz), today=day
            )
            services.expert_score_submit(
                actor=expert, assessment=lz_assessment, scores=full_scores(lz, "0.5")
            )
        if day == date(2025, 1, 8):
            lz_assessment = AnnualAssessment.objects.get(studio=lz, year=2024)
            services.assessment_decide(
                actor=bureau,
                assessment=lz_assessment,
                scores=full_scores(lz, "0.5"),
                comment="年度绩效评估不合格。",
                today=day,
            )

    for day in days(date(2024, 11, 28), date(2025, 3, 20)):
        run_jobs(today=day)
        act(day)
        run_jobs(today=day)

        if day == date(2024, 11, 30):
            assert not AnnualReport.objects.exists()
        if day == date(2024, 12, 1):  # the window opens: one report each, hosts told once
            assert AnnualReport.objects.filter(year=2024).count() == 2
            for studio in (lz, sz):
                assert AnnualReport.objects.get(studio=studio).due_on == date(2024, 12, 31)
        if day in (date(2024, 12, 27), date(2024, 12, 28)):  # 3 days before 31 December
            reminded = Notification.objects.filter(verb="assessments.report.deadline_soon")
            assert reminded.count() == (2 if day.day == 28 else 0)
        if day == date(2025, 1, 8):  # scored, no rectification in the policy: 撤牌 at once
            lz.refresh_from_db()
            assert (lz.status, lz.revoked_on) == (StudioStatus.REVOKED, day)
            assert plaque_check(lz) == ("revoked", day)
        if day == date(2025, 3, 7):  # the deadline: 6 January + 60 days
            rectification = Rectification.objects.get(assessment__studio=sz)
            assert rectification.deadline == day
            assert rectification.status == RectificationStatus.OPEN
        if day == date(2025, 3, 8):  # the deadline has passed: a proposal only
            rectification = Rectification.objects.get(assessment__studio=sz)
            assert rectification.status == RectificationStatus.REVOCATION_PROPOSED
            sz.refresh_from_db()
            assert sz.status == StudioStatus.ACTIVE
            assert plaque_check(sz) == ("active", None)
        if day == date(2025, 3, 12):
            services.rectification_reject(
                actor=officer,
                rectification=Rectification.objects.get(assessment__studio=sz),
                comment="逾期未提交整改报告，整改不力。",
                today=day,
            )

    for studio in (lz, sz):
        host = studio.host
        opened = Notification.objects.filter(verb="assessments.report.opened", recipient=host)
        assert opened.count() == 1
        reminded = Notification.objects.filter(
            verb="assessments.report.deadline_soon", recipient=host
        )
        assert reminded.count() == 1

    rectification = Rectification.objects.get(assessment__studio=sz)
    assert rectification.status == RectificationStatus.REVOKED
    reminders = Notification.objects.filter(verb="assessments.rectification.deadline_soon")
    assert reminders.count() == 1
    proposals = Notification.objects.filter(
        verb="assessments.rectification.revocation_proposed", recipient=officer
    )
    assert proposals.count() == 1
    sz.refresh_from_db()
    assert (sz.status, sz.revoked_on) == (StudioStatus.REVOKED, date(2025, 3, 12))
    assert plaque_check(sz) == ("revoked", date(2025, 3, 12))
    assert not sz.memberships.filter(end_date__isnull=True).exists()

    # The next year's window opens for no revoked studio.
    for day in (date(2025, 12, 1), date(2025, 12, 2)):
        run_jobs(today=day)
    assert not AnnualReport.objects.filter(year=2025).exists()
