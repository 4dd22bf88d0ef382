"""A studio's team: memberships by role, with dates, checked against the studio's policy.

Every limit and every eligibility rule comes from the policy (its ``TeamRule`` rows,
``members_recruited_by_host`` and ``members_assigned_by_bureau``); nothing here names a city.

Dates: ``end_date`` is the last day of a membership ("member until", inclusive). A seat is
taken from its start until its end date, so a membership that ends on day D still holds its
seat on D, and a replacement starts the day after. Ending never deletes: withdrawals and
replacements stay in the history, the new row pointing at the one it ``replaces``.

``source`` records which kind of seat a member holds: a host-recruited seat (``application``
for those named in the application, ``host`` for later ones) or a bureau-assigned seat.
A replacement keeps the seat kind of the membership it replaces.

Every write locks the studio row first (``select_for_update``), so two concurrent additions
cannot both take the last seat.

One module of some 700 lines on purpose: the reads (seats taken, roles open to a user), the
checks and the writes answer the same policy rules and share their helpers; split, each part
would import the others' private helpers.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Role, RoleAssignment, User
from accounts.permissions import can
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify
from policies.models import ChosenBy, Policy, TeamRole, TeamRule
from policies.rules import age_on, team_rule

from ..errors import StudioError
from ..models import Membership, MembershipSource, Studio, StudioStatus

HOST_SEATS = (MembershipSource.APPLICATION, MembershipSource.HOST)
BUREAU = "bureau"
HOST = "host"


@dataclass(frozen=True)
class Person:
    """Who joins: an account (``user``) and/or the details the official forms ask for."""

    user: User | None = None
    name: str = ""
    gender: str = ""
    birth_month: date | None = None
    work_unit: str = ""
    professional_title: str = ""
    post: str = ""
    phone: str = ""
    head_teacher_years: int | None = None

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        return self.user.get_full_name() if self.user is not None else ""


_PERSON_FIELDS = [
    "gender",
    "birth_month",
    "work_unit",
    "professional_title",
    "post",
    "phone",
    "head_teacher_years",
]


# --- reads ------------------------------------------------------------------------------


def holding_seat_on(queryset: QuerySet[Membership], day: date) -> QuerySet[Membership]:
    """Memberships that hold their seat on ``day`` or later (not ended before ``day``)."""
    return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def current_on(queryset: QuerySet[Membership], day: date) -> QuerySet[Membership]:
    """Memberships in force on ``day``: started, and not yet past their last day."""
    return holding_seat_on(queryset.filter(start_date__lte=day), day)


def bureau_seats_taken(studio: Studio, day: date) -> int:
    return holding_seat_on(
        studio.memberships.filter(role=TeamRole.MEMBER, source=MembershipSource.BUREAU), day
    ).count()


def bureau_seats_remaining(studio: Studio, day: date) -> int:
    """The policy's bureau-assigned seats minus the bureau-sourced members holding one."""
    return max(studio.policy.members_assigned_by_bureau - bureau_seats_taken(studio, day), 0)


@dataclass
class RoleLine:
    role: str
    label: str
    rule: TeamRule | None
    memberships: list[Membership] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.memberships)

    @property
    def min_count(self) -> int:
        return self.rule.min_count if self.rule else 0

    @property
    def max_count(self) -> int | None:
        return self.rule.max_count if self.rule else 0

    @property
    def below_min(self) -> bool:
        return self.count < self.min_count

    @property
    def full(self) -> bool:
        return self.max_count is not None and self.count >= self.max_count


@dataclass
class SeatLine:
    """One kind of member seat: how many the policy gives, how many are taken."""

    label: str
    limit: int | None
    taken: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.taken, 0)


@dataclass
class TeamSummary:
    day: date
    roles: list[RoleLine]
    host_seats: SeatLine | None
    bureau_seats: SeatLine | None


def team_summary(studio: Studio, day: date) -> TeamSummary:
    """Per role of the policy: who is in the team on ``day``, with the policy's min and max;
    for members, the split between host-recruited and bureau-assigned seats."""
    policy = _policy_with_rules(studio)
    memberships = list(
        studio.memberships.select_related("user", "replaces").order_by("start_date", "pk")
    )
    current = [m for m in memberships if _in_force(m, day)]
    roles = []
    for code, label in TeamRole.choices:
        rule = team_rule(policy, code)
        people = [m for m in current if m.role == code]
        if rule is None and not people:
            continue
        roles.append(RoleLine(role=code, label=str(label), rule=rule, memberships=people))
    members = [m for m in memberships if m.role == TeamRole.MEMBER and _holds_seat(m, day)]
    host_seats = bureau_seats = None
    if team_rule(policy, TeamRole.MEMBER) is not None:
        host_seats = SeatLine(
            label=str(MembershipSource.HOST.label),
            limit=policy.members_recruited_by_host,
            taken=sum(1 for m in members if m.source in HOST_SEATS),
        )
        if policy.members_assigned_by_bureau:
            bureau_seats = SeatLine(
                label=str(MembershipSource.BUREAU.label),
                limit=policy.members_assigned_by_bureau,
                taken=sum(1 for m in members if m.source == MembershipSource.BUREAU),
            )
    return TeamSummary(day=day, roles=roles, host_seats=host_seats, bureau_seats=bureau_seats)


def team_history(studio: Studio, day: date) -> list[Membership]:
    """Memberships that ended before ``day``, latest first, with whoever replaced them."""
    return list(
        studio.memberships.filter(end_date__lt=day)
        .prefetch_related("replaced_by")
        .order_by("-end_date", "-pk")
    )


def acting_as(user: User, studio: Studio) -> str | None:
    """``"bureau"`` for those who oversee the studio, ``"host"`` for its host, else None."""
    if can(user, "studios.oversee_studio", studio):
        return BUREAU
    if can(user, "studios.manage_studio", studio):
        return HOST
    return None


def roles_open_to(user: User, studio: Studio) -> list[tuple[str, str]]:
    """The roles ``user`` may add to the team (for the form's choices)."""
    acting = acting_as(user, studio)
    if acting is None:
        return []
    policy = _policy_with_rules(studio)
    return [
        (code, label)
        for code, label in TeamRole.choices
        if (rule := team_rule(policy, code)) is not None and _may_fill(acting, rule)
    ]


def _in_force(membership: Membership, day: date) -> bool:
    return membership.start_date <= day and _holds_seat(membership, day)


def _holds_seat(membership: Membership, day: date) -> bool:
    return membership.end_date is None or membership.end_date >= day


def _policy_with_rules(studio: Studio) -> Policy:
    policy = studio.policy
    if "team_rules" not in getattr(policy, "_prefetched_objects_cache", {}):
        policy = Policy.objects.prefetch_related("team_rules").get(pk=studio.policy_id)
        studio.policy = policy
    return policy


def _may_fill(acting: str, rule: TeamRule) -> bool:
    if acting == BUREAU:
        return True
    return rule.role != TeamRole.HOST and rule.chosen_by in (ChosenBy.HOST, ChosenBy.APPLICANT)


def _role_label(role: str) -> str:
    return str(TeamRole(role).label)


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


# --- checks -----------------------------------------------------------------------------


def studio_lock(studio: Studio) -> Studio:
    """Lock the studio row for the rest of the transaction; return it with its policy's rules."""
    locked = (
        Studio.objects.select_for_update(of=("self",)).select_related("school").get(pk=studio.pk)
    )
    locked.policy = Policy.objects.prefetch_related("team_rules", "pairing_counties").get(
        pk=locked.policy_id
    )
    return locked


def check_eligibility(rule: TeamRule, *, studio: Studio, person: Person, day: date) -> None:
    """Raise StudioError naming the first rule of ``rule`` that ``person`` does not meet on
    ``day`` (age limit, years as head teacher, serving head teacher, paired county)."""
    role = _role_label(rule.role)
    name = person.display_name
    if rule.max_age is not None:
        if person.birth_month is None:
            raise StudioError(
                _("The role “%(role)s” has an age limit: give the birth month.") % {"role": role}
            )
        age = age_on(person.birth_month, day)
        if age > rule.max_age:
            raise StudioError(
                _(
                    "%(name)s is %(age)d on %(day)s; the policy's age limit for the role "
                    "“%(role)s” is %(max)d."
                )
                % {"name": name, "age": age, "day": _day(day), "role": role, "max": rule.max_age}
            )
    if rule.min_head_teacher_years is not None:
        if person.head_teacher_years is None:
            raise StudioError(
                _("The role “%(role)s” needs a number of years as head teacher: give it.")
                % {"role": role}
            )
        if person.head_teacher_years < rule.min_head_teacher_years:
            raise StudioError(
                _(
                    "%(name)s has %(years)d years as head teacher; the role “%(role)s” needs "
                    "at least %(min)d."
                )
                % {
                    "name": name,
                    "years": person.head_teacher_years,
                    "role": role,
                    "min": rule.min_head_teacher_years,
                }
            )
    if rule.must_be_serving_head_teacher and not _is_teacher(person.user):
        raise StudioError(
            _(
                "The role “%(role)s” is for serving head teachers: choose a teacher's "
                "account (%(name)s holds no teacher role)."
            )
            % {"role": role, "name": name}
        )
    if rule.from_paired_county:
        county = studio.paired_county
        if county is None:
            raise StudioError(
                _("The role “%(role)s” comes from the paired county, and this studio has none.")
                % {"role": role}
            )
        works_there = person.user is not None and (
            RoleAssignment.objects.filter(user=person.user)
            .filter(Q(organisation=county) | Q(organisation__county=county))
            .exists()
        )
        if not works_there:
            raise StudioError(
                _(
                    "The role “%(role)s” comes from the paired county %(county)s, and "
                    "%(name)s works in none of its organisations."
                )
                % {"role": role, "county": county.name, "name": name}
            )


def _is_teacher(user: User | None) -> bool:
    return user is not None and RoleAssignment.objects.filter(user=user, role=Role.TEACHER).exists()


def _member_seat(
    *,
    acting: str,
    policy: Policy,
    source: str | None,
    replaces: Membership | None,
) -> str:
    """Which kind of member seat a new member takes."""
    if replaces is not None:
        seat = replaces.source
    elif source is not None:
        seat = source
    elif acting == HOST or not policy.members_assigned_by_bureau:
        seat = MembershipSource.HOST
    else:
        seat = MembershipSource.BUREAU
    if seat == MembershipSource.APPLICATION:
        seat = MembershipSource.HOST
    if seat == MembershipSource.BUREAU and acting != BUREAU:
        raise StudioError(_("Bureau-assigned seats are filled by the municipal bureau."))
    return seat


# Complex by nature: one branch per rule of the team the policy sets.
def membership_add_locked(  # noqa: C901
    *,
    actor: User,
    acting: str,
    studio: Studio,
    role: str,
    person: Person,
    start_date: date,
    source: str | None = None,
    replaces: Membership | None = None,
) -> Membership:
    """Check and save one membership of ``studio``, which the caller has locked with
    ``studio_lock`` and checked ``acting`` for; audit it. The caller tells people."""
    policy = studio.policy
    if studio.status != StudioStatus.ACTIVE:
        raise StudioError(
            _("%(studio)s is no longer active: its team cannot change.") % {"studio": studio}
        )
    if role not in TeamRole.values:
        raise StudioError(_("Unknown team role."))
    rule = team_rule(policy, role)
    label = _role_label(role)
    if rule is None:
        raise StudioError(
            _("The policy “%(policy)s” has no role “%(role)s” in a studio's team.")
            % {"policy": policy, "role": label}
        )
    if not _may_fill(acting, rule):
        if role == TeamRole.HOST:
            raise StudioError(_("Only the municipal bureau may change a studio's host."))
        raise StudioError(
            _("The role “%(role)s” is filled by the municipal bureau.") % {"role": label}
        )
    if not studio.term_start <= start_date <= studio.term_end:
        raise StudioError(
            _("A membership starts within the studio's term (%(start)s – %(end)s).")
            % {"start": _day(studio.term_start), "end": _day(studio.term_end)}
        )
    name = person.display_name.strip()
    if not name:
        raise StudioError(_("Give the person's name or choose their account."))
    person = replace(person, name=name)
    if role == TeamRole.HOST and person.user is None:
        raise StudioError(_("A studio's host needs an account."))

    if replaces is not None:
        if replaces.studio_id != studio.pk or replaces.role != role:
            raise StudioError(_("A replacement takes the same role in the same studio."))
        if replaces.end_date is None or replaces.end_date >= start_date:
            raise StudioError(
                _("End %(name)s's membership before their replacement starts.")
                % {"name": replaces.name}
            )
        if Membership.objects.filter(replaces=replaces).exists():
            raise StudioError(_("%(name)s has already been replaced.") % {"name": replaces.name})

    team = studio.memberships.exclude(pk=replaces.pk) if replaces else studio.memberships
    taken = holding_seat_on(team, start_date)
    same_person = (
        taken.filter(user=person.user)
        if person.user is not None
        else taken.filter(user__isnull=True, name=name, birth_month=person.birth_month)
    ).first()
    if same_person is not None:
        raise StudioError(
            _("%(name)s is already in this studio's team (%(role)s).")
            % {"name": name, "role": same_person.get_role_display()}
        )

    # Members: the kind of seat first (it names the more precise limit), then the total.
    in_role = taken.filter(role=role)
    if role == TeamRole.MEMBER:
        seat = _member_seat(acting=acting, policy=policy, source=source, replaces=replaces)
        if seat == MembershipSource.BUREAU:
            limit = policy.members_assigned_by_bureau
            used = in_role.filter(source=MembershipSource.BUREAU).count()
            if used >= limit:
                raise StudioError(
                    _(
                        "No bureau-assigned seat is left in %(studio)s: %(used)d of %(limit)d "
                        "are taken."
                    )
                    % {"studio": studio, "used": used, "limit": limit}
                )
        else:
            limit = policy.members_recruited_by_host
            used = in_role.filter(source__in=HOST_SEATS).count()
            if limit is not None and used >= limit:
                raise StudioError(
                    _(
                        "No host-recruited seat is left in %(studio)s: %(used)d of %(limit)d "
                        "are taken."
                    )
                    % {"studio": studio, "used": used, "limit": limit}
                )
    elif replaces is not None:
        seat = replaces.source
    else:
        seat = MembershipSource.BUREAU if acting == BUREAU else MembershipSource.HOST

    count = in_role.count()
    if rule.max_count is not None and count >= rule.max_count:
        raise StudioError(
            _(
                "The policy allows at most %(max)d in the role “%(role)s”; %(studio)s already "
                "has %(count)d."
            )
            % {"max": rule.max_count, "role": label, "studio": studio, "count": count}
        )

    check_eligibility(rule, studio=studio, person=person, day=start_date)

    membership = Membership.objects.create(
        studio=studio,
        role=role,
        user=person.user,
        name=name,
        source=seat,
        start_date=start_date,
        replaces=replaces,
        **_details(person),
    )
    if role == TeamRole.HOST:
        assign_perm("studios.manage_studio", person.user, studio)
        studio.host = person.user
        studio.save(update_fields=["host"])
    audit_record(
        actor=actor,
        obj=membership,
        verb="studios.membership.added",
        to_state=role,
        comment=(_("Replaces %(name)s.") % {"name": replaces.name} if replaces is not None else ""),
    )
    return membership


def _details(person: Person) -> dict:
    values = {}
    for name in _PERSON_FIELDS:
        value = getattr(person, name)
        if value is None and Membership._meta.get_field(name).null is False:
            value = ""
        values[name] = value
    return values


def _end(
    *, actor: User, acting: str, membership: Membership, end_date: date, reason: str
) -> Membership:
    """Check and save the end of ``membership`` (its studio locked by the caller); audit it."""
    reason = (reason or "").strip()
    if not reason:
        raise StudioError(_("Give the reason the membership ends."))
    if membership.end_date is not None:
        raise StudioError(
            _("%(name)s's membership already ended on %(day)s.")
            % {"name": membership.name, "day": _day(membership.end_date)}
        )
    if end_date < membership.start_date:
        raise StudioError(
            _("A membership cannot end before it started (%(day)s).")
            % {"day": _day(membership.start_date)}
        )
    if membership.role == TeamRole.HOST and acting != BUREAU:
        raise StudioError(
            _("The host cannot end their own host membership; the municipal bureau does that.")
        )
    membership.end_date = end_date
    membership.end_reason = reason[:300]
    membership.save(update_fields=["end_date", "end_reason"])
    if membership.role == TeamRole.HOST and membership.user_id is not None:
        remove_perm("studios.manage_studio", membership.user, membership.studio)
    audit_record(
        actor=actor,
        obj=membership,
        verb="studios.membership.ended",
        from_state=membership.role,
        to_state="ended",
        comment=membership.end_reason,
    )
    return membership


def _acting_or_refuse(actor: User, studio: Studio) -> str:
    acting = acting_as(actor, studio)
    if acting is None:
        raise StudioError(
            _("Only the host of %(studio)s or the municipal bureau may change its team.")
            % {"studio": studio}
        )
    return acting


def _locked_membership(membership: Membership, studio: Studio) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    locked.studio = studio
    return locked


# --- notifications ----------------------------------------------------------------------


def _team_url(studio: Studio) -> str:
    return reverse("studios:studio_team", args=[studio.pk])


def _tell(studio: Studio, actor: User, acting: str, people: list[User | None], **message) -> None:
    """Tell the people concerned, the host (unless they acted) and, when the host changed the
    team, the municipal bureau of the studio's call."""
    recipients = [u for u in people if u is not None]
    recipients.append(studio.host)
    if acting == HOST:
        recipients.extend(users_with_role(Role.MUNICIPAL_ADMIN, studio.call.bureau))
    recipients = [u for u in recipients if u.pk != actor.pk]
    if recipients:
        notify(recipients, url=_team_url(studio), **message)


# --- writes -----------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *,
    actor: User,
    studio: Studio,
    role: str,
    start_date: date,
    user: User | None = None,
    person: Person | None = None,
    source: str | None = None,
    replaces: Membership | None = None,
) -> Membership:
    """Add someone to the team from ``start_date``, within the policy's limits and rules.

    The host adds the roles the host or the applicant chooses, and members up to the
    host-recruited seats; the municipal bureau adds any role, and members to the
    bureau-assigned seats (or, passing ``source``, to a host-recruited one).
    """
    person = person or Person()
    if user is not None:
        person = replace(person, user=user)
    studio = studio_lock(studio)
    acting = _acting_or_refuse(actor, studio)
    if replaces is not None:
        replaces = Membership.objects.select_for_update().get(pk=replaces.pk)
    membership = membership_add_locked(
        actor=actor,
        acting=acting,
        studio=studio,
        role=role,
        person=person,
        start_date=start_date,
        source=source,
        replaces=replaces,
    )
    name, studio_name, when = membership.name, studio.name, _day(start_date)
    _tell(
        studio,
        actor,
        acting,
        [membership.user],
        verb="studios.membership.added",
        title=lambda: (
            _("%(name)s joins %(studio)s as %(role)s")
            % {"name": name, "studio": studio_name, "role": _role_label(role)}
        ),
        body=lambda: _("From %(day)s.") % {"day": when},
        obj=membership,
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: User, membership: Membership, end_date: date, reason: str
) -> Membership:
    """End a membership on ``end_date`` (its last day), for ``reason``; the row stays."""
    studio = studio_lock(membership.studio)
    acting = _acting_or_refuse(actor, studio)
    membership = _locked_membership(membership, studio)
    membership = _end(
        actor=actor, acting=acting, membership=membership, end_date=end_date, reason=reason
    )
    name, studio_name, when = membership.name, studio.name, _day(end_date)
    role, why = membership.role, membership.end_reason
    _tell(
        studio,
        actor,
        acting,
        [membership.user],
        verb="studios.membership.ended",
        title=lambda: (
            _("%(name)s leaves %(studio)s (%(role)s)")
            % {"name": name, "studio": studio_name, "role": _role_label(role)}
        ),
        body=lambda: _("Last day: %(day)s. Reason: %(reason)s") % {"day": when, "reason": why},
        obj=membership,
    )
    return membership


@transaction.atomic
def membership_replace(
    *,
    actor: User,
    old: Membership,
    date: date,
    reason: str,
    user: User | None = None,
    person: Person | None = None,
) -> Membership:
    """Replace ``old`` from ``date``: it ends the day before, and the new membership (same
    role, same kind of seat) points at it. Both happen or neither."""
    person = person or Person()
    if user is not None:
        person = replace(person, user=user)
    studio = studio_lock(old.studio)
    acting = _acting_or_refuse(actor, studio)
    old = _locked_membership(old, studio)
    if date <= old.start_date:
        raise StudioError(
            _("A replacement starts after the membership it replaces began (%(day)s).")
            % {"day": _day(old.start_date)}
        )
    last_day = date - timedelta(days=1)
    _end(actor=actor, acting=acting, membership=old, end_date=last_day, reason=reason)
    new = membership_add_locked(
        actor=actor,
        acting=acting,
        studio=studio,
        role=old.role,
        person=person,
        start_date=date,
        replaces=old,
    )
    old_name, new_name, studio_name, when = old.name, new.name, studio.name, _day(date)
    role = new.role
    _tell(
        studio,
        actor,
        acting,
        [old.user, new.user],
        verb="studios.membership.replaced",
        title=lambda: (
            _("%(new)s replaces %(old)s in %(studio)s (%(role)s)")
            % {"new": new_name, "old": old_name, "studio": studio_name, "role": _role_label(role)}
        ),
        body=lambda: _("From %(day)s.") % {"day": when},
        obj=new,
    )
    return new
