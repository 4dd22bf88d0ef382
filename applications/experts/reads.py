"""Reads for the expert pages: an expert's assignments, the score cards, what still
needs experts.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User

from ..models import (
    Application,
    ApplicationStatus,
    Call,
    ExpertAssignment,
    RubricCriterion,
)
from .assignment import State


def assignments_for(user: User, *, state: str = "") -> QuerySet[ExpertAssignment]:
    """The expert's own assignments, the ones to score first."""
    queryset = ExpertAssignment.objects.filter(expert=user).select_related(
        "application__call", "application__school", "application__county"
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("state", "-assigned_at", "-pk")


def assignment_for(user: User, pk: int) -> ExpertAssignment | None:
    """One of the expert's own assignments (None for anyone else's: the view answers 404)."""
    return (
        ExpertAssignment.objects.filter(pk=pk, expert=user)
        .select_related(
            "application__call__bureau",
            "application__call__policy",
            "application__school",
            "application__county",
            "application__applicant",
        )
        .first()
    )


@dataclass
class ScoreCard:
    """One expert's submitted scores for one application."""

    assignment: ExpertAssignment
    values: list[tuple[RubricCriterion, Decimal | None]]
    total: Decimal


def score_cards(application: Application, criteria: list[RubricCriterion]) -> list[ScoreCard]:
    """Every submitted score of ``application`` (ask ``applications.view_scores`` first)."""
    assignments = (
        application.expert_assignments.filter(state=State.SUBMITTED)
        .select_related("expert")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
    cards = []
    for assignment in assignments:
        by_criterion = {s.criterion_id: s.value for s in assignment.scores.all()}
        values = [(c, by_criterion.get(c.pk)) for c in criteria]
        total = sum((v for v in by_criterion.values()), Decimal(0))
        cards.append(ScoreCard(assignment, values, total))
    return cards


def applications_for_assignment(call: Call) -> QuerySet[Application]:
    """The call's applications waiting for experts, with their assignments loaded."""
    return (
        call.applications.filter(status=ApplicationStatus.EXPERT_REVIEW)
        .select_related("school", "county")
        .prefetch_related("expert_assignments__expert")
        .order_by("county__name", "school__name", "host_name", "pk")
    )


def without_experts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    active = ExpertAssignment.objects.filter(application=OuterRef("pk")).exclude(
        state=State.CONFLICT
    )
    return queryset.filter(~Exists(active))
