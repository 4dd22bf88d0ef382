"""The public notice (公示), its objections, and publication (发文公布) that founds the studios.

Each write follows the workflow order: permission → source-state guard (a row lock or a
conditional update, so two clicks make one transition) → save → audit record → notifications.
The filing of an objection is the one write without a user: anyone may object during a notice.
The few public reads (what an anonymous visitor may see) sit at the end, next to the rules that
decide them.
"""

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify

# The one deliberate seam upward (the layers contract lists it as its only exception):
# publishing a call's results *is* founding its studios, in the same transaction, so that a
# refused founding rolls the publication back. A signal would hide the main flow.
from studios.errors import StudioError
from studios.models import Studio
from studios.services.founding import studio_found

from . import workflow
from .models import Application, ApplicationStatus, Call, CallStatus, Objection
from .selectors import bureau_admins
from .services import ApplicationError
from .workflow import BEFORE_RESULTS

OBJECTION_MAX_LENGTH = 3000
# 7 to 15 digits, with an optional leading + and the usual separators: 0722-1234567, 138 0000 0000.
PHONE_RE = re.compile(r"^\+?[\d\s\-()（）]{7,25}$")


def notice_days(call: Call) -> int | None:
    """How long the call's notice lasts: the call's own figure, else the policy's."""
    return call.notice_days or call.policy.notice_period_days


def notice_running(call: Call, today: date) -> bool:
    return (
        call.status == CallStatus.NOTICE
        and call.notice_starts_on is not None
        and call.notice_ends_on is not None
        and call.notice_starts_on <= today <= call.notice_ends_on
    )


def _manage_url(call: Call) -> str:
    return reverse("applications:call_notice_manage", args=[call.pk])


def _still_accepting(call: Call, today: date) -> bool:
    return call.status == CallStatus.OPEN and today <= call.closes_on


def _selected(call: Call) -> QuerySet[Application]:
    return Application.objects.filter(call_id=call.pk, status=ApplicationStatus.SELECTED)


def _tell_not_selected(call: Call) -> None:
    """The results are announced (notice or publication): tell those left out too, whom the
    selection told only that the review was over (applications.selectors.status_for_applicant).
    """
    title = call.title
    for application in Application.objects.filter(
        call_id=call.pk, status=ApplicationStatus.NOT_SELECTED
    ).select_related("applicant"):
        notify(
            [application.applicant],
            verb="applications.application.not_selected",
            title=lambda: _("Your application was not selected: %(call)s") % {"call": title},
            url=application.get_absolute_url(),
            obj=application,
        )


def _day(day: date) -> str:
    """A date as people read it in the active language (2026年12月8日), for refusals on screen."""
    return date_format(day, "DATE_FORMAT")


def notice_start_refusal(call: Call, today: date) -> str | None:
    """Why the public notice of ``call`` cannot start on ``today`` (None when it can).

    The page asks this to show the button disabled with the reason; the service asks it again
    before it starts the notice, so the two never disagree."""
    if not call.policy.public_notice:
        return _("This policy has no public notice: the results are published directly.")
    if call.status not in BEFORE_RESULTS:
        return _("The public notice has already started, or the results are published.")
    if not notice_days(call):
        return _("Say how many days the public notice lasts before starting it.")
    if _still_accepting(call, today):
        return _("The call still accepts applications until %(date)s.") % {
            "date": _day(call.closes_on)
        }
    if not _selected(call).exists():
        return _("No application is selected yet: select the studios before the public notice.")
    return None


# --- the public notice ----------------------------------------------------------------------


@transaction.atomic
def notice_start(*, actor: User, call: Call, today: date) -> Call:
    """Put the selected list on public notice for the call's notice period, from ``today``."""
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    refusal = notice_start_refusal(call, today)
    if refusal:
        raise ApplicationError(refusal)
    days = notice_days(call)
    selected = list(_selected(call).select_related("applicant"))
    ends = today + timedelta(days=days - 1)
    workflow.call_notice_start(
        call,
        actor=actor,
        starts_on=today,
        ends_on=ends,
        comment=f"{today.isoformat()} – {ends.isoformat()} · {len(selected)}",
    )
    period = {"start": today.isoformat(), "end": ends.isoformat()}
    notify(
        [application.applicant for application in selected],
        verb="applications.call.notice_started",
        title=lambda: (
            _("Your application is on the public notice list: %(title)s") % {"title": call.title}
        ),
        body=lambda: _("The public notice runs from %(start)s to %(end)s.") % period,
        url=reverse("applications:public_notice", args=[call.pk]),
        obj=call,
    )
    _tell_not_selected(call)
    notify(
        bureau_admins(call),
        verb="applications.call.notice_started",
        title=lambda: _("Public notice started: %(title)s") % {"title": call.title},
        body=lambda: _("The public notice runs from %(start)s to %(end)s.") % period,
        url=_manage_url(call),
        obj=call,
    )
    return call


def _contact_is_plausible(contact: str) -> bool:
    if "@" in contact:
        try:
            validate_email(contact)
        except ValidationError:
            return False
        return True
    digits = sum(ch.isdigit() for ch in contact)
    return bool(PHONE_RE.match(contact)) and 7 <= digits <= 15


@transaction.atomic
def objection_file(
    *, application: Application, name: str, contact: str, text: str, today: date
) -> Objection:
    """Anyone (no account needed) objects to a listed application during the notice."""
    name, contact, text = (name or "").strip(), (contact or "").strip(), (text or "").strip()
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("Give your name.")]
    elif len(name) > Objection._meta.get_field("name").max_length:
        problems["name"] = [_("The name is too long.")]
    if not contact:
        problems["contact"] = [_("Give a phone number or an email address to reach you.")]
    elif len(contact) > Objection._meta.get_field("contact").max_length or not (
        _contact_is_plausible(contact)
    ):
        problems["contact"] = [_("This does not look like a phone number or an email address.")]
    if not text:
        problems["text"] = [_("Write what your objection is about.")]
    elif len(text) > OBJECTION_MAX_LENGTH:
        problems["text"] = [
            _("Keep the objection under %(limit)d characters.") % {"limit": OBJECTION_MAX_LENGTH}
        ]
    if problems:
        raise ApplicationError(
            _("The objection could not be filed: see the marked fields."), problems
        )

    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "call__policy", "call__bureau")
        .get(pk=application.pk)
    )
    call = locked.call
    if not notice_running(call, today):
        raise ApplicationError(_("Objections can only be filed while the public notice runs."))
    if locked.status != ApplicationStatus.SELECTED:
        raise ApplicationError(_("This application is no longer on the public notice list."))
    objection = Objection.objects.create(application=locked, name=name, contact=contact, text=text)
    audit_record(
        actor=None,
        obj=objection,
        verb="applications.objection.filed",
        to_state=Objection.State.OPEN,
        comment=locked.host_name,
    )
    host = locked.host_name
    notify(
        bureau_admins(call),
        verb="applications.objection.filed",
        title=lambda: _("An objection was filed against %(host)s") % {"host": host},
        body=text,
        url=_manage_url(call),
        obj=objection,
    )
    return objection


@transaction.atomic
def objection_resolve(
    *, actor: User, objection: Objection, upheld: bool, resolution: str
) -> Objection:
    """Uphold (the application leaves the list: not selected) or dismiss an open objection."""
    if not can(actor, "applications.resolve_objection", objection):
        raise ApplicationError(_("Only the municipal bureau may resolve this objection."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ApplicationError(
            _("Write how the objection was resolved: it is kept on record."),
            {"resolution": [_("A resolution is required.")]},
        )
    workflow.objection_decide(objection, actor=actor, upheld=upheld, resolution=resolution)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "call__bureau", "applicant")
        .get(pk=objection.application_id)
    )
    call = application.call
    removed = upheld and workflow.application_remove_after_objection(
        application, actor=actor, resolution=resolution
    )
    if removed:
        title = call.title
        notify(
            [application.applicant],
            verb="applications.application.removed_after_objection",
            title=lambda: (
                _("Your application was removed from the list after an objection: %(title)s")
                % {"title": title}
            ),
            body=resolution,
            url=application.get_absolute_url(),
            obj=application,
        )
    host = application.host_name
    notify(
        [user for user in bureau_admins(call) if user.pk != actor.pk],
        verb="applications.objection.upheld" if upheld else "applications.objection.dismissed",
        title=lambda: (
            (
                _("Objection against %(host)s upheld")
                if upheld
                else _("Objection against %(host)s dismissed")
            )
            % {"host": host}
        ),
        body=resolution,
        url=_manage_url(call),
        obj=objection,
    )
    return objection


# --- publication ----------------------------------------------------------------------------


def publication_refusal(call: Call, today: date) -> str | None:
    """Why ``call`` cannot be published on ``today`` (None when it can)."""
    if call.status == CallStatus.PUBLISHED:
        return _("These results were already published on %(date)s.") % {
            "date": _day(call.published_on) if call.published_on else "—"
        }
    open_objections = Objection.objects.filter(
        application__call_id=call.pk, state=Objection.State.OPEN
    ).count()
    if open_objections:
        return ngettext(
            "%(count)d objection is still open: resolve it before publishing.",
            "%(count)d objections are still open: resolve them before publishing.",
            open_objections,
        ) % {"count": open_objections}
    if call.policy.public_notice:
        if call.status != CallStatus.NOTICE or call.notice_ends_on is None:
            return _("The policy requires a public notice: start it before publishing.")
        if today <= call.notice_ends_on:
            return _(
                "The public notice runs until %(end)s: the results can be published from %(next)s."
            ) % {
                "end": _day(call.notice_ends_on),
                "next": _day(call.notice_ends_on + timedelta(days=1)),
            }
    else:
        if call.status not in BEFORE_RESULTS:
            return _("This call cannot be published in its current state.")
        if _still_accepting(call, today):
            return _("The call still accepts applications until %(date)s.") % {
                "date": _day(call.closes_on)
            }
    if not _selected(call).exists():
        return _("No application is selected: there is nothing to publish.")
    return None


def _next_free_seq(call: Call, year: int, seq: int) -> int:
    """The first number from ``seq`` whose plaque is not taken yet (an earlier batch that
    year, or a pattern without the year, has used the lower ones)."""
    while Studio.objects.filter(
        plaque_number=call.policy.plaque_number(year=year, seq=seq)
    ).exists():
        seq += 1
    return seq


@transaction.atomic
def call_publish(*, actor: User, call: Call, today: date) -> list[Studio]:
    """发文公布: found one studio per selected application, with its plaque; publish the call.

    The call row is locked and its status checked first, so publishing twice (two clicks, two
    bureau staff) founds the studios once; the second attempt is refused with a message.
    """
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    locked = Call.objects.select_for_update().select_related("policy", "bureau").get(pk=call.pk)
    refusal = publication_refusal(locked, today)
    if refusal:
        raise ApplicationError(refusal)
    selected = list(
        _selected(locked)
        .select_for_update(of=("self",))
        .select_related(
            "call__policy", "call__bureau", "school", "county", "paired_county", "applicant"
        )
        .prefetch_related("team")
        .order_by(F("county__name").asc(nulls_first=True), "school__name", "host_name", "pk")
    )
    if not selected:
        raise ApplicationError(_("No application is selected: there is nothing to publish."))

    studios, seq = [], 0
    for application in selected:
        seq = _next_free_seq(locked, today.year, seq + 1)
        try:
            studio = studio_found(actor=actor, application=application, seq=seq, published_on=today)
        except StudioError as exc:
            raise ApplicationError(str(exc)) from exc
        studios.append(studio)
    for application, studio in zip(selected, studios, strict=True):
        workflow.application_publish(application, actor=actor, plaque_number=studio.plaque_number)
    workflow.call_mark_published(locked, actor=actor, today=today, comment=str(len(studios)))
    call.status, call.published_on = locked.status, locked.published_on
    if not locked.notice_starts_on:  # no public notice announced the results before
        _tell_not_selected(locked)
    for studio in studios:
        name, number = studio.name, studio.plaque_number
        notify(
            [studio.host],
            verb="applications.call.published",
            title=lambda name=name: _("Your studio is founded: %(name)s") % {"name": name},
            body=lambda number=number: _("Plaque number: %(number)s") % {"number": number},
            url=reverse("studios:studio_certificate", args=[studio.pk]),
            obj=studio,
        )
    title, count = locked.title, len(studios)
    notify(
        bureau_admins(locked),
        verb="applications.call.published",
        title=lambda: _("Results published: %(title)s") % {"title": title},
        body=lambda: (
            ngettext("%(count)d studio was founded.", "%(count)d studios were founded.", count)
            % {"count": count}
        ),
        url=reverse("applications:public_results", args=[locked.pk]),
        obj=locked,
    )
    return studios


# --- public reads (no user: only what the notice and the results make public) --------------


def public_call(pk: int) -> Call | None:
    """A call an anonymous visitor may ask about: any call but a draft."""
    return (
        Call.objects.select_related("policy", "bureau")
        .exclude(status=CallStatus.DRAFT)
        .filter(pk=pk)
        .first()
    )


def notice_list(call: Call) -> QuerySet[Application]:
    """The list on public notice: the selected applications, in the publication order."""
    return (
        _selected(call)
        .select_related("school", "county")
        .order_by(F("county__name").asc(nulls_first=True), "school__name", "host_name", "pk")
    )


def published_studios(call: Call) -> QuerySet[Studio]:
    if call.status != CallStatus.PUBLISHED:
        return Studio.objects.none()
    return Studio.objects.filter(call_id=call.pk).select_related("application", "school", "county")
