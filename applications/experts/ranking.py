"""The ranking: each application's scores aggregated as the policy says (mean, or trimmed mean)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from ..models import (
    Application,
    Call,
    RubricCriterion,
    Score,
    ScoreAggregation,
)
from .assignment import RANKED_STATUSES, TRIM_MINIMUM, State


def aggregate(values: list[Decimal], method: str) -> tuple[Decimal | None, bool]:
    """Combine experts' scores as the call says. Returns (value, whether trimmed).

    ``trimmed_mean`` drops one highest and one lowest score, which needs at least three
    scores; with fewer, it is the plain mean (and the second value says so).
    """
    if not values:
        return None, False
    if method == ScoreAggregation.TRIMMED_MEAN and len(values) >= TRIM_MINIMUM:
        kept = sorted(values)[1:-1]
        return sum(kept, Decimal(0)) / Decimal(len(kept)), True
    return sum(values, Decimal(0)) / Decimal(len(values)), False


@dataclass
class CriterionResult:
    criterion: RubricCriterion
    value: Decimal | None


@dataclass
class ExpertTotal:
    expert: str
    total: Decimal


@dataclass
class RankedApplication:
    """One line of the ranking. Values are exact Decimals; round them only for display."""

    application: Application
    criteria: list[CriterionResult]
    total: Decimal | None
    spread: Decimal | None
    count: int
    assigned: int
    trimmed: bool
    expert_totals: list[ExpertTotal]
    rank: int | None = None

    @property
    def mean_instead_of_trimmed(self) -> bool:
        """The call trims, but there were too few scores to drop the extremes."""
        return (
            self.application.call.score_aggregation == ScoreAggregation.TRIMMED_MEAN
            and 0 < self.count < TRIM_MINIMUM
        )

    @property
    def pending(self) -> int:
        return max(self.assigned - self.count, 0)


def ranking(call: Call) -> list[RankedApplication]:
    """The call's applications from expert review on, best total first.

    For each: the aggregate of every criterion and of the experts' totals (mean or trimmed
    mean, as the call says), the spread (highest minus lowest expert total) and how many
    experts have submitted. Three queries, however many applications and experts.
    """
    criteria = list(call.criteria.all())
    applications = list(
        call.applications.filter(status__in=RANKED_STATUSES)
        .select_related("school", "county", "call")
        .annotate(
            assigned_count=Count(
                "expert_assignments",
                filter=~Q(expert_assignments__state=State.CONFLICT),
            )
        )
        .order_by("pk")
    )
    rows = (
        Score.objects.filter(
            assignment__application__call=call,
            assignment__application__status__in=RANKED_STATUSES,
            assignment__state=State.SUBMITTED,
        )
        .values_list(
            "assignment__application_id",
            "assignment_id",
            "assignment__expert__full_name",
            "assignment__expert__username",
            "criterion_id",
            "value",
        )
        .order_by("assignment__submitted_at", "assignment_id")
    )
    # application → assignment → (expert name, {criterion: value})
    sheets: dict[int, dict[int, tuple[str, dict[int, Decimal]]]] = defaultdict(dict)
    for application_id, assignment_id, full_name, username, criterion_id, value in rows:
        sheet = sheets[application_id].setdefault(assignment_id, (full_name or username, {}))
        sheet[1][criterion_id] = value

    method = call.score_aggregation
    ranked: list[RankedApplication] = []
    for application in applications:
        sheet = sheets.get(application.pk, {})
        results = []
        for criterion in criteria:
            values = [v[criterion.pk] for _name, v in sheet.values() if criterion.pk in v]
            results.append(CriterionResult(criterion, aggregate(values, method)[0]))
        totals = [ExpertTotal(name, sum(v.values(), Decimal(0))) for name, v in sheet.values()]
        numbers = [t.total for t in totals]
        total, trimmed = aggregate(numbers, method)
        ranked.append(
            RankedApplication(
                application=application,
                criteria=results,
                total=total,
                spread=(max(numbers) - min(numbers)) if numbers else None,
                count=len(numbers),
                assigned=application.assigned_count,
                trimmed=trimmed,
                expert_totals=totals,
            )
        )
    ranked.sort(
        key=lambda r: (
            r.total is None,
            -(r.total or 0),
            r.application.host_name,
            r.application.pk,
        )
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.total is None:
            continue
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank  # ties share a rank (1, 2, 2, 4)
    return ranked
