"""A person's deadlines, from every app: what they must do by which day.

The calendar feed (``studios.views.calendars``) shows them to calendar apps. The deadlines live
in apps on every floor (a teacher's application, a reviewer's level, a host's quotas and annual
report), so this floor owns the registry and each app registers a source in its ``agenda.py``,
as home panels do (``accounts.home``).

A source is ``fn(user, today) -> Iterable[Deadline]``. Sources run on every fetch of a feed, so
each costs a constant number of queries, however many deadlines it finds.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Deadline:
    # Stable for the same obligation from one fetch to the next (the object and what is due),
    # so that a calendar app moves the event when its day changes instead of adding another.
    key: str
    day: date
    summary: str
    url: str = ""  # a path on this site
    description: str = ""


_SOURCES: list[Callable[..., Iterable[Deadline]]] = []


def deadline_source(source: Callable[..., Iterable[Deadline]]) -> Callable:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def deadlines_for(user, today: date) -> list[Deadline]:
    """Every source's deadlines for ``user``, soonest first (ties in a stable order)."""
    found = [deadline for source in _SOURCES for deadline in source(user, today)]
    return sorted(found, key=lambda deadline: (deadline.day, deadline.key))
