"""What every assessment write shares: who assesses and is told, the report window, the policy's
indicators and score checks.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, Role, User
from accounts.permissions import can
from accounts.selectors import users_with_role
from core.uploads import ATTACHMENT_TYPES
from policies.models import Indicator, IndicatorScope, Policy
from studios.models import Studio, StudioStatus

from ..errors import AssessmentError
from ..models import AnnualAssessment
from ..permissions import ASSESSOR_ROLE

# Reports, scans and photos the host attaches to the year's report.
REPORT_ATTACHMENT_TYPES = {
    ".pdf",
    ".docx",
    ".doc",
    ".xlsx",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
} & set(ATTACHMENT_TYPES)


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


def _clean_scores(policy: Policy, scores: dict, *, complete: bool) -> dict[str, str]:
    """Points per indicator code, each between 0 and the indicator's points. ``complete``
    asks for every indicator."""
    indicators = {i.code: i for i in annual_indicators(policy)}
    unknown = set(scores) - set(indicators)
    if unknown:
        raise AssessmentError(_("Scores were given for indicators this policy does not have."))
    cleaned: dict[str, str] = {}
    for code, indicator in indicators.items():
        raw = scores.get(code)
        if raw in (None, ""):
            if complete:
                raise AssessmentError(
                    _("Give points for “%(indicator)s”.") % {"indicator": indicator.name}
                )
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise AssessmentError(
                _("“%(value)s” is not a number (%(indicator)s).")
                % {"value": raw, "indicator": indicator.name}
            ) from None
        if not value.is_finite() or value < 0 or value > indicator.max_points:
            raise AssessmentError(
                _("Points for “%(indicator)s” lie between 0 and %(max)s.")
                % {"indicator": indicator.name, "max": indicator.max_points}
            )
        cleaned[code] = str(value.quantize(Decimal("0.1")))
    return cleaned


def _moment(today: date):
    """Now, on the application's ``today`` (the same thing, except in a replayed day)."""
    now = timezone.localtime()
    if now.date() == today:
        return now
    return timezone.make_aware(datetime.combine(today, now.time()))


def _total(scores: dict) -> Decimal:
    return sum((Decimal(v) for v in scores.values()), Decimal("0"))


def _assessor_may_act(actor: User, studio: Studio) -> None:
    if not can(actor, "assessments.assess_studio", studio):
        raise AssessmentError(_("Only the body the policy names assesses this studio."))


def _locked_assessment(assessment: AnnualAssessment) -> AnnualAssessment:
    return (
        AnnualAssessment.objects.select_for_update()
        .select_related("studio__policy", "studio__school", "studio__host")
        .get(pk=assessment.pk)
    )
