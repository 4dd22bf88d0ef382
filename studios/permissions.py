"""Permission rules for studios (registered with the one accounts.permissions module)."""

from accounts.permissions import role_assignments, rule


@rule("studios.view_policy")
def can_view_policy(user, policy) -> bool:
    """Anyone working in the policy's city may read its rules: they decide who is eligible."""
    if user.is_superuser:
        return True
    return any(ra.organisation.city_id == policy.city_id for ra in role_assignments(user))


@rule("studios.browse_policies")
def can_browse_policies(user, _obj=None) -> bool:
    return user.is_superuser or bool(role_assignments(user))


@rule("studios.view_studio_certificate")
def can_view_studio_certificate(user, studio) -> bool:
    """The host (guardian grant on the studio) and the municipal bureau of the studio's city."""
    from accounts.models import Role
    from accounts.permissions import in_scope

    if user.is_superuser:
        return True
    if in_scope(user, studio.school, roles={Role.MUNICIPAL_ADMIN}):
        return True
    return user.has_perm("studios.manage_studio", studio)
