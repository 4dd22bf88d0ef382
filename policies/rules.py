"""Questions answered against a policy: the school calendar and how long a text is.

Every city-specific number comes from the Policy passed in; nothing here names a city.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .models import PlanLengthMethod, Policy, QuotaPeriod, TeamRole, TeamRule


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end] with the label users write for it."""

    kind: str
    start: date
    end: date
    label: str

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def school_year_start(policy: Policy, day: date) -> date:
    """The first day of the school year that ``day`` falls in (e.g. 1 September)."""
    start = date(day.year, policy.school_year_start_month, policy.school_year_start_day)
    return start if day >= start else start.replace(year=day.year - 1)


def school_year_label(first_year: int) -> str:
    return _("%(first)d–%(second)d school year") % {"first": first_year, "second": first_year + 1}


def semester_label(first_year: int, autumn: bool) -> str:
    if autumn:
        return _("%(first)d–%(second)d school year, first semester") % {
            "first": first_year,
            "second": first_year + 1,
        }
    return _("%(first)d–%(second)d school year, second semester") % {
        "first": first_year,
        "second": first_year + 1,
    }


def period_containing(policy: Policy, period: str, day: date) -> Period:
    """The month, semester, calendar year or school year of ``policy``'s calendar around ``day``."""
    if period == QuotaPeriod.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(
            period, start, end, _("%(year)d-%(month)02d") % {"year": day.year, "month": day.month}
        )
    if period == QuotaPeriod.YEAR:
        return Period(period, date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))
    year_start = school_year_start(policy, day)
    next_year_start = year_start.replace(year=year_start.year + 1)
    if period == QuotaPeriod.SCHOOL_YEAR:
        return Period(
            period,
            year_start,
            next_year_start - timedelta(days=1),
            school_year_label(year_start.year),
        )
    if period == QuotaPeriod.SEMESTER:
        spring_start = date(
            year_start.year + 1,
            policy.spring_semester_start_month,
            policy.spring_semester_start_day,
        )
        if day < spring_start:
            return Period(
                period,
                year_start,
                spring_start - timedelta(days=1),
                semester_label(year_start.year, autumn=True),
            )
        return Period(
            period,
            spring_start,
            next_year_start - timedelta(days=1),
            semester_label(year_start.year, autumn=False),
        )
    raise ValueError(f"unknown period {period!r}")


_CJK = re.compile(
    r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]"
)
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'.][A-Za-z0-9]+)*")


def text_length(policy: Policy, text: str) -> int:
    """How long ``text`` is, counted the way the policy says its limits are meant."""
    if policy.plan_length_method == PlanLengthMethod.NON_WHITESPACE:
        return sum(1 for ch in text if not ch.isspace())
    # Word's 字数: each CJK character or full-width mark is one; each Latin word or number
    # is one; other half-width punctuation counts one each.
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text)
    words = len(_LATIN_WORD.findall(rest))
    rest = _LATIN_WORD.sub(" ", rest)
    marks = sum(1 for ch in rest if not ch.isspace())
    return cjk + words + marks


def team_rule(policy: Policy, role: TeamRole) -> TeamRule | None:
    """The policy's rule for ``role``; None means the role has no place in this city's studios."""
    for candidate in policy.team_rules.all():
        if candidate.role == role:
            return candidate
    return None


def age_on(birth: date, day: date) -> int:
    """Full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
