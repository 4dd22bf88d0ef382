"""Every move of a studio's states: the studio itself, recruitment rounds and seat requests.

Each is one plain function on :func:`core.workflow.transition` (row lock → source-state guard →
conditional update → audit record with a literal verb); the service that calls it has checked
the actor's permission first and sends the notifications. No status is written anywhere else.
"""

from datetime import date

from django.utils.translation import gettext as _

from accounts.models import User
from core.workflow import TransitionRefused, transition

from .errors import StudioError
from .models import (
    RecruitmentRound,
    RecruitmentStatus,
    SeatRequest,
    SeatRequestStatus,
    Studio,
    StudioStatus,
)


def _not_active(_state) -> StudioError:
    return StudioError(_("The studio is no longer active."))


def studio_end(studio: Studio, *, actor: User | None) -> bool:
    """The term is over (its three-year evaluation decided); False if it was not active."""
    try:
        transition(
            studio,
            to=StudioStatus.ENDED,
            sources=StudioStatus.ACTIVE,
            actor=actor,
            verb="studios.studio.ended",
        )
    except TransitionRefused:
        return False
    return True


def studio_mark_revoked(studio: Studio, *, actor: User, day: date, reason: str) -> None:
    """撤销: the caller (the assessing body's service) ends the memberships and tells funding."""
    transition(
        studio,
        to=StudioStatus.REVOKED,
        sources=StudioStatus.ACTIVE,
        actor=actor,
        verb="studios.studio.revoked",
        comment=reason,
        changes={"revoked_on": day},
        refused=_not_active,
    )


def round_mark_closed(round_: RecruitmentRound, *, actor: User) -> None:
    transition(
        round_,
        permission=("studios.run_recruitment", round_),
        to=RecruitmentStatus.CLOSED,
        sources=RecruitmentStatus.OPEN,
        actor=actor,
        verb="studios.recruitment.closed",
        refused=StudioError,
    )


def round_mark_done(round_: RecruitmentRound, *, actor: User, comment: str) -> list[SeatRequest]:
    """The round is done; requests still pending become not assigned (returned, to tell them)."""
    waiting = list(
        round_.requests.filter(status=SeatRequestStatus.PENDING).select_related("teacher")
    )
    transition(
        round_,
        permission=("studios.run_recruitment", round_),
        to=RecruitmentStatus.DONE,
        sources=RecruitmentStatus.CLOSED,
        actor=actor,
        verb="studios.recruitment.done",
        comment=comment,
        refused=StudioError,
    )
    # The round's own entry records how many; the requests move with it, in its transaction.
    SeatRequest.objects.filter(
        pk__in=[r.pk for r in waiting], status=SeatRequestStatus.PENDING
    ).update(status=SeatRequestStatus.NOT_ASSIGNED)
    return waiting


def seat_request_assign(request: SeatRequest, *, actor: User, membership, organisation) -> None:
    transition(
        request,
        permission=("studios.run_recruitment", request.round),
        to=SeatRequestStatus.ASSIGNED,
        sources=SeatRequestStatus.PENDING,
        actor=actor,
        verb="studios.seat_request.assigned",
        changes={"membership": membership},
        organisation=organisation,
        refused=StudioError,
    )
