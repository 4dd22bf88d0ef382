"""The window a typed date must fall in: a wrong year is a typing error, not a plan.

A date of year 1 or 9999 is accepted by every database and breaks later, when something
adds a notice period to it or counts the school years in between. Forms (core.forms) and
the services that take dates from elsewhere ask the same question here.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Window:
    years_back: int
    years_ahead: int

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        today = today or timezone.localdate()
        return _years_from(today, -self.years_back), _years_from(today, self.years_ahead)


# Events, plans and deadlines: the records of a long career back, a few terms ahead.
EVENT = Window(years_back=30, years_ahead=10)
# When someone was born: nobody working is older than a century, nobody is born tomorrow.
BIRTH = Window(years_back=100, years_ahead=0)


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def date_problem(value: date | None, window: Window = EVENT) -> str | None:
    """Why ``value`` is outside ``window``, in the user's language, or None."""
    if value is None:
        return None
    earliest, latest = window.bounds()
    if earliest <= value <= latest:
        return None
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
    }
