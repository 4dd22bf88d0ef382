"""The one place that decides "may this user do X to this object".

Two sources answer it: a user's role assignments (scope: a city, a county, a school), and
django-guardian's per-object grants (a studio's host, a one-off grant by an administrator).
Each app's ``permissions.py`` registers its ``can_*`` rules here with ``@rule``; views (through
``accounts.views.mixins.PermissionRequiredMixin``), templates (``{% can %}``) and tasks ask
``can(user, name, obj)`` and nothing else. Role comparisons use the stable codes in ``Role``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from .models import City, Organisation, OrganisationKind, Role, RoleAssignment

_RULES: dict[str, Callable[[Any, Any], bool]] = {}

# Roles whose scope is the whole city of the organisation they are assigned at.
CITY_WIDE_ROLES = {Role.MUNICIPAL_ADMIN, Role.CE_OFFICER, Role.EXPERT}
# Roles that oversee organisations (rather than working inside one).
OVERSIGHT_ROLES = {
    Role.MUNICIPAL_ADMIN,
    Role.CE_OFFICER,
    Role.COUNTY_REVIEWER,
    Role.AUDITOR,
    Role.SCHOOL_ADMIN,
}


def rule(name: str):
    """Register a permission rule ``fn(user, obj) -> bool`` under ``app.verb_noun``."""

    def register(fn):
        if name in _RULES and _RULES[name] is not fn:
            raise RuntimeError(f"permission rule {name!r} registered twice")
        _RULES[name] = fn
        return fn

    return register


def can(user, name: str, obj: Any = None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    try:
        check = _RULES[name]
    except KeyError:
        raise LookupError(f"unknown permission rule {name!r}") from None
    return bool(check(user, obj))


def registered_rules() -> list[str]:
    return sorted(_RULES)


def role_assignments(user) -> list[RoleAssignment]:
    """The user's roles, loaded once per user object (one query per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_mingshi_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related(
                "organisation", "organisation__city", "organisation__county"
            )
        )
        user._mingshi_roles = cached
    return cached


def has_role(user, role: Role | Iterable[Role], organisation: Organisation | None = None) -> bool:
    roles = {role} if isinstance(role, str) else set(role)
    return any(
        ra.role in roles and (organisation is None or ra.organisation_id == organisation.pk)
        for ra in role_assignments(user)
    )


@dataclass(frozen=True)
class Scope:
    """Where a user's roles reach: the one statement of the scope rule.

    City-wide roles (and an auditor at the municipal bureau) reach their whole city; a role at
    a county bureau reaches the bureau and the county's schools; any other role its own
    organisation. ``scope_q``, ``in_scope``, ``cities_for``, ``counties_for`` and the exports'
    areas all read this, so they cannot disagree.

    A superuser reaches everywhere when the question is about reach (no ``roles`` named).
    Asked about particular roles, only the roles a user actually holds count: a superuser is
    not an expert and scores nothing. Readers that let a superuser read everything say so
    before they ask (``if user.is_superuser``), as ``areas_for`` does.
    """

    everywhere: bool = False
    cities: frozenset[int] = frozenset()
    counties: frozenset[tuple[int, int]] = frozenset()  # (county bureau, its city)
    organisations: frozenset[int] = frozenset()
    # Every city the user has any role in (wider than ``cities``: a school's city too).
    working_cities: frozenset[int] = field(default_factory=frozenset)


def scope_of(user, *, roles: Iterable[Role] | None = None) -> Scope:
    if roles is None and user.is_authenticated and user.is_superuser:
        return Scope(everywhere=True)
    wanted = set(roles) if roles is not None else None
    cities, counties, organisations, working = set(), set(), set(), set()
    for ra in role_assignments(user):
        if wanted is not None and ra.role not in wanted:
            continue
        org = ra.organisation
        working.add(org.city_id)
        if ra.role in CITY_WIDE_ROLES or (
            ra.role == Role.AUDITOR and org.kind == OrganisationKind.MUNICIPAL_BUREAU
        ):
            cities.add(org.city_id)
        elif org.kind == OrganisationKind.COUNTY_BUREAU:
            counties.add((org.pk, org.city_id))
        else:
            organisations.add(org.pk)
    return Scope(
        cities=frozenset(cities),
        counties=frozenset(counties),
        organisations=frozenset(organisations),
        working_cities=frozenset(working),
    )


def scope_q(user, *, roles: Iterable[Role] | None = None, prefix: str = "") -> Q:
    """A filter on Organisation (or on a model's ``prefix`` path to one) for the user's scope.

    With no matching role the filter matches nothing; a superuser's matches everything.
    """
    scope = scope_of(user, roles=roles)
    if scope.everywhere:
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    if scope.cities:
        q |= Q(**{f"{prefix}city_id__in": sorted(scope.cities)})
    county_ids = sorted(pk for pk, _city in scope.counties)
    if county_ids:
        q |= Q(**{f"{prefix}county_id__in": county_ids}) | Q(**{f"{prefix}pk__in": county_ids})
    if scope.organisations:
        q |= Q(**{f"{prefix}pk__in": sorted(scope.organisations)})
    return q


def organisations_in_scope(user, *, roles: Iterable[Role] | None = None) -> QuerySet:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(scope_q(user, roles=roles))


def in_scope(user, organisation: Organisation, *, roles: Iterable[Role] | None = None) -> bool:
    """The same answer as ``scope_q``, computed in memory from the cached roles."""
    scope = scope_of(user, roles=roles)
    return (
        scope.everywhere
        or organisation.city_id in scope.cities
        or any(organisation.county_id == pk or organisation.pk == pk for pk, _c in scope.counties)
        or organisation.pk in scope.organisations
    )


def works_in_city(user, city_id: int, *, roles: Iterable[Role] | None = None) -> bool:
    """Whether the user has a role (one of ``roles``) anywhere in the city; a superuser does."""
    scope = scope_of(user, roles=roles)
    return scope.everywhere or city_id in scope.working_cities


def cities_for(user, *, roles: Iterable[Role] | None = None) -> QuerySet[City]:
    """The cities the user works in (every city for a superuser)."""
    scope = scope_of(user, roles=roles)
    if scope.everywhere:
        return City.objects.all()
    return City.objects.filter(pk__in=sorted(scope.working_cities))


def counties_for(user, *, roles: Iterable[Role] | None = None) -> QuerySet[Organisation]:
    """The county bureaus of the cities the user works in (every county for a superuser)."""
    counties = Organisation.objects.filter(kind=OrganisationKind.COUNTY_BUREAU)
    scope = scope_of(user, roles=roles)
    if scope.everywhere:
        return counties
    return counties.filter(city_id__in=sorted(scope.working_cities))


def areas_for(user, *, roles: Iterable[Role] | None = None) -> dict[int, set[int] | None]:
    """City id → the county bureaus the user reaches there (None: the whole city); a superuser
    reads every city."""
    scope = scope_of(user, roles=roles)
    if scope.everywhere or user.is_superuser:
        return {pk: None for pk in City.objects.values_list("pk", flat=True)}
    areas: dict[int, set[int] | None] = {city: None for city in scope.cities}
    for county, city in scope.counties:
        current = areas.setdefault(city, set())
        if current is not None:
            current.add(county)
    return areas


# --- accounts' own rules -------------------------------------------------------------------


@rule("accounts.view_organisation")
def can_view_organisation(user, organisation: Organisation) -> bool:
    """Staff see the organisations in their scope; a guardian grant opens one more."""
    if user.is_superuser:
        return True
    if in_scope(user, organisation, roles=OVERSIGHT_ROLES | CITY_WIDE_ROLES):
        return True
    return user.has_perm("accounts.view_organisation", organisation)


@rule("accounts.browse_organisations")
def can_browse_organisations(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, OVERSIGHT_ROLES | CITY_WIDE_ROLES)


@rule("accounts.view_audit_trail")
def can_view_audit_trail(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, OVERSIGHT_ROLES)


@rule("accounts.view_audit_entry")
def can_view_audit_entry(user, entry) -> bool:
    if user.is_superuser:
        return True
    return entry.organisation_id is not None and in_scope(
        user, entry.organisation, roles=OVERSIGHT_ROLES
    )


# Who sees a teacher's phone number and birth date in full, inside their scope: the reviewers
# up the chain (the school, the county bureau, the municipal bureau). Experts, auditors, the
# continuing-education centre and finance officers see them masked (138****0000, 1980-**).
PERSONAL_DETAILS_ROLES = {Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER, Role.MUNICIPAL_ADMIN}


@rule("accounts.view_personal_details")
def can_view_personal_details(user, subject) -> bool:
    """May ``user`` see the personal details in ``subject`` in full?

    ``subject`` is an object with ``personal_details_owner() -> (user id or None,
    organisation)`` (an application, a seat request), or an Organisation: then the question
    is about everyone in it and below it (an export of a county or a city)."""
    if user.is_superuser:
        return True
    if isinstance(subject, Organisation):
        return in_scope(user, subject, roles=PERSONAL_DETAILS_ROLES)
    owner_id, organisation = subject.personal_details_owner()
    if owner_id is not None and owner_id == user.pk:
        return True
    return organisation is not None and in_scope(user, organisation, roles=PERSONAL_DETAILS_ROLES)


@rule("accounts.read_notification")
def can_read_notification(user, notification) -> bool:
    return notification.recipient_id == user.pk


@rule("accounts.view_job")
def can_view_job(user, job) -> bool:
    return job.owner_id == user.pk


# Who brings people in (invitations, printed activation codes): the administrators of a
# school, a county bureau and the municipal bureau, each for the people of their own scope.
ONBOARDING_ROLES = {Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER, Role.MUNICIPAL_ADMIN}


@rule("accounts.onboard_people")
def can_onboard_people(user, organisation: Organisation | None = None) -> bool:
    """May ``user`` invite the people of ``organisation`` (of some organisation, when none)?"""
    if user.is_superuser:
        return True
    if organisation is None:
        return has_role(user, ONBOARDING_ROLES)
    return in_scope(user, organisation, roles=ONBOARDING_ROLES)


@rule("accounts.invite_user")
def can_invite_user(user, person) -> bool:
    """May ``user`` invite ``person`` to set a password? Only someone whose every role sits
    inside the administrator's scope: a school's administrator cannot open the account of a
    teacher who is also the bureau's expert. Superuser accounts are opened by no one. Whether
    the person still needs a password is the service's question, not a permission."""
    if person.is_superuser or not person.is_active or person.pk == user.pk:
        return False
    if user.is_superuser:
        return True
    organisations = [ra.organisation for ra in role_assignments(person)]
    return bool(organisations) and all(
        in_scope(user, organisation, roles=ONBOARDING_ROLES) for organisation in organisations
    )


# Who manages an organisation's group chat robots (企业微信/钉钉 群机器人): its own
# administrators — a school's, a county bureau's reviewers, the municipal bureau's, the
# continuing-education centre's officers — each for the organisation they hold the role at,
# not for those below it: a group belongs to the office that runs it.
ROBOT_ADMIN_ROLES = {Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER}


@rule("accounts.manage_chat_robots")
def can_manage_chat_robots(user, target=None) -> bool:
    """May ``user`` manage the robots of ``target`` (an organisation, or one of its robots)?
    With no target: of some organisation."""
    if user.is_superuser:
        return True
    if target is None:
        return has_role(user, ROBOT_ADMIN_ROLES)
    organisation = target if isinstance(target, Organisation) else target.organisation
    return has_role(user, ROBOT_ADMIN_ROLES, organisation)


# --- the API's personal access tokens ---------------------------------------------------------


@rule("accounts.keep_access_tokens")
def can_keep_access_tokens(user, _obj=None) -> bool:
    """Everyone logged in may make tokens: a token reaches only what its owner's pages reach."""
    return user.is_authenticated


@rule("accounts.revoke_access_token")
def can_revoke_access_token(user, token) -> bool:
    """A token is its owner's to revoke."""
    return token.user_id == user.pk
