"""Who may submit: checks that higher layers add to the submission of an application.

applications sits below the apps that know why a teacher may not host (assessments records
who failed a term evaluation); they register a check here, as permissions and daily jobs are
registered, and the submission asks every check without importing them.

A check is ``check(application, today) -> str | None``: a translated reason, or None.
"""

from collections.abc import Callable
from datetime import date

_CHECKS: list[Callable] = []


def eligibility_check(check: Callable) -> Callable:
    """Register ``check`` (a decorator)."""
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def refusals(application, today: date) -> list[str]:
    """Every registered check's reason why ``application`` may not be submitted on ``today``."""
    return [reason for check in _CHECKS if (reason := check(application, today))]
