"""Scheduled job of the three-year evaluation: open each studio's evaluation once."""

from datetime import date, timedelta

from accounts.scheduling import daily_job
from studios.models import Studio, StudioStatus

from .evaluation import OPEN_DAYS_BEFORE_TERM_END, evaluation_open


@daily_job("assessments.open_term_evaluations")
def open_term_evaluations(today: date) -> list[str]:
    """Open the evaluation of every active studio in its term's last month (or later, when a
    run was missed). ``evaluation_open`` is idempotent, so a second run opens nothing."""
    studios = Studio.objects.filter(
        status=StudioStatus.ACTIVE,
        term_end__lte=today + timedelta(days=OPEN_DAYS_BEFORE_TERM_END),
        evaluation__isnull=True,
    ).select_related("school", "policy", "call__bureau")
    lines = []
    for studio in studios.order_by("term_end", "pk"):
        evaluation = evaluation_open(studio, today)
        if evaluation is not None:
            lines.append(f"{studio.name}: three-year evaluation opened ({studio.term_end})")
    return lines
