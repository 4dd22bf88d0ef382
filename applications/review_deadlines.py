"""A call's review deadlines: by when schools, county bureaus and experts should have acted.

Each level's deadline is optional (the reminders in ``reminders.py`` chase the reviewers before
it). The municipal bureau's own step has none: it is the bureau that sets them.
"""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import date_problem

from .models import Call

# Each level's deadline field, in the order the levels act.
REVIEW_DEADLINES = ("school_review_ends_on", "county_review_ends_on", "expert_review_ends_on")
LEVEL_NAMES = {
    "school_review_ends_on": gettext_lazy("school review"),
    "county_review_ends_on": gettext_lazy("county review"),
}


def review_deadline_problems(call: Call) -> dict[str, list[str]]:
    """Reviews start as applications come in, so each deadline lies after the closing date,
    and a later level cannot have to finish before the level that hands it the forms."""
    problems: dict[str, list[str]] = {}
    earlier = None
    for field in REVIEW_DEADLINES:
        value = getattr(call, field)
        if value is None:
            continue
        problem = date_problem(value)
        if problem:
            problems[field] = [problem]
            continue
        if call.closes_on and value <= call.closes_on:
            problems[field] = [
                _("This review deadline must come after the closing date (%(date)s).")
                % {"date": date_format(call.closes_on)}
            ]
        elif earlier and value < getattr(call, earlier):
            problems[field] = [
                _("This deadline cannot come before the %(level)s deadline (%(date)s).")
                % {"level": LEVEL_NAMES[earlier], "date": date_format(getattr(call, earlier))}
            ]
        earlier = field
    return problems
