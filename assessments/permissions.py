"""Who assesses, reports and evaluates (registered with accounts.permissions)."""

from django.db.models import Q

from accounts.models import OrganisationKind, Role
from accounts.permissions import has_role, in_scope, role_assignments, rule
from studios.models import Membership, Studio

from .models import AnnualAssessment, TermEvaluation

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


# --- annual assessment ---


def _is_city_expert(user, studio: Studio) -> bool:
    return in_scope(user, studio.school, roles={Role.EXPERT})


@rule("assessments.score_annual_assessment")
def can_score_annual_assessment(user, assessment) -> bool:
    """An expert of the studio's city, while the assessment is open, where the policy has
    experts take part in the annual assessment."""
    studio = assessment.studio
    return (
        studio.policy.annual_assessment_with_experts
        and assessment.status == AnnualAssessment.Status.OPEN
        and _is_city_expert(user, studio)
    )


@rule("assessments.view_annual_report")
def can_view_annual_report(user, report) -> bool:
    """The host, the assessing body, and the city's experts where they take part."""
    studio = report.studio
    if is_assessor(user, studio) or user.has_perm("studios.manage_studio", studio):
        return True
    return studio.policy.annual_assessment_with_experts and _is_city_expert(user, studio)


@rule("assessments.view_annual_assessment")
def can_view_annual_assessment(user, assessment) -> bool:
    studio = assessment.studio
    if is_assessor(user, studio) or user.has_perm("studios.manage_studio", studio):
        return True
    return studio.policy.annual_assessment_with_experts and _is_city_expert(user, studio)


# --- three-year evaluation ---


def _is_assigned(user, evaluation) -> bool:
    return evaluation.expert_scores.filter(expert=user).exists()


@rule("assessments.browse_term_evaluations")
def can_browse_term_evaluations(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, {Role.MUNICIPAL_ADMIN, Role.EXPERT})


@rule("assessments.run_term_evaluations")
def can_run_term_evaluations(user, _obj=None) -> bool:
    """The municipal bureau's side of the list: studios nearing their term's end."""
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN)


@rule("assessments.view_term_evaluation")
def can_view_term_evaluation(user, evaluation) -> bool:
    return is_bureau(user, evaluation.studio) or _is_assigned(user, evaluation)


@rule("assessments.score_term_evaluation")
def can_score_term_evaluation(user, evaluation) -> bool:
    """An assigned expert, once, while the evaluation is open."""
    return (
        evaluation.status == TermEvaluation.Status.OPEN
        and evaluation.expert_scores.filter(expert=user, submitted_at__isnull=True).exists()
    )


@rule("assessments.view_term_scores")
def can_view_term_scores(user, evaluation) -> bool:
    """The bureau; an expert only after submitting their own scores."""
    if is_bureau(user, evaluation.studio):
        return True
    return evaluation.expert_scores.filter(expert=user, submitted_at__isnull=False).exists()


@rule("assessments.view_term_certificate")
def can_view_term_certificate(user, evaluation) -> bool:
    """Once decided: the host, the studio's members, and the bureau of the studio's city."""
    if evaluation.status != TermEvaluation.Status.DECIDED:
        return False
    studio = evaluation.studio
    if is_bureau(user, studio) or studio.host_id == user.pk:
        return True
    return (
        Membership.objects.filter(studio=studio, user=user)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=evaluation.opens_on))
        .exists()
    )


@rule("assessments.view_person_record")
def can_view_person_record(user, person) -> bool:
    """The person, and the municipal bureau of a city they work in or hold a studio place in."""
    if user.is_superuser or user.pk == person.pk:
        return True
    organisations = [ra.organisation for ra in role_assignments(person)]
    organisations += [m.studio.school for m in person.memberships.select_related("studio__school")]
    return any(in_scope(user, org, roles={Role.MUNICIPAL_ADMIN}) for org in organisations)
