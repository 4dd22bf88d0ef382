"""Who assesses, reports and evaluates (registered with accounts.permissions)."""

from accounts.models import OrganisationKind, Role
from accounts.permissions import has_role, in_scope, rule

# The assessing body named by the policy, as the role that acts for it.
ASSESSOR_ROLE = {
    OrganisationKind.CE_CENTRE: Role.CE_OFFICER,
    OrganisationKind.MUNICIPAL_BUREAU: Role.MUNICIPAL_ADMIN,
}


def is_assessor(user, studio) -> bool:
    """The body the studio's policy names for annual assessments, in the studio's city."""
    if user.is_superuser:
        return True
    role = ASSESSOR_ROLE[studio.policy.annual_assessor]
    return in_scope(user, studio.school, roles={role})


def is_bureau(user, studio) -> bool:
    return user.is_superuser or in_scope(user, studio.school, roles={Role.MUNICIPAL_ADMIN})


@rule("assessments.assess_studio")
def can_assess_studio(user, studio) -> bool:
    return is_assessor(user, studio)


@rule("assessments.assess_any")
def can_assess_any(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, set(ASSESSOR_ROLE.values()))


@rule("assessments.write_report")
def can_write_report(user, studio) -> bool:
    """The host writes the studio's annual report and its rectification report."""
    return user.has_perm("studios.manage_studio", studio)


@rule("assessments.evaluate_term")
def can_evaluate_term(user, studio) -> bool:
    """The municipal bureau runs three-year evaluations (experts score, the bureau decides)."""
    return is_bureau(user, studio)
