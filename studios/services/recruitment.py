"""增补成员: the bureau's recruitment of the members it assigns to the studios of a batch.

The municipal bureau opens a round for a published call whose policy has bureau-assigned
seats; the city's teachers each request a seat in the studio of their choice while the round
is open; the bureau closes the round, assigns requests to seats (never more than a studio's
remaining bureau-assigned seats) and, when it is done, the requests left waiting are marked
not assigned. Numbers come from the policy, never from a city.

Each write follows the workflow order: permission → state guard (a row lock on the round) →
save → audit record → notifications. The reads that list rounds for a user sit at the end.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, Role, RoleAssignment, User
from accounts.permissions import can, cities_for
from accounts.services import audit_record, notify
from applications.models import Call, CallStatus
from applications.selectors import calls_for
from core.dates import date_problem
from policies.models import TeamRole
from policies.rules import team_rule

from .. import workflow
from ..errors import StudioError
from ..models import (
    MembershipSource,
    RecruitmentRound,
    RecruitmentStatus,
    SeatRequest,
    SeatRequestStatus,
    Studio,
    StudioStatus,
)
from ..permissions import STUDIO_MANAGERS
from .team import (
    BUREAU,
    Person,
    bureau_seats_remaining,
    check_eligibility,
    holding_seat_on,
    membership_add_locked,
    studio_lock,
)


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _lock_round(round_: RecruitmentRound) -> RecruitmentRound:
    return (
        RecruitmentRound.objects.select_for_update(of=("self",))
        .select_related("call", "call__policy", "call__bureau")
        .get(pk=round_.pk)
    )


def _require_runner(actor: User, round_or_call) -> None:
    if not can(actor, "studios.run_recruitment", round_or_call):
        raise StudioError(_("Only the municipal bureau of the batch's city runs its recruitment."))


def accepts_requests_on(round_: RecruitmentRound, day: date) -> bool:
    return round_.status == RecruitmentStatus.OPEN and round_.opens_on <= day <= round_.closes_on


# --- writes -----------------------------------------------------------------------------


@transaction.atomic
def round_open(
    *, actor: User, call: Call, title: str, opens_on: date, closes_on: date
) -> RecruitmentRound:
    """Open a recruitment round for the bureau-assigned seats of ``call``'s studios."""
    _require_runner(actor, call)
    call = Call.objects.select_for_update(of=("self",)).select_related("policy").get(pk=call.pk)
    policy = call.policy
    if not policy.members_assigned_by_bureau:
        raise StudioError(
            _(
                "The policy “%(policy)s” has no bureau-assigned member seats: its hosts "
                "recruit every member, so there is nothing to recruit for."
            )
            % {"policy": policy}
        )
    studios = list(call.studios.filter(status=StudioStatus.ACTIVE).select_related("host"))
    if call.status != CallStatus.PUBLISHED or not studios:
        raise StudioError(_("The call has no published studio to recruit members for."))
    title = (title or "").strip()
    if not title:
        raise StudioError(_("Give the round a title."))
    problem = date_problem(opens_on) or date_problem(closes_on)
    if problem:
        raise StudioError(problem)
    if closes_on < opens_on:
        raise StudioError(_("The round closes before it opens."))
    under_way = call.recruitment_rounds.exclude(status=RecruitmentStatus.DONE).first()
    if under_way is not None:
        raise StudioError(
            _("The call already has a recruitment round under way: %(title)s.")
            % {"title": under_way.title}
        )
    round_ = RecruitmentRound.objects.create(
        call=call,
        title=title[:200],
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor,  # a round starts open (the field's default)
    )
    audit_record(
        actor=actor,
        obj=round_,
        verb="studios.recruitment.opened",
        to_state=RecruitmentStatus.OPEN,
        comment=f"{opens_on.isoformat()} – {closes_on.isoformat()}",
    )
    period = {"title": title, "opens": _day(opens_on), "closes": _day(closes_on)}
    notify(
        [studio.host for studio in studios],
        verb="studios.recruitment.opened",
        title=lambda: _("Member recruitment opens: %(title)s") % period,
        body=lambda: (
            _(
                "Teachers may request a bureau-assigned seat in your studio from %(opens)s to "
                "%(closes)s."
            )
            % period
        ),
        url=round_.get_absolute_url(),
        obj=round_,
    )
    return round_


@transaction.atomic
def seat_request_file(
    *,
    actor: User,
    round: RecruitmentRound,
    studio: Studio,
    birth_month: date,
    head_teacher_years: int,
    statement: str,
    today: date,
    professional_title: str = "",
    school: Organisation | None = None,
) -> SeatRequest:
    """A teacher of the city requests a bureau-assigned seat in ``studio``: one per round."""
    round_ = _lock_round(round)
    if not can(actor, "studios.request_seat", round_):
        raise StudioError(_("Only teachers of the batch's city may request a seat."))
    if not accepts_requests_on(round_, today):
        raise StudioError(
            _("“%(title)s” takes requests from %(opens)s to %(closes)s, while it is open.")
            % {
                "title": round_.title,
                "opens": _day(round_.opens_on),
                "closes": _day(round_.closes_on),
            }
        )
    studio = (
        Studio.objects.filter(pk=studio.pk, call_id=round_.call_id, status=StudioStatus.ACTIVE)
        .select_related("policy", "paired_county")
        .first()
    )
    if studio is None:
        raise StudioError(_("Choose one of the studios of this round's batch."))
    schools = teacher_schools(actor, round_)
    if school is None and schools:
        school = schools[0]
    if school is None or school.pk not in {s.pk for s in schools}:
        raise StudioError(_("Choose the school where you teach."))
    statement = (statement or "").strip()
    if not statement:
        raise StudioError(_("Say why you would like to join this studio."))
    earlier = round_.requests.filter(teacher=actor).select_related("studio").first()
    if earlier is not None:
        raise StudioError(
            _("You have already requested a seat in this round (%(studio)s).")
            % {"studio": earlier.studio}
        )
    if holding_seat_on(studio.memberships.filter(user=actor), today).exists():
        raise StudioError(_("You are already in the team of %(studio)s.") % {"studio": studio})
    if bureau_seats_remaining(studio, today) <= 0:
        raise StudioError(
            _("%(studio)s has no bureau-assigned seat left: choose another studio.")
            % {"studio": studio}
        )
    rule = team_rule(studio.policy, TeamRole.MEMBER)
    if rule is not None:
        check_eligibility(
            rule,
            studio=studio,
            person=Person(
                user=actor,
                name=actor.get_full_name(),
                birth_month=birth_month,
                head_teacher_years=head_teacher_years,
            ),
            day=today,
        )
    try:
        with transaction.atomic():
            request = SeatRequest.objects.create(
                round=round_,
                teacher=actor,
                studio=studio,
                school=school,
                birth_month=birth_month,
                head_teacher_years=head_teacher_years,
                professional_title=professional_title[:60],
                statement=statement,
            )
    except IntegrityError:
        raise StudioError(_("You have already requested a seat in this round.")) from None
    audit_record(
        actor=actor,
        obj=request,
        verb="studios.seat_request.filed",
        to_state=SeatRequestStatus.PENDING,
        organisation=round_.call.bureau,
    )
    names = {"studio": studio.name, "title": round_.title}
    notify(
        [actor],
        verb="studios.seat_request.filed",
        title=lambda: _("Your request for a seat in %(studio)s was received") % names,
        body=lambda: _("The bureau assigns seats after “%(title)s” closes.") % names,
        url=round_.get_absolute_url(),
        obj=request,
    )
    return request


@transaction.atomic
def round_close(*, actor: User, round: RecruitmentRound) -> RecruitmentRound:
    """Stop taking requests; the bureau then assigns seats."""
    round_ = _lock_round(round)
    _require_runner(actor, round_)
    if round_.status != RecruitmentStatus.OPEN:
        raise StudioError(
            _("“%(title)s” is not open (%(status)s).")
            % {"title": round_.title, "status": round_.get_status_display()}
        )
    workflow.round_mark_closed(round_, actor=actor)
    title = round_.title
    notify(
        _requesters(round_),
        verb="studios.recruitment.closed",
        title=lambda: _("“%(title)s” has closed; the bureau is assigning seats") % {"title": title},
        url=round_.get_absolute_url(),
        obj=round_,
    )
    return round_


@dataclass
class AssignResult:
    assigned: list[SeatRequest] = field(default_factory=list)
    refused: list[tuple[SeatRequest, str]] = field(default_factory=list)
    skipped: list[SeatRequest] = field(default_factory=list)


@transaction.atomic
def seats_assign(
    *, actor: User, round: RecruitmentRound, request_ids: list[int], today: date
) -> AssignResult:
    """Give the chosen waiting requests a bureau-assigned seat from ``today``.

    Each request becomes a bureau-sourced membership, unless it would exceed its studio's
    remaining bureau seats (or the teacher is no longer eligible): that one is refused with a
    message naming the studio and stays waiting. Requests already decided are skipped, so
    assigning twice assigns once. The assigned teachers and their hosts are told.
    """
    round_ = _lock_round(round)
    _require_runner(actor, round_)
    if round_.status != RecruitmentStatus.CLOSED:
        raise StudioError(
            _("Seats are assigned once the round is closed and before it is done (now: %(s)s).")
            % {"s": round_.get_status_display()}
        )
    requests = list(
        round_.requests.select_for_update(of=("self",))
        .filter(pk__in=list(request_ids))
        .select_related("teacher", "school", "studio")
        .order_by("studio_id", "created_at", "pk")
    )
    result = AssignResult()
    locked: dict[int, Studio] = {}
    for request in requests:
        if request.status != SeatRequestStatus.PENDING:
            result.skipped.append(request)
            continue
        if request.studio_id not in locked:  # studios in id order: no deadlock between rounds
            locked[request.studio_id] = studio_lock(request.studio)
        studio = locked[request.studio_id]
        teacher = request.teacher
        person = Person(
            user=teacher,
            name=teacher.get_full_name(),
            birth_month=request.birth_month,
            head_teacher_years=request.head_teacher_years,
            work_unit=request.school.name,
            professional_title=request.professional_title,
            phone=teacher.phone,
        )
        try:
            with transaction.atomic():
                membership = membership_add_locked(
                    actor=actor,
                    acting=BUREAU,
                    studio=studio,
                    role=TeamRole.MEMBER,
                    person=person,
                    start_date=today,
                    source=MembershipSource.BUREAU,
                )
        except StudioError as exc:
            result.refused.append((request, str(exc)))
            continue
        workflow.seat_request_assign(
            request, actor=actor, membership=membership, organisation=round_.call.bureau
        )
        result.assigned.append(request)
    _announce_assignments(result.assigned, today)
    return result


def _announce_assignments(assigned: list[SeatRequest], today: date) -> None:
    when = _day(today)
    by_studio: dict[int, list[SeatRequest]] = {}
    for request in assigned:
        by_studio.setdefault(request.studio_id, []).append(request)
        names = {"studio": request.studio.name, "day": when}
        notify(
            [request.teacher],
            verb="studios.seat_request.assigned",
            title=lambda names=names: _("You have a seat in %(studio)s") % names,
            body=lambda names=names: _("You are a member of %(studio)s from %(day)s.") % names,
            url=reverse("studios:studio_home", args=[request.studio_id]),
            obj=request,
        )
    for requests in by_studio.values():
        studio = requests[0].studio
        count = len(requests)
        people = "、".join(r.teacher.get_full_name() for r in requests)
        notify(
            [studio.host],
            verb="studios.recruitment.members_assigned",
            title=lambda count=count: (
                ngettext(
                    "The bureau assigned %(count)d member to your studio",
                    "The bureau assigned %(count)d members to your studio",
                    count,
                )
                % {"count": count}
            ),
            body=lambda people=people: (
                _("From %(day)s: %(people)s") % {"day": when, "people": people}
            ),
            url=reverse("studios:studio_team", args=[studio.pk]),
            obj=studio,
        )


@transaction.atomic
def round_finish(*, actor: User, round: RecruitmentRound) -> RecruitmentRound:
    """End the round: requests still waiting are marked not assigned and their teachers told."""
    round_ = _lock_round(round)
    _require_runner(actor, round_)
    if round_.status != RecruitmentStatus.CLOSED:
        raise StudioError(
            _("Only a closed round can be marked done (“%(title)s” is: %(status)s).")
            % {"title": round_.title, "status": round_.get_status_display()}
        )
    waiting_count = round_.requests.filter(status=SeatRequestStatus.PENDING).count()
    waiting = workflow.round_mark_done(
        round_,
        actor=actor,
        comment=ngettext(
            "%(count)d request not assigned.", "%(count)d requests not assigned.", waiting_count
        )
        % {"count": waiting_count},
    )
    title = round_.title
    notify(
        [r.teacher for r in waiting],
        verb="studios.seat_request.not_assigned",
        title=lambda: _("No seat was assigned to you in “%(title)s”") % {"title": title},
        url=round_.get_absolute_url(),
        obj=round_,
    )
    return round_


def _requesters(round_: RecruitmentRound) -> list[User]:
    return list(User.objects.filter(seat_requests__round=round_).distinct())


# --- reads ------------------------------------------------------------------------------


def rounds_for(user: User) -> QuerySet[RecruitmentRound]:
    """Rounds of the cities where the user runs the programme or teaches."""
    queryset = RecruitmentRound.objects.select_related("call", "call__bureau", "call__policy")
    if user.is_superuser:
        return queryset
    cities = cities_for(user, roles=set(STUDIO_MANAGERS) | {Role.TEACHER})
    return queryset.filter(call__bureau__city__in=cities)


def round_for(user: User, pk: int) -> RecruitmentRound | None:
    return rounds_for(user).filter(pk=pk).first()


def rounds_run_by(user: User) -> QuerySet[RecruitmentRound]:
    """Rounds the user may open, close and assign (the bureau of their city)."""
    if user.is_superuser:
        return rounds_for(user)
    return rounds_for(user).filter(call__bureau__city__in=cities_for(user, roles=STUDIO_MANAGERS))


def open_rounds_for_teacher(user: User, day: date) -> QuerySet[RecruitmentRound]:
    """Rounds taking requests on ``day`` in the cities where the user teaches."""
    if user.is_superuser:  # a superuser is nobody's teacher: no seat to request
        return RecruitmentRound.objects.none()
    return RecruitmentRound.objects.select_related("call").filter(
        call__bureau__city__in=cities_for(user, roles={Role.TEACHER}),
        status=RecruitmentStatus.OPEN,
        opens_on__lte=day,
        closes_on__gte=day,
    )


def calls_open_to_recruitment(user: User) -> list[Call]:
    """Published calls the user may open a round for, whose policy has bureau seats."""

    calls = calls_for(user).filter(
        status=CallStatus.PUBLISHED, policy__members_assigned_by_bureau__gt=0
    )
    return [call for call in calls if can(user, "studios.run_recruitment", call)]


def teacher_schools(user: User, round_: RecruitmentRound) -> list[Organisation]:
    """The schools of the round's city where ``user`` holds the teacher role."""
    return [
        ra.organisation
        for ra in RoleAssignment.objects.filter(
            user=user, role=Role.TEACHER, organisation__city_id=round_.call.bureau.city_id
        ).select_related("organisation")
    ]


def round_studios(round_: RecruitmentRound, day: date) -> list[Studio]:
    """The round's studios, each with ``seats_taken`` and ``seats_remaining`` (one query)."""
    holds = Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day)
    studios = list(
        Studio.objects.filter(call_id=round_.call_id, status=StudioStatus.ACTIVE)
        .select_related("policy", "school", "host")
        .annotate(
            seats_taken=Count(
                "memberships",
                filter=Q(
                    memberships__role=TeamRole.MEMBER,
                    memberships__source=MembershipSource.BUREAU,
                )
                & holds,
            )
        )
        .order_by("plaque_number")
    )
    for studio in studios:
        studio.seats_remaining = max(
            studio.policy.members_assigned_by_bureau - studio.seats_taken, 0
        )
    return studios
