"""What every assessment write shares: who assesses and is told, the report window, the policy's
indicators and score checks.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from core.uploads import ATTACHMENT_TYPES
from policies.models import Policy
from studios.models import Studio

from ..errors import AssessmentError
from ..models import AnnualAssessment
from ..selectors import annual_indicators

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
