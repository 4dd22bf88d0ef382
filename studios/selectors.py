"""Reads for studios. Policies are read through these, never by a city's name."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import role_assignments

from .models import Policy


def policies_for(user: User) -> QuerySet[Policy]:
    """The policies of the cities the user works in (every policy for a superuser)."""
    queryset = Policy.objects.select_related("city")
    if user.is_superuser:
        return queryset
    city_ids = {ra.organisation.city_id for ra in role_assignments(user)}
    return queryset.filter(city_id__in=city_ids)


def policy_for(user: User, code: str) -> Policy | None:
    """One policy with its rules prefetched, or None outside the user's cities."""
    return (
        policies_for(user)
        .prefetch_related("team_rules", "activity_quotas", "pairing_counties")
        .filter(code=code)
        .first()
    )


def policy_with_rules(code: str) -> Policy:
    """For services and jobs, which work for the system rather than for one user."""
    return Policy.objects.prefetch_related("team_rules", "activity_quotas", "pairing_counties").get(
        code=code
    )


def studios_for(user: User) -> QuerySet:
    """Studios whose full page the user may open (the same answer as studios.view_studio)."""
    from django.db.models import Exists, OuterRef, Q
    from guardian.shortcuts import get_objects_for_user

    from accounts.permissions import scope_q

    from .models import Membership, Studio
    from .permissions import STUDIO_READERS

    queryset = Studio.objects.select_related("school", "county", "policy", "host", "paired_county")
    if user.is_superuser:
        return queryset
    hosted = get_objects_for_user(user, "studios.manage_studio", klass=Studio, with_superuser=False)
    member = Membership.objects.filter(studio=OuterRef("pk"), user=user, end_date__isnull=True)
    return queryset.filter(
        scope_q(user, roles=STUDIO_READERS, prefix="school__")
        | Q(pk__in=hosted.values("pk"))
        | Q(Exists(member))
    )


def studio_for(user: User, pk: int):
    return studios_for(user).filter(pk=pk).first()


def public_studios(*, query: str = "", city: str = "", stage: str = "") -> QuerySet:
    """The public directory: names, hosts, schools, research directions. No personal data."""
    from django.db.models import Q

    from .models import Studio

    queryset = Studio.objects.select_related("school", "county", "policy__city").order_by(
        "policy__city", "plaque_number"
    )
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query)
            | Q(school__name__icontains=query)
            | Q(research_direction__icontains=query)
        )
    if city:
        queryset = queryset.filter(policy__city__code=city)
    if stage:
        queryset = queryset.filter(school_stage=stage)
    return queryset
