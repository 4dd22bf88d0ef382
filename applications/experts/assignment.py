"""Assigning experts to a call's applications, skipping those with a conflict of interest."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.permissions import can
from accounts.services import audit_record, notify

from ..models import (
    Application,
    ApplicationStatus,
    Call,
    ExpertAssignment,
)
from ..services import ApplicationError
from .conflicts import conflict_profiles

State = ExpertAssignment.State


STATUS_LABELS = dict(ApplicationStatus.choices)


# The applications that appear in a call's ranking.
RANKED_STATUSES = [
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.PUBLISHED,
]


# The applications whose selection the bureau may still set (or change).
SELECTABLE_STATUSES = [
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
]


# Trimming drops one highest and one lowest score, so it needs at least this many.
TRIM_MINIMUM = 3


ONE_DECIMAL = Decimal("0.1")


def experts_for_call(call: Call) -> QuerySet[User]:
    """The active users holding the expert role in the call's city: the only ones assignable."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.EXPERT,
            role_assignments__organisation__city_id=call.bureau.city_id,
        )
        .distinct()
        .order_by("full_name", "username")
    )


@dataclass
class Skipped:
    """A pair not assigned, and why. ``application`` or ``expert`` is None when the reason
    concerns the other one alone (an expert of another city, an application not in review)."""

    application: Application | None
    expert: User | None
    reason: str

    def __str__(self) -> str:
        parts = []
        if self.expert is not None:
            parts.append(str(self.expert))
        if self.application is not None:
            parts.append(self.application.host_name or str(self.application))
        return f"{' → '.join(parts)}: {self.reason}" if parts else self.reason


# Complex by nature: each refusal (call, state, expert, conflict, count) is its own branch.
@transaction.atomic
def experts_assign(  # noqa: C901
    *,
    actor: User,
    call: Call,
    experts: Iterable[User],
    applications: Iterable[Application],
) -> tuple[list[ExpertAssignment], list[Skipped]]:
    """Assign every expert to every application (one, or many of each).

    Skips, with the reason: experts without the expert role in the call's city, applications
    of another call or not in expert review, pairs already assigned, and conflicts of
    interest. Each expert is told once about the whole batch.
    """
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    experts = list({e.pk: e for e in experts}.values())
    wanted = list({a.pk: a for a in applications}.values())
    if not experts or not wanted:
        raise ApplicationError(_("Choose at least one expert and at least one application."))
    # One batch at a time per call: two bureau officers clicking at once queue up here.
    call = Call.objects.select_for_update().select_related("bureau__city").get(pk=call.pk)
    skipped: list[Skipped] = []

    eligible = set(
        experts_for_call(call).filter(pk__in=[e.pk for e in experts]).values_list("pk", flat=True)
    )
    for expert in experts:
        if expert.pk not in eligible:
            skipped.append(
                Skipped(
                    None,
                    expert,
                    _("not an expert of %(city)s: only the city's experts can be assigned.")
                    % {"city": call.bureau.city.name},
                )
            )
    experts = [e for e in experts if e.pk in eligible]

    fresh = {
        a.pk: a
        for a in Application.objects.filter(pk__in=[a.pk for a in wanted]).select_related(
            "school", "county"
        )
    }
    targets: list[Application] = []
    for application in wanted:
        current = fresh.get(application.pk)
        if current is None or current.call_id != call.pk:
            skipped.append(Skipped(application, None, _("not an application to this call.")))
        elif current.status != ApplicationStatus.EXPERT_REVIEW:
            skipped.append(
                Skipped(
                    current,
                    None,
                    _("not in expert review (it is “%(status)s”).")
                    % {"status": STATUS_LABELS[current.status]},
                )
            )
        else:
            targets.append(current)

    existing = dict(
        (
            ((application_id, expert_id), state)
            for application_id, expert_id, state in ExpertAssignment.objects.filter(
                application__in=targets, expert_id__in=[e.pk for e in experts]
            ).values_list("application_id", "expert_id", "state")
        )
    )
    profiles = conflict_profiles(e.pk for e in experts)
    to_create: list[ExpertAssignment] = []
    for application in targets:
        for expert in experts:
            state = existing.get((application.pk, expert.pk))
            if state == State.CONFLICT:
                skipped.append(
                    Skipped(application, expert, _("already declined: conflict of interest."))
                )
                continue
            if state is not None:
                skipped.append(Skipped(application, expert, _("already assigned.")))
                continue
            reasons = profiles[expert.pk].reasons(application)
            if reasons:
                skipped.append(
                    Skipped(
                        application,
                        expert,
                        _("conflict of interest: %(reasons)s") % {"reasons": " ".join(reasons)},
                    )
                )
                continue
            to_create.append(
                ExpertAssignment(application=application, expert=expert, assigned_by=actor)
            )

    created = ExpertAssignment.objects.bulk_create(to_create)
    per_expert: dict[int, list[ExpertAssignment]] = defaultdict(list)
    for assignment in created:
        audit_record(
            actor=actor,
            obj=assignment,
            verb="applications.expert.assigned",
            to_state=State.ASSIGNED,
            comment=str(assignment.expert),
            organisation=assignment.application.school,
        )
        per_expert[assignment.expert_id].append(assignment)

    queue_url = reverse("applications:expert_queue")
    for mine in per_expert.values():
        count, title = len(mine), call.title
        notify(
            [mine[0].expert],
            verb="applications.expert.assigned",
            title=lambda count=count: (
                ngettext(
                    "%(count)d new application to score",
                    "%(count)d new applications to score",
                    count,
                )
                % {"count": count}
            ),
            body=title,
            url=queue_url,
            obj=call,
        )
    return created, skipped
