"""Reads of policies: every city rule is read through these, never by a city's name."""

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
