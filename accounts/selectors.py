"""Reads for accounts, already scoped to the user asking."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from .models import (
    AuditEntry,
    ChannelDelivery,
    ChatRobot,
    Invitation,
    InvitationStatus,
    NoticeKind,
    NoticePreference,
    Notification,
    Organisation,
    OrganisationKind,
    RoleAssignment,
    User,
)
from .permissions import (
    CITY_WIDE_ROLES,
    ONBOARDING_ROLES,
    OVERSIGHT_ROLES,
    ROBOT_ADMIN_ROLES,
    scope_q,
)


def organisations_for(
    user: User, *, query: str = "", kind: str = "", county: str = "", stage: str = ""
) -> QuerySet[Organisation]:
    """The organisations a user may browse, filtered as the directory page asks."""
    if user.is_superuser:
        queryset = Organisation.objects.all()
    else:
        queryset = Organisation.objects.filter(
            scope_q(user, roles=OVERSIGHT_ROLES | CITY_WIDE_ROLES)
        )
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(code__icontains=query))
    if kind:
        queryset = queryset.filter(kind=kind)
    if county == "affiliated":
        queryset = queryset.filter(kind=OrganisationKind.SCHOOL, county__isnull=True)
    elif county:
        queryset = queryset.filter(county_id=county)
    if stage:
        # JSON containment is not portable to SQLite; a quoted code in the text form is.
        queryset = queryset.filter(school_stages__icontains=f'"{stage}"')
    return queryset.select_related("city", "parent", "county").order_by("city", "kind", "name")


def organisation_for(user: User, pk: int) -> Organisation | None:
    """One organisation, looked up inside the user's scope (None outside it: the view 404s)."""
    return organisations_for(user).filter(pk=pk).first()


def counties_for(user: User) -> QuerySet[Organisation]:
    return organisations_for(user, kind=OrganisationKind.COUNTY_BUREAU)


def audit_entries_for(user: User, *, verb: str = "", query: str = "") -> QuerySet[AuditEntry]:
    if user.is_superuser:
        queryset = AuditEntry.objects.all()
    else:
        queryset = AuditEntry.objects.filter(
            scope_q(user, roles=OVERSIGHT_ROLES, prefix="organisation__")
        )
    if verb:
        queryset = queryset.filter(verb=verb)
    if query:
        queryset = queryset.filter(Q(object_repr__icontains=query) | Q(comment__icontains=query))
    return queryset.select_related("actor", "organisation", "content_type")


def audit_entries_for_object(obj) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("actor")


def notifications_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def users_with_role(role: str, organisation) -> list[User]:
    """The active users holding ``role`` at ``organisation``: who to tell, who acts next."""
    return list(
        User.objects.filter(
            role_assignments__role=role,
            role_assignments__organisation=organisation,
            is_active=True,
        ).distinct()
    )


# --- onboarding ----------------------------------------------------------------------------


def people_to_onboard(user: User) -> QuerySet[User]:
    """The people ``user`` may invite (``accounts.invite_user``, as one query): active, not
    superusers, with at least one role and every role inside the user's onboarding scope."""
    people = User.objects.filter(is_active=True, is_superuser=False).exclude(pk=user.pk)
    people = people.filter(role_assignments__isnull=False)
    if not user.is_superuser:
        in_reach = Organisation.objects.filter(scope_q(user, roles=ONBOARDING_ROLES))
        outside = RoleAssignment.objects.exclude(organisation__in=in_reach)
        people = people.exclude(pk__in=outside.values("user_id"))
    return people.distinct()


def not_yet_activated(people: QuerySet[User]) -> QuerySet[User]:
    """Those who have no password they could log in with (Django marks an unusable one with
    a leading "!")."""
    return people.filter(password__startswith="!")


def organisation_people(user: User, organisation: Organisation) -> QuerySet[User]:
    """The people with a role at ``organisation`` whom ``user`` may invite, with their roles
    and open invitations loaded for the people page."""
    return (
        people_to_onboard(user)
        .filter(role_assignments__organisation=organisation)
        .prefetch_related("role_assignments", "invitations")
        .order_by("full_name", "username")
    )


def open_invitations(person: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(user=person, status=InvitationStatus.OPEN)


# --- notice channels -------------------------------------------------------------------------


def channel_choices(user: User) -> dict[str, tuple[bool, bool]]:
    """Kind of notice → (e-mail, SMS) for ``user``: what they saved, the defaults otherwise."""
    saved = {p.kind: (p.email, p.sms) for p in NoticePreference.objects.filter(user=user)}
    return {kind: saved.get(kind, (True, False)) for kind in NoticeKind.values}


def robot_organisations_for(user: User) -> QuerySet[Organisation]:
    """The organisations whose group robots ``user`` manages (their own, as an administrator)."""
    if user.is_superuser:
        return Organisation.objects.none()  # superusers reach them through each organisation
    return Organisation.objects.filter(
        role_assignments__user=user, role_assignments__role__in=ROBOT_ADMIN_ROLES
    ).distinct()


def chat_robots_of(organisation: Organisation) -> QuerySet[ChatRobot]:
    return ChatRobot.objects.filter(organisation=organisation).order_by("name", "pk")


def chat_robot_for(user: User, pk: int) -> ChatRobot | None:
    """One robot, looked up among the organisations the user may see (None outside: 404)."""
    return (
        ChatRobot.objects.filter(pk=pk, organisation__in=organisations_for(user))
        .select_related("organisation", "organisation__city")
        .first()
    )


def robot_deliveries(robot: ChatRobot, *, limit: int = 10) -> list[ChannelDelivery]:
    """The robot's latest posts, for its page: what went out and what did not, and why."""
    return list(
        ChannelDelivery.objects.filter(robot=robot)
        .select_related("notification")
        .order_by("-created_at", "-pk")[:limit]
    )
