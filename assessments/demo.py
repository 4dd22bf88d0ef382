"""Last year's annual cycle for the demo studios, through the services: reports submitted and
assessed; one studio commended (scored policies), one failed and rectified (pass/fail)."""

from datetime import date, timedelta
from decimal import Decimal

from accounts.models import OrganisationKind, Role, User
from accounts.permissions import has_role
from policies.models import Policy
from studios.models import Studio, StudioStatus

from . import selectors, services
from .models import AnnualReport


def seed_assessments(policy: Policy, prefix: str, today: date) -> None:
    year = today.year - 1
    window_opens = date(year, policy.annual_report_month, 1)
    studios = Studio.objects.filter(
        policy=policy, status=StudioStatus.ACTIVE, term_start__lt=window_opens
    ).order_by("plaque_number")
    assessor = _assessor(policy, prefix)
    experts = [u for u in User.objects.filter(username__startswith=f"{prefix}_expert")]
    for index, studio in enumerate(studios):
        if AnnualReport.objects.filter(studio=studio, year=year).exists():
            continue
        report, _created = services.report_open(studio=studio, year=year, today=window_opens)
        scores = {
            i.code: str(
                (i.max_points * Decimal("0.95" if index == 0 else "0.8")).quantize(Decimal("0.1"))
            )
            for i in selectors.annual_indicators(policy)
        }
        services.report_save(
            actor=studio.host,
            report=report,
            work_done="全年按计划开展培训、专题研讨、结对帮扶等活动。",
            results="形成主题班会案例集一册，成员论文两篇获市级奖项。",
            member_growth="成员均完成个人成长规划，两人获县级优秀班主任称号。",
            self_scores=scores,
            host_still_head_teacher=True,
        )
        submitted = report.due_on - timedelta(days=2)
        services.report_submit(actor=studio.host, report=report, today=submitted)
        decided = report.due_on + timedelta(days=6)
        assessment = services.report_accept(
            actor=assessor, report=report, comment="", today=decided
        )
        if policy.annual_assessment_with_experts:
            for expert in experts:
                services.expert_score_submit(
                    actor=expert, assessment=assessment, scores=scores, comment="材料翔实。"
                )
        failing = index == 2 and policy.rectification_on_fail
        services.assessment_decide(
            actor=assessor,
            assessment=assessment,
            outcome="fail" if failing else ("pass" if not policy.annual_pass_score else ""),
            scores=scores if policy.annual_pass_score else None,
            comment="全年跨区域交流活动不足。" if failing else "工作扎实，成效明显。",
            required_actions="补开跨区域交流活动并提交整改报告。" if failing else "",
            today=decided,
        )
        if failing:
            rectification = assessment.rectification
            services.rectification_submit(
                actor=studio.host,
                rectification=rectification,
                report="已补开两次跨区域交流活动，整改报告附后。",
                today=decided + timedelta(days=30),
            )
            services.rectification_accept(
                actor=assessor,
                rectification=rectification,
                comment="整改到位，予以通过。",
                today=decided + timedelta(days=35),
            )


def _assessor(policy: Policy, prefix: str) -> User:
    role = (
        Role.CE_OFFICER
        if policy.annual_assessor == OrganisationKind.CE_CENTRE
        else (Role.MUNICIPAL_ADMIN)
    )
    user = User.objects.get(username=f"{prefix}_{'ce' if role == Role.CE_OFFICER else 'city'}")
    assert has_role(user, role)
    return user
