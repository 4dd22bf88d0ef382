"""Reads of policies: every city rule is read through these, never by a city's name."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import cities_for

from .models import Policy


def policies_for(user: User) -> QuerySet[Policy]:
    """The policies of the cities the user works in (every policy for a superuser)."""
    queryset = Policy.objects.select_related("city")
    if user.is_superuser:
        return queryset
    return queryset.filter(city__in=cities_for(user))


def policy_for(user: User, code: str) -> Policy | None:
    """One policy with its rules prefetched, or None outside the user's cities."""
    return (
        policies_for(user)
        .prefetch_related("team_rules", "activity_quotas", "pairing_counties")
        .filter(code=code)
        .first()
    )
