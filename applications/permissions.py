"""Who may do what with calls and applications (registered with accounts.permissions)."""

from django.db.models import Exists, OuterRef, Q

from accounts.models import Role
from accounts.permissions import has_role, in_scope, role_assignments, rule, scope_q, works_in_city

from .models import (
    EDITABLE_STATUSES,
    ApplicationStatus,
    CallStatus,
    ExpertAssignment,
)

# Roles that read submitted applications inside their organisational scope.
READER_ROLES = {
    Role.SCHOOL_ADMIN,
    Role.COUNTY_REVIEWER,
    Role.MUNICIPAL_ADMIN,
    Role.CE_OFFICER,
    Role.AUDITOR,
}
# Once the city has passed an application on, its assigned experts may read it.
EXPERT_STATUSES = {
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.PUBLISHED,
}


def is_bureau_admin(user, bureau) -> bool:
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN, bureau)


def visible_applications_q(user) -> Q:
    """The same answer as ``can_view_application``, as one filter for lists and lookups."""
    if user.is_superuser:
        return Q()
    readers = scope_q(user, roles=READER_ROLES, prefix="school__") & ~Q(
        status=ApplicationStatus.DRAFT
    )
    assigned = ExpertAssignment.objects.filter(application=OuterRef("pk"), expert=user).exclude(
        state=ExpertAssignment.State.CONFLICT
    )
    experts = Q(status__in=EXPERT_STATUSES) & Q(Exists(assigned))
    return Q(applicant=user) | readers | experts


def waiting_for_q(user) -> Q:
    """Applications whose current review step belongs to ``user``."""
    q = Q(pk__in=[])
    for ra in role_assignments(user):
        if ra.role == Role.SCHOOL_ADMIN:
            q |= Q(status=ApplicationStatus.AT_SCHOOL, school_id=ra.organisation_id)
        elif ra.role == Role.COUNTY_REVIEWER:
            q |= Q(status=ApplicationStatus.AT_COUNTY, county_id=ra.organisation_id)
        elif ra.role == Role.MUNICIPAL_ADMIN:
            q |= Q(status=ApplicationStatus.AT_CITY, call__bureau_id=ra.organisation_id)
    return q


@rule("applications.manage_calls")
def can_manage_calls(user, _obj=None) -> bool:
    return user.is_superuser or has_role(user, Role.MUNICIPAL_ADMIN)


@rule("applications.manage_call")
def can_manage_call(user, call) -> bool:
    return is_bureau_admin(user, call.bureau)


@rule("applications.view_call")
def can_view_call(user, call) -> bool:
    if can_manage_call(user, call):
        return True
    if call.status == CallStatus.DRAFT:
        return False
    return works_in_city(user, call.bureau.city_id)


@rule("applications.apply_to_call")
def can_apply_to_call(user, call) -> bool:
    """A teacher at a school of the call's city, at a stage the call is for."""

    if call.status != CallStatus.OPEN:
        return False
    return any(
        ra.role == Role.TEACHER
        and ra.organisation.city_id == call.bureau.city_id
        and set(ra.organisation.school_stages) & set(call.school_stages)
        for ra in role_assignments(user)
    )


@rule("applications.view_application")
def can_view_application(user, application) -> bool:
    if user.is_superuser or application.applicant_id == user.pk:
        return True
    if application.status != ApplicationStatus.DRAFT and in_scope(
        user, application.school, roles=READER_ROLES
    ):
        return True
    if application.status in EXPERT_STATUSES:
        return (
            ExpertAssignment.objects.filter(application=application, expert=user)
            .exclude(state=ExpertAssignment.State.CONFLICT)
            .exists()
        )
    return False


@rule("applications.edit_application")
def can_edit_application(user, application) -> bool:
    return application.applicant_id == user.pk and application.status in EDITABLE_STATUSES


@rule("applications.review_application")
def can_review_application(user, application) -> bool:
    status = application.status
    if status == ApplicationStatus.AT_SCHOOL:
        return has_role(user, Role.SCHOOL_ADMIN, application.school)
    if status == ApplicationStatus.AT_COUNTY:
        return application.county is not None and has_role(
            user, Role.COUNTY_REVIEWER, application.county
        )
    if status == ApplicationStatus.AT_CITY:
        return has_role(user, Role.MUNICIPAL_ADMIN, application.call.bureau)
    return False


@rule("applications.review_any")
def can_review_any(user, _obj=None) -> bool:
    return has_role(user, {Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER, Role.MUNICIPAL_ADMIN})


@rule("applications.grant_extension")
def can_grant_extension(user, application) -> bool:
    return is_bureau_admin(user, application.call.bureau)


@rule("applications.score_application")
def can_score_application(user, assignment) -> bool:
    """``assignment`` is the expert's own ExpertAssignment; submitted scores are final."""
    return (
        assignment.expert_id == user.pk
        and assignment.state == ExpertAssignment.State.ASSIGNED
        and assignment.application.status == ApplicationStatus.EXPERT_REVIEW
    )


@rule("applications.view_scores")
def can_view_scores(user, application) -> bool:
    """The bureau always; an expert only after submitting their own scores."""
    if is_bureau_admin(user, application.call.bureau):
        return True
    return ExpertAssignment.objects.filter(
        application=application, expert=user, state=ExpertAssignment.State.SUBMITTED
    ).exists()


@rule("applications.score_any")
def can_score_any(user, _obj=None) -> bool:
    return has_role(user, Role.EXPERT)


@rule("applications.resolve_objection")
def can_resolve_objection(user, objection) -> bool:
    return is_bureau_admin(user, objection.application.call.bureau)


@rule("applications.view_assignment")
def can_view_assignment(user, assignment) -> bool:
    """An expert's own assignment, in any state: the page shows the form, or the scores given."""
    return assignment.expert_id == user.pk
