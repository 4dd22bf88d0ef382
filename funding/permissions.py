"""Who may move or read studio money (registered with accounts.permissions)."""

from accounts.models import Role
from accounts.permissions import can, has_role, in_scope, rule
from studios.models import StudioStatus


def _finance_officer(user, school) -> bool:
    return has_role(user, Role.FINANCE_OFFICER, school)


@rule("funding.manage_allocations")
def can_manage_allocations(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN)


@rule("funding.allocate")
def can_allocate(user, studio) -> bool:
    """The municipal bureau of the studio's city allocates its money."""
    return user.is_superuser or in_scope(user, studio.school, roles={Role.MUNICIPAL_ADMIN})


@rule("funding.record_expenditure")
def can_record_expenditure(user, studio) -> bool:
    """The host decides the spending (主持人负责具体开支); nothing is spent once the studio is
    revoked (its remainder has been returned). The service says so in words."""
    return studio.status != StudioStatus.REVOKED and user.has_perm("studios.manage_studio", studio)


@rule("funding.decide_expenditure")
def can_decide_expenditure(user, expenditure) -> bool:
    """The host school's finance officer confirms or rejects each entry."""
    return _finance_officer(user, expenditure.studio.school)


@rule("funding.view_funding")
def can_view_funding(user, studio) -> bool:
    return can(user, "studios.view_studio", studio) or _finance_officer(user, studio.school)


@rule("funding.manage_assets")
def can_manage_assets(user, studio) -> bool:
    """Equipment becomes the school's asset: the host and the school's finance officer."""
    return user.has_perm("studios.manage_studio", studio) or _finance_officer(user, studio.school)


@rule("funding.export_audit")
def can_export_audit(user, _obj=None) -> bool:
    """Auditors, and the bureau and centre that answer to them."""
    return user.is_superuser or has_role(
        user, {Role.AUDITOR, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER}
    )


@rule("funding.import_data")
def can_import_data(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN)


@rule("funding.view_dashboard")
def can_view_dashboard(user, _obj=None) -> bool:
    return user.is_superuser or has_role(
        user, {Role.AUDITOR, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER, Role.COUNTY_REVIEWER}
    )


@rule("funding.manage_special_account")
def can_manage_special_account(user, school) -> bool:
    """The school's finance officer keeps its special account; the city's bureau may too."""
    if user.is_superuser:
        return True
    return has_role(user, Role.FINANCE_OFFICER, school) or in_scope(
        user, school, roles={Role.MUNICIPAL_ADMIN}
    )


@rule("funding.view_finance_queue")
def can_view_finance_queue(user, _obj=None) -> bool:
    return has_role(user, Role.FINANCE_OFFICER)
