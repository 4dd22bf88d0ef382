"""Reads for calls and applications, already scoped to the user asking."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Role, User
from accounts.permissions import cities_for, role_assignments
from accounts.selectors import audit_entries_for_object, users_with_role
from core.pagination import COUNT_LIMIT, bounded_count

from .models import Application, ApplicationStatus, Call, CallStatus
from .permissions import visible_applications_q, waiting_for_q

SORTS = {
    "updated": "-updated_at",
    "submitted": "submitted_at",
    "name": "host_name",
    "school": "school__name",
    "county": "county__name",
    "status": "status",
}


def calls_for(user: User) -> QuerySet[Call]:
    """Calls of the user's cities: open and past ones for all, drafts for their bureau too."""
    queryset = Call.objects.select_related("policy", "bureau", "bureau__city")
    if user.is_superuser:
        return queryset
    bureau_ids = {
        ra.organisation_id for ra in role_assignments(user) if ra.role == Role.MUNICIPAL_ADMIN
    }
    return queryset.filter(bureau__city__in=cities_for(user)).filter(
        ~Q(status=CallStatus.DRAFT) | Q(bureau_id__in=bureau_ids)
    )


def call_for(user: User, pk: int) -> Call | None:
    return calls_for(user).filter(pk=pk).first()


def open_calls_for(user: User) -> QuerySet[Call]:
    return calls_for(user).filter(status=CallStatus.OPEN)


def applications_for(user: User) -> QuerySet[Application]:
    return Application.objects.filter(visible_applications_q(user)).select_related(
        "call", "call__policy", "call__bureau", "school", "county", "applicant"
    )


def application_for(user: User, pk: int) -> Application | None:
    return (
        applications_for(user)
        .select_related("paired_county")
        .prefetch_related("team", "attachments", "review_steps__reviewer")
        .filter(pk=pk)
        .first()
    )


def my_applications(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("call").order_by("-updated_at")


def filter_applications(
    queryset: QuerySet[Application],
    *,
    call: str = "",
    county: str = "",
    stage: str = "",
    status: str = "",
    q: str = "",
    sort: str = "",
) -> QuerySet[Application]:
    if call:
        queryset = queryset.filter(call_id=call)
    if county == "affiliated":
        queryset = queryset.filter(county__isnull=True)
    elif county:
        queryset = queryset.filter(county_id=county)
    if stage:
        queryset = queryset.filter(school_stage=stage)
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(
            Q(host_name__icontains=q)
            | Q(school__name__icontains=q)
            | Q(research_direction__icontains=q)
        )
    order = SORTS.get(sort.lstrip("-"), "-updated_at")
    if sort.startswith("-") and sort.lstrip("-") in SORTS:
        order = order[1:] if order.startswith("-") else f"-{order}"
    # The tie-breaker runs the same way as the key, so that one index on (…, key, id) serves
    # both directions of a sort (read forwards or backwards) and keyset pages (core.pagination).
    return queryset.order_by(order, "-pk" if order.startswith("-") else "pk")


def review_queue(user: User, **filters) -> QuerySet[Application]:
    """The applications waiting for ``user`` at their review step, filtered as asked."""
    queryset = Application.objects.filter(waiting_for_q(user)).select_related(
        "call", "school", "county", "applicant"
    )
    return filter_applications(queryset, **filters)


def waiting_count(user: User, limit: int = COUNT_LIMIT) -> int:
    """How many applications wait for ``user``, counted no further than ``limit + 1``."""
    return bounded_count(Application.objects.filter(waiting_for_q(user)), limit)


def status_counts(call: Call) -> dict[str, int]:
    rows = call.applications.values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in ApplicationStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def bureau_admins(call: Call) -> list[User]:
    return users_with_role(Role.MUNICIPAL_ADMIN, call.bureau)


# --- what the applicant sees -------------------------------------------------------------------

# The results of the expert review, which the applicant learns only when they are announced.
RESULT_STATUSES = {
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
}
# The call states in which the results are announced: the public notice lists the selected
# applications for everyone to read, and publication founds their studios.
ANNOUNCED_CALL_STATUSES = {CallStatus.NOTICE, CallStatus.PUBLISHED}
# The audit verbs that say the result before it is announced.
RESULT_VERBS = {"applications.application.selected", "applications.application.not_selected"}


def results_announced(application: Application) -> bool:
    return application.call.status in ANNOUNCED_CALL_STATUSES


def status_for_applicant(application: Application) -> str:
    """The status an applicant reads about their own application.

    Staff see every state (拟入选 "selected", 未入选 "not selected") as soon as the bureau saves
    its selection, and the bureau may still change its mind until the public notice. The
    applicant sees "Under review" (评审中) for expert review, selected and not selected until the
    call's results are announced (the public notice starts, or the results are published);
    then the real state. No policy field changes this today; if a city ever announces earlier,
    this is the one place to ask the policy.
    """
    if application.status in RESULT_STATUSES and not results_announced(application):
        return str(_("Under review"))
    return application.get_status_display()


def status_for_viewer(application: Application, user: User) -> str:
    """The applicant's own wording for the applicant, the real state for everyone else."""
    if application.applicant_id == user.pk:
        return status_for_applicant(application)
    return application.get_status_display()


def status_code_for_viewer(application: Application, user: User) -> str:
    """``status_for_viewer`` as a code (the API's): the applicant reads expert review until the
    results are announced, whatever the bureau has selected."""
    if (
        application.applicant_id == user.pk
        and application.status in RESULT_STATUSES
        and not results_announced(application)
    ):
        return ApplicationStatus.EXPERT_REVIEW.value
    return application.status


def filter_by_shown_status(
    queryset: QuerySet[Application], user: User, status: str
) -> QuerySet[Application]:
    """Applications ``user`` reads as being in ``status`` (see ``status_code_for_viewer``): the
    applicant's unannounced selection is found under expert review, not under its result."""
    unannounced = Q(applicant=user, status__in=RESULT_STATUSES) & ~Q(
        call__status__in=ANNOUNCED_CALL_STATUSES
    )
    if status == ApplicationStatus.EXPERT_REVIEW:
        return queryset.filter(Q(status=status) | unannounced)
    if status in RESULT_STATUSES:
        return queryset.filter(status=status).exclude(unannounced)
    return queryset.filter(status=status)


def application_history(application: Application, *, user: User) -> QuerySet[AuditEntry]:
    """The application's audit entries; the applicant does not read the selection before the
    results are announced (see ``status_for_applicant``)."""
    entries = audit_entries_for_object(application)
    if application.applicant_id == user.pk and not results_announced(application):
        entries = entries.exclude(verb__in=RESULT_VERBS)
    return entries
