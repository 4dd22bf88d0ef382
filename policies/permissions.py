"""Permission rules for policies (registered with the one accounts.permissions module)."""

from accounts.models import Role
from accounts.permissions import has_role, role_assignments, rule, works_in_city


@rule("policies.view_policy")
def can_view_policy(user, policy) -> bool:
    """Anyone working in the policy's city may read its rules: they decide who is eligible."""
    return works_in_city(user, policy.city_id)


@rule("policies.browse_policies")
def can_browse_policies(user, _obj=None) -> bool:
    return user.is_superuser or bool(role_assignments(user))


def _administers_city(user, city_id: int) -> bool:
    return user.is_superuser or works_in_city(user, city_id, roles=[Role.MUNICIPAL_ADMIN])


@rule("policies.manage_policies")
def can_manage_policies(user, _obj=None) -> bool:
    """Set up a new policy: a municipal bureau's administrator (for their own city)."""
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN)


@rule("policies.manage_policy")
def can_manage_policy(user, policy) -> bool:
    """Edit a policy's rules: the administrator of the bureau of the policy's city only."""
    return _administers_city(user, policy.city_id)
