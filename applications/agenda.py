"""The deadlines calls set for people (``accounts.agenda``): an applicant's closing date, a
reviewing level's deadline, the experts' scoring deadline. One query a kind, none for a person
whose roles have nothing to do with it."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.agenda import Deadline, deadline_source
from accounts.models import Role
from accounts.permissions import has_role

from .completeness import deadline_for
from .models import EDITABLE_STATUSES, Application, ApplicationStatus, CallStatus, ExpertAssignment
from .permissions import waiting_for_q

# The call's field holding the deadline of the level an application waits at (the bureau's own
# step has none: it is the bureau that sets them).
REVIEW_DEADLINE_OF_STATUS = {
    ApplicationStatus.AT_SCHOOL: "call__school_review_ends_on",
    ApplicationStatus.AT_COUNTY: "call__county_review_ends_on",
}


def _waiting(count: int) -> str:
    return ngettext(
        "%(count)d application waits for you.", "%(count)d applications wait for you.", count
    ) % {"count": count}


@deadline_source
def applicant_deadlines(user, today):
    """The last day to submit (or resubmit) each form the applicant still holds."""
    mine = Application.objects.filter(
        applicant=user, status__in=EDITABLE_STATUSES, call__status=CallStatus.OPEN
    ).select_related("call")
    for application in mine:
        yield Deadline(
            key=f"application-{application.pk}-submit",
            day=deadline_for(application),
            summary=_("Submit the application: %(call)s") % {"call": application.call.title},
            url=reverse("applications:application_edit", args=[application.pk]),
        )


@deadline_source
def review_deadlines(user, today):
    """Each call's deadline for the level where applications wait for ``user``."""
    if not has_role(user, {Role.SCHOOL_ADMIN, Role.COUNTY_REVIEWER}):
        return
    rows = (
        Application.objects.filter(waiting_for_q(user), status__in=list(REVIEW_DEADLINE_OF_STATUS))
        .values("call_id", "call__title", "status", *REVIEW_DEADLINE_OF_STATUS.values())
        .annotate(waiting=Count("pk"))
        .order_by("call_id", "status")
    )
    for row in rows:
        day = row[REVIEW_DEADLINE_OF_STATUS[row["status"]]]
        if day is None:
            continue
        title = row["call__title"]
        if row["status"] == ApplicationStatus.AT_SCHOOL:
            summary = _("School review deadline: %(call)s") % {"call": title}
        else:
            summary = _("County review deadline: %(call)s") % {"call": title}
        yield Deadline(
            key=f"call-{row['call_id']}-{row['status']}-review",
            day=day,
            summary=summary,
            url=reverse("applications:review_queue") + f"?call={row['call_id']}",
            description=_waiting(row["waiting"]),
        )


@deadline_source
def expert_deadlines(user, today):
    """The scoring deadline of each call where the expert has applications left to score."""
    if not has_role(user, Role.EXPERT):
        return
    rows = (
        ExpertAssignment.objects.filter(
            expert=user,
            state=ExpertAssignment.State.ASSIGNED,
            application__status=ApplicationStatus.EXPERT_REVIEW,
            application__call__expert_review_ends_on__isnull=False,
        )
        .values(
            "application__call_id",
            "application__call__title",
            "application__call__expert_review_ends_on",
        )
        .annotate(waiting=Count("pk"))
        .order_by("application__call_id")
    )
    for row in rows:
        yield Deadline(
            key=f"call-{row['application__call_id']}-expert-review",
            day=row["application__call__expert_review_ends_on"],
            summary=_("Expert scoring deadline: %(call)s")
            % {"call": row["application__call__title"]},
            url=reverse("applications:expert_queue"),
            description=_waiting(row["waiting"]),
        )
