"""Reads for annual reports and assessments, already scoped to the user asking.

Hosts see their studios' reports and assessments; the assessing body (the role the policy
names, in its city) sees the studios it assesses with the state of each one's report,
assessment and rectification; the city's experts see the assessments they are asked to score,
where the policy has experts take part.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from guardian.shortcuts import get_objects_for_user

from accounts.models import OrganisationKind, Role, User
from accounts.permissions import scope_q
from accounts.selectors import users_with_role
from policies.models import Indicator, IndicatorScope, Policy
from studios.compliance import studio_compliance
from studios.models import Activity, Attendance, AttendanceStatus, Studio, StudioStatus

from .models import (
    AnnualAssessment,
    AnnualReport,
    ExpertScore,
    Rectification,
    RectificationStatus,
    ReportStatus,
)
from .permissions import ASSESSOR_ROLE


def _hosted_studio_ids(user: User) -> QuerySet:
    return get_objects_for_user(
        user, "studios.manage_studio", klass=Studio, with_superuser=False
    ).values("pk")


def assessed_scope_q(user: User, prefix: str = "") -> Q:
    """The studios ``user`` assesses: for each assessing role they hold, the studios of their
    city whose policy names that role's body. A filter on Studio (or on ``prefix`` to one)."""
    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for kind, role in ASSESSOR_ROLE.items():
        q |= Q(**{f"{prefix}policy__annual_assessor": kind}) & scope_q(
            user, roles={role}, prefix=f"{prefix}school__"
        )
    return q


def _expert_scope_q(user: User, prefix: str = "") -> Q:
    return Q(**{f"{prefix}policy__annual_assessment_with_experts": True}) & scope_q(
        user, roles={Role.EXPERT}, prefix=f"{prefix}school__"
    )


# --- hosts ------------------------------------------------------------------------------------


def reports_for_host(user: User) -> QuerySet[AnnualReport]:
    """The annual reports of the studios ``user`` hosts, newest year first."""
    if not user.is_authenticated:
        return AnnualReport.objects.none()
    return (
        AnnualReport.objects.filter(studio_id__in=_hosted_studio_ids(user))
        .select_related("studio", "assessment", "assessment__rectification")
        .order_by("-year", "studio__name")
    )


# --- one report / one assessment ---------------------------------------------------------------


def reports_for(user: User) -> QuerySet[AnnualReport]:
    """Every report the user may open: their own studios', those they assess, and (experts)
    those of the assessments they score."""
    queryset = AnnualReport.objects.select_related(
        "studio__policy", "studio__school", "studio__host"
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(
        Q(studio_id__in=_hosted_studio_ids(user))
        | assessed_scope_q(user, "studio__")
        | _expert_scope_q(user, "studio__")
    )


def report_for(user: User, pk: int) -> AnnualReport | None:
    return reports_for(user).filter(pk=pk).first()


def assessments_for(user: User) -> QuerySet[AnnualAssessment]:
    queryset = AnnualAssessment.objects.select_related(
        "studio__policy", "studio__school", "studio__host", "report", "assessor"
    )
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(
        Q(studio_id__in=_hosted_studio_ids(user))
        | assessed_scope_q(user, "studio__")
        | _expert_scope_q(user, "studio__")
    )


def assessment_for(user: User, pk: int) -> AnnualAssessment | None:
    return assessments_for(user).filter(pk=pk).first()


def assessments_to_score(user: User) -> QuerySet[AnnualAssessment]:
    """Experts: open assessments of their city (where experts take part) they have not scored."""
    if not user.is_authenticated or user.is_superuser:
        return AnnualAssessment.objects.none()
    mine = ExpertScore.objects.filter(
        assessment=OuterRef("pk"), expert=user, submitted_at__isnull=False
    )
    return (
        AnnualAssessment.objects.filter(
            _expert_scope_q(user, "studio__"), status=AnnualAssessment.Status.OPEN
        )
        .exclude(Exists(mine))
        .select_related("studio")
        .order_by("-year", "studio__name")
    )


# --- the assessing body's list -----------------------------------------------------------------


def assessed_studios(
    user: User,
    *,
    year: int,
    report_status: str = "",
    outcome: str = "",
    rectification_status: str = "",
    query: str = "",
    include_inactive: bool = False,
) -> QuerySet[Studio]:
    """The studios ``user`` assesses, each annotated with the year's report (``report_id``,
    ``report_status``), assessment (``assessment_id``, ``assessment_status``, ``outcome``) and
    rectification (``rectification_status``, ``rectification_deadline``). One query, however
    many studios. ``report_status`` "none" means no report yet."""
    reports = AnnualReport.objects.filter(studio=OuterRef("pk"), year=year)
    assessments = AnnualAssessment.objects.filter(studio=OuterRef("pk"), year=year)
    rectifications = Rectification.objects.filter(
        assessment__studio=OuterRef("pk"), assessment__year=year
    )
    queryset = (
        Studio.objects.filter(assessed_scope_q(user))
        .select_related("school", "county", "policy")
        .annotate(
            report_id=Subquery(reports.values("pk")[:1]),
            report_status=Subquery(reports.values("status")[:1]),
            assessment_id=Subquery(assessments.values("pk")[:1]),
            assessment_status=Subquery(assessments.values("status")[:1]),
            outcome=Subquery(assessments.values("outcome")[:1]),
            total=Subquery(assessments.values("total")[:1]),
            rectification_status=Subquery(rectifications.values("status")[:1]),
            rectification_deadline=Subquery(rectifications.values("deadline")[:1]),
        )
        .order_by("policy__city", "policy__code", "plaque_number")
    )
    if not include_inactive:
        queryset = queryset.filter(Q(status=StudioStatus.ACTIVE) | Q(revoked_on__year__gte=year))
    if report_status == "none":
        queryset = queryset.filter(report_id__isnull=True)
    elif report_status:
        queryset = queryset.filter(report_status=report_status)
    if outcome == "none":
        queryset = queryset.filter(outcome__isnull=True)
    elif outcome:
        queryset = queryset.filter(outcome=outcome)
    if rectification_status:
        queryset = queryset.filter(rectification_status=rectification_status)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(school__name__icontains=query))
    return queryset


@dataclass
class AssessorCounts:
    reports_to_assess: int = 0
    rectifications_waiting: int = 0
    revocations_proposed: int = 0


def assessor_counts(user: User) -> AssessorCounts:
    """What waits for the assessing body: submitted reports, submitted rectification reports,
    revocation proposals. One query."""

    row = Studio.objects.filter(assessed_scope_q(user)).aggregate(
        reports=Count(
            "annual_reports",
            filter=Q(annual_reports__status=ReportStatus.SUBMITTED),
            distinct=True,
        ),
        waiting=Count(
            "assessments__rectification",
            filter=Q(assessments__rectification__status=RectificationStatus.SUBMITTED),
            distinct=True,
        ),
        proposed=Count(
            "assessments__rectification",
            filter=Q(assessments__rectification__status=RectificationStatus.REVOCATION_PROPOSED),
            distinct=True,
        ),
    )
    return AssessorCounts(row["reports"], row["waiting"], row["proposed"])


# --- what a report pulls in -------------------------------------------------------------------


@dataclass
class AttendanceLine:
    name: str
    role: str
    present: int = 0
    leave: int = 0
    absent: int = 0


@dataclass
class YearData:
    """The year's activities, attendance and quota compliance, read from what the studio
    logged (never retyped into the report)."""

    activities: list = field(default_factory=list)
    attendance: list[AttendanceLine] = field(default_factory=list)
    compliance: list = field(default_factory=list)
    as_of: date | None = None


def report_year_data(report: AnnualReport, today: date) -> YearData:
    studio = report.studio
    start, end = date(report.year, 1, 1), date(report.year, 12, 31)
    activities = list(
        Activity.objects.filter(studio=studio, held_on__range=(start, end)).order_by("held_on")
    )
    lines: dict[int, AttendanceLine] = {}
    rows = (
        Attendance.objects.filter(activity__studio=studio, activity__held_on__range=(start, end))
        .select_related("membership")
        .order_by("membership__role", "membership__pk")
    )
    for record in rows:
        m = record.membership
        line = lines.setdefault(m.pk, AttendanceLine(m.name, m.get_role_display()))
        if record.status == AttendanceStatus.PRESENT:
            line.present += 1
        elif record.status == AttendanceStatus.LEAVE:
            line.leave += 1
        else:
            line.absent += 1
    as_of = max(min(today, end, studio.term_end), studio.term_start)
    return YearData(
        activities=activities,
        attendance=list(lines.values()),
        compliance=studio_compliance(studio, as_of),
        as_of=as_of,
    )


def expert_means(assessment: AnnualAssessment) -> tuple[dict[str, Decimal], Decimal | None, int]:
    """The mean of the submitted expert scores per indicator, the mean total, and how many."""
    scores = list(assessment.expert_scores.filter(submitted_at__isnull=False))
    if not scores:
        return {}, None, 0
    codes = {code for s in scores for code in s.scores}
    means = {
        code: (sum(Decimal(s.scores.get(code, "0")) for s in scores) / len(scores)).quantize(
            Decimal("0.1")
        )
        for code in codes
    }
    total = (sum(s.total or Decimal("0") for s in scores) / len(scores)).quantize(Decimal("0.1"))
    return means, total, len(scores)


# --- who assesses and is told; the report window; the indicators (services read these too) ---


def assessing_body(studio: Studio):
    """The organisation the policy names for annual assessments, in the studio's city."""
    return studio.school.city.organisations.filter(kind=studio.policy.annual_assessor).first()


def assessors_of(studio: Studio) -> list[User]:
    body = assessing_body(studio)
    if body is None:
        return []
    return users_with_role(ASSESSOR_ROLE[studio.policy.annual_assessor], body)


def experts_of(studio: Studio) -> list[User]:
    bureau = studio.school.city.organisations.filter(kind=OrganisationKind.MUNICIPAL_BUREAU).first()
    return users_with_role(Role.EXPERT, bureau) if bureau is not None else []


def report_window(policy: Policy, year: int) -> tuple[date, date]:
    """The days the year's report may be written: from the 1st of the policy's report month,
    for ``annual_report_days`` days (the last one is the due date)."""
    opens_on = date(year, policy.annual_report_month, 1)
    return opens_on, opens_on + timedelta(days=policy.annual_report_days - 1)


def reports_due(studio: Studio, year: int) -> bool:
    """A studio reports on a year when it is active and its term meets the year's window."""
    opens_on, due_on = report_window(studio.policy, year)
    return (
        studio.status == StudioStatus.ACTIVE
        and studio.term_start <= due_on
        and studio.term_end >= opens_on
    )


def annual_indicators(policy: Policy) -> list[Indicator]:
    return list(policy.indicators.filter(scope=IndicatorScope.ANNUAL).order_by("position", "pk"))
