"""Permission rules for policies (registered with the one accounts.permissions module)."""

from accounts.permissions import role_assignments, rule, works_in_city


@rule("policies.view_policy")
def can_view_policy(user, policy) -> bool:
    """Anyone working in the policy's city may read its rules: they decide who is eligible."""
    return works_in_city(user, policy.city_id)


@rule("policies.browse_policies")
def can_browse_policies(user, _obj=None) -> bool:
    return user.is_superuser or bool(role_assignments(user))
