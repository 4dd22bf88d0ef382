"""The daily jobs that make deadlines run themselves.

Each app registers its jobs here with ``@daily_job("app.name")``: ``job(today) -> list[str]``,
one line per thing it did (empty when there was nothing to do). Every job is idempotent: it
acts through conditional updates, audit idempotency keys and notification dedupe keys, so a
second run for the same day — or two workers at once — changes nothing. Celery beat runs them
(config/schedule.py); ``python manage.py run_jobs --today YYYY-MM-DD`` replays any day by hand.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

_JOBS: dict[str, Callable[[date], list[str]]] = {}


@dataclass
class JobReport:
    name: str
    lines: list[str] = field(default_factory=list)


def daily_job(name: str):
    def register(fn):
        if name in _JOBS and _JOBS[name] is not fn:
            raise RuntimeError(f"daily job {name!r} registered twice")
        _JOBS[name] = fn
        return fn

    return register


def job_names() -> list[str]:
    return sorted(_JOBS)


def run_job(name: str, *, today: date) -> JobReport:
    return JobReport(name, list(_JOBS[name](today)))


def run_jobs(*, today: date, only: list[str] | None = None) -> list[JobReport]:
    names = only or job_names()
    unknown = set(names) - set(_JOBS)
    if unknown:
        raise LookupError(f"unknown jobs: {sorted(unknown)}")
    return [run_job(name, today=today) for name in names]
