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


# Roles that oversee studios inside their organisational scope (read everything there).
STUDIO_READERS = {
    "municipal_admin",
    "ce_officer",
    "county_reviewer",
    "auditor",
    "school_admin",
}
# Roles that run the programme for the city: team changes, recruitment, the compliance grid.
STUDIO_MANAGERS = {"municipal_admin", "ce_officer"}


def is_host(user, studio) -> bool:
    return user.has_perm("studios.manage_studio", studio)


def is_member(user, studio) -> bool:
    """A current member of any role (host, assistant, advisor, member, shadow trainee)."""
    from .models import Membership

    return Membership.objects.filter(studio=studio, user=user, end_date__isnull=True).exists()


@rule("studios.view_studio")
def can_view_studio(user, studio) -> bool:
    """The full studio home: its people, the bureau and the organisations above it."""
    from accounts.permissions import in_scope

    if user.is_superuser or in_scope(user, studio.school, roles=STUDIO_READERS):
        return True
    return is_host(user, studio) or is_member(user, studio)


@rule("studios.manage_studio")
def can_manage_studio(user, studio) -> bool:
    """The host runs an active studio: activities, plans, outputs, reviews of growth files."""
    from .models import StudioStatus

    return studio.status == StudioStatus.ACTIVE and (user.is_superuser or is_host(user, studio))


@rule("studios.oversee_studio")
def can_oversee_studio(user, studio) -> bool:
    """The municipal bureau (and, where the policy says so, the centre) of the studio's city."""
    from accounts.permissions import in_scope

    return user.is_superuser or in_scope(user, studio.school, roles=STUDIO_MANAGERS)


@rule("studios.oversee_studios")
def can_oversee_studios(user, _obj=None) -> bool:
    """Any studio-overseeing role: for the compliance grid and the bureau's lists."""
    from accounts.permissions import has_role

    return user.is_superuser or has_role(user, STUDIO_READERS - {"school_admin"})


@rule("studios.confirm_attendance")
def can_confirm_attendance(user, attendance) -> bool:
    return attendance.membership.user_id == user.pk and attendance.confirmed_at is None


@rule("studios.browse_resources")
def can_browse_resources(user, _obj=None) -> bool:
    """Shared resources are for every logged-in person working in a city."""
    return user.is_superuser or bool(role_assignments(user))
