"""Reads of policies: every city rule is read through these, never by a city's name."""

from django.db.models import Q, QuerySet

from accounts.models import City, Organisation, OrganisationKind, Role, User
from accounts.permissions import cities_for

from .models import Policy


def policies_for(user: User) -> QuerySet[Policy]:
    """The policies of the cities the user works in (every policy for a superuser)."""
    queryset = Policy.objects.select_related("city")
    if user.is_superuser:
        return queryset
    return queryset.filter(city__in=cities_for(user))


def current_policies_for(user: User, *, keep: Policy | None = None) -> QuerySet[Policy]:
    """The newest version of each policy the user may see: the ones offered for a new call.

    ``keep`` stays in whatever its version (a call being edited keeps the version it is
    pinned to)."""
    current = Q(replaced_by__isnull=True)
    if keep is not None:
        current |= Q(pk=keep.pk)
    return policies_for(user).filter(current)


def policy_for(user: User, code: str) -> Policy | None:
    """One policy with its rules prefetched, or None outside the user's cities."""
    return (
        policies_for(user)
        .select_related("replaces")
        .prefetch_related("team_rules", "activity_quotas", "indicators", "pairing_counties")
        .filter(code=code)
        .first()
    )


def administered_cities(user: User) -> QuerySet[City]:
    """The cities whose policies the user sets up (every city for a superuser)."""
    if user.is_superuser:
        return City.objects.order_by("code")
    return cities_for(user, roles=[Role.MUNICIPAL_ADMIN]).order_by("code")


def county_bureaus_of(city: City) -> QuerySet[Organisation]:
    """The county bureaus a policy of ``city`` may pair its studios with."""
    return Organisation.objects.filter(city=city, kind=OrganisationKind.COUNTY_BUREAU).order_by(
        "code"
    )


def policy_uses(policy: Policy) -> dict[str, int]:
    """What of the layers above points at this policy: {model's verbose plural: count}.

    Read through the reverse relations on the model, so that policies names none of the
    apps that pin a policy (calls, studios, …): any of them makes the policy "in use"."""
    uses = {}
    for relation in Policy._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == Policy._meta.app_label:
            continue  # its own rule rows and versions
        count = model._default_manager.filter(**{relation.field.name: policy}).count()
        if count:
            uses[str(model._meta.verbose_name_plural)] = count
    return uses


def policy_in_use(policy: Policy) -> bool:
    """Whether a call or a studio is pinned to this version: then an edit makes a new one."""
    return bool(policy_uses(policy))


def policy_versions(policy: Policy) -> list[Policy]:
    """Every version of the policy's lineage, oldest first (a handful: one query each)."""
    first = policy
    while first.replaces_id is not None:
        first = Policy.objects.select_related("replaces").get(pk=first.replaces_id)
    versions = [first]
    while True:
        following = Policy.objects.filter(replaces=versions[-1]).first()
        if following is None:
            return versions
        versions.append(following)


def newest_version(policy: Policy) -> Policy:
    return policy_versions(policy)[-1]
