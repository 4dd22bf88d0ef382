"""保存遴选结果: the bureau's selection from the ranking, within the call's number of studios."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import can
from accounts.services import notify

from .. import workflow
from ..models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
)
from ..services import ApplicationError
from .assignment import SELECTABLE_STATUSES

SELECTION_VERBS = {
    ApplicationStatus.SELECTED: "applications.application.selected",
    ApplicationStatus.NOT_SELECTED: "applications.application.not_selected",
}


# The applicant is told that the review is over, in the same words whatever the result: the
# bureau may still change its selection, and the result is announced with the public notice
# (applications.selectors.status_for_applicant).
SELECTION_TITLES = {
    ApplicationStatus.SELECTED: lambda call: (
        _("The expert review of your application is complete: %(call)s") % {"call": call}
    ),
    ApplicationStatus.NOT_SELECTED: lambda call: (
        _("The expert review of your application is complete: %(call)s") % {"call": call}
    ),
}
SELECTION_BODY = _("The result is announced with the public notice.")


@transaction.atomic
def selection_save(
    *, actor: User, call: Call, application_ids: Iterable[int]
) -> tuple[list[Application], list[Application]]:
    """Select the chosen applications (at most the call's number of studios); every other
    application in expert review, or selected before, becomes not selected.

    Saving the same selection twice changes nothing; each application that does move is
    audited and its applicant told. Returns (newly selected, newly not selected).
    """
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    try:
        chosen = {int(pk) for pk in application_ids}
    except (TypeError, ValueError):
        raise ApplicationError(_("The selection could not be read; reload the page.")) from None
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status in (CallStatus.NOTICE, CallStatus.PUBLISHED):
        raise ApplicationError(
            _("The selection of this call is already “%(status)s” and can no longer change.")
            % {"status": call.get_status_display()}
        )
    if not chosen:
        raise ApplicationError(_("Choose the applications to select."))
    if len(chosen) > call.studio_count:
        raise ApplicationError(
            ngettext(
                "You chose %(chosen)d applications, but this call founds at most %(limit)d studio.",
                "You chose %(chosen)d applications, but this call founds at most %(limit)d "
                "studios.",
                call.studio_count,
            )
            % {"chosen": len(chosen), "limit": call.studio_count}
        )
    candidates = {
        a.pk: a
        for a in call.applications.filter(status__in=SELECTABLE_STATUSES)
        .select_related("applicant", "school")
        .order_by("pk")
    }
    if chosen - set(candidates):
        raise ApplicationError(
            _("Only applications of this call that went through expert review can be selected.")
        )
    selected: list[Application] = []
    not_selected: list[Application] = []
    for application in candidates.values():
        target = (
            ApplicationStatus.SELECTED
            if application.pk in chosen
            else ApplicationStatus.NOT_SELECTED
        )
        if application.status == target:
            continue
        workflow.application_select(
            application, actor=actor, selected=target == ApplicationStatus.SELECTED
        )
        title = SELECTION_TITLES[target]
        notify(
            [application.applicant],
            verb=SELECTION_VERBS[target],
            title=lambda title=title, name=call.title: title(name),
            body=SELECTION_BODY,
            url=application.get_absolute_url(),
            obj=application,
        )
        (selected if target == ApplicationStatus.SELECTED else not_selected).append(application)
    return selected, not_selected
