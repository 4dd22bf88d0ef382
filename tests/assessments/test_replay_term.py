"""A whole three-year term, replayed at its key dates with every scheduled job (each run twice),
for one studio under each preset: three annual cycles (windows, reminders, assessments; a
failed year rectified in time), then the term-end evaluation the job opens, with its outcome
on the host's record and on the next application form."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Notification, Role, RoleAssignment
from accounts.scheduling import run_jobs
from applications import completeness as application_completeness
from assessments import evaluation, services
from assessments.models import (
    AnnualReport,
    Commendation,
    HostExclusion,
    RectificationStatus,
    TermEvaluation,
)
from studios.models import StudioStatus
from tests.applications.factories import draft, open_call
from tests.assessments.test_annual import full_scores
from tests.studios.factories import published_studios

pytestmark = pytest.mark.django_db


def jobs(day: date) -> None:
    run_jobs(today=day)
    run_jobs(today=day)  # a second run, as a retried beat would: changes nothing


def term_scores(studio, fraction: str) -> dict[str, str]:
    return {
        i.code: str((i.max_points * Decimal(fraction)).quantize(Decimal("0.1")))
        for i in evaluation.term_indicators(studio.policy)
    }


def test_a_whole_term_for_a_studio_of_each_city(demo, settings):
    settings.MINGSHI_REMINDER_DAYS_BEFORE = 3
    [lz] = published_studios("liuzhou-2024", [("liucheng-sx", "lz_host")], city="liuzhou")
    [sz] = published_studios("suizhou", [("zengdu-sx", "sz_host")], city="suizhou")
    officer, bureau = demo.user("sz_ce"), demo.user("lz_city")
    lz_expert = demo.user("lz_expert")
    sz_bureau, sz_expert = demo.user("sz_city"), demo.user("sz_expert")

    for year in (2024, 2025, 2026):
        opens = date(year, 12, 1)
        jobs(opens)
        for studio in (lz, sz):
            report = AnnualReport.objects.get(studio=studio, year=year)
            assert report.opens_on == opens
        reminder = AnnualReport.objects.get(studio=lz, year=year).due_on - timedelta(days=3)
        jobs(reminder)
        for studio in (lz, sz):
            report = AnnualReport.objects.get(studio=studio, year=year)
            services.report_save(
                actor=studio.host,
                report=report,
                work_done="全年开展培训、研讨、交流活动。",
                results="形成案例集。",
                member_growth="成员获县级表彰。",
                self_scores=full_scores(studio, "0.8"),
                host_still_head_teacher=True,
            )
            services.report_submit(actor=studio.host, report=report, today=reminder)
        decided = date(year + 1, 1, 6)
        jobs(decided)
        sz_assessment = services.report_accept(
            actor=officer, report=AnnualReport.objects.get(studio=sz, year=year), today=decided
        )
        failed_year = year == 2025
        services.assessment_decide(
            actor=officer,
            assessment=sz_assessment,
            outcome="fail" if failed_year else "pass",
            comment="全年未开展跨区域交流活动。" if failed_year else "合格。",
            required_actions="补开跨区域交流活动，提交整改报告。" if failed_year else "",
            today=decided,
        )
        lz_assessment = services.report_accept(
            actor=bureau, report=AnnualReport.objects.get(studio=lz, year=year), today=decided
        )
        services.expert_score_submit(
            actor=lz_expert, assessment=lz_assessment, scores=full_scores(lz, "0.85")
        )
        services.assessment_decide(
            actor=bureau,
            assessment=lz_assessment,
            scores=full_scores(lz, "0.85"),
            comment="工作扎实。",
            today=decided,
        )
        if failed_year:
            rectification = sz_assessment.rectification
            assert rectification.status == RectificationStatus.OPEN
            services.rectification_submit(
                actor=sz.host,
                rectification=rectification,
                report="已补开两次跨区域交流活动。",
                today=decided + timedelta(days=20),
            )
            services.rectification_accept(
                actor=officer,
                rectification=rectification,
                comment="整改到位。",
                today=decided + timedelta(days=25),
            )
            jobs(rectification.deadline + timedelta(days=1))
            rectification.refresh_from_db()
            assert rectification.status == RectificationStatus.ACCEPTED  # no proposal made

    # each window opened and reminded once per host and year
    for studio in (lz, sz):
        assert (
            Notification.objects.filter(
                recipient=studio.host, verb__contains="report", dedupe_key__isnull=False
            ).count()
            >= 3
        )
    sz.refresh_from_db()
    assert sz.status == StudioStatus.ACTIVE

    # The term's last month: the job opens the evaluations, once.
    opening = date(2027, 8, 1)
    jobs(opening)
    assert TermEvaluation.objects.count() == 2
    for studio, bureau_user, expert, fraction in (
        (lz, bureau, lz_expert, "0.95"),
        (sz, sz_bureau, sz_expert, "0.4"),
    ):
        term = TermEvaluation.objects.get(studio=studio)
        evaluation.evaluation_assign_experts(actor=bureau_user, evaluation=term, experts=[expert])
        evaluation.evaluation_score(
            actor=expert, evaluation=term, scores=term_scores(studio, fraction), comment="评语"
        )
        evaluation.evaluation_decide(
            actor=bureau_user, evaluation=term, comment="期满评估。", today=date(2027, 8, 20)
        )
    lz_term, sz_term = (TermEvaluation.objects.get(studio=s) for s in (lz, sz))
    assert (lz_term.outcome, sz_term.outcome) == ("excellent", "fail")
    assert Commendation.objects.filter(person=lz.host, studio=lz).exists()
    assert Commendation.objects.filter(studio=lz).count() > 1  # the members' records too
    exclusion = HostExclusion.objects.get(person=sz.host)
    assert exclusion.until > date(2027, 9, 1)

    # The next cycle's form refuses the excluded host, with the date.
    RoleAssignment.objects.get_or_create(
        user=sz.host, role=Role.TEACHER, organisation=demo.org("zengdu-sx", "suizhou")
    )
    call = open_call("suizhou", opens_on=date(2027, 9, 1), closes_on=date(2027, 9, 30))
    application = draft(call, sz.host)
    problems = application_completeness.application_problems(application, today=date(2027, 9, 10))
    assert exclusion.until.isoformat() in " ".join(problems["__all__"])
