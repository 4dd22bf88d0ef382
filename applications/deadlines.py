"""What the daily jobs do, as services that take the day (so a day can be replayed).

Scheduled jobs of the applications app: deadlines of calls and notices, reminders.

Each job only finds what is due and calls services; each is idempotent (see
accounts.scheduling).
"""

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.services import audit_record, notify, reminder_send

from . import completeness, workflow
from .models import Application, ApplicationStatus, Call, CallStatus
from .selectors import bureau_admins


def calls_close_due(*, today: date) -> list[str]:
    """Close every open call whose closing date has passed and tell its bureau."""
    lines = []
    for call in Call.objects.filter(status=CallStatus.OPEN, closes_on__lt=today).select_related(
        "bureau"
    ):
        if not workflow.call_close(actor=None, call=call, today=today):
            continue  # another worker closed it first
        received = call.applications.exclude(status=ApplicationStatus.DRAFT).count()
        notify(
            bureau_admins(call),
            verb="applications.call.closed",
            title=lambda call=call: _("The call “%(title)s” has closed") % {"title": call.title},
            body=lambda received=received: (
                _("%(count)d applications were submitted.") % {"count": received}
            ),
            url=call.get_absolute_url(),
            obj=call,
            dedupe_key=f"call-closed:{call.pk}",
        )
        lines.append(f"closed call {call.pk} “{call.title}” ({received} submitted)")
    return lines


def notice_periods_end_due(*, today: date) -> list[str]:
    """Record the end of each public notice and tell the bureau it may resolve and publish."""
    lines = []
    ended = Call.objects.filter(status=CallStatus.NOTICE, notice_ends_on__lt=today)
    for call in ended.select_related("bureau"):
        entry = audit_record(
            actor=None,
            obj=call,
            verb="applications.call.notice_ended",
            from_state=CallStatus.NOTICE,
            to_state=CallStatus.NOTICE,
            comment=call.notice_ends_on.isoformat(),
            idempotency_key=f"notice-ended:{call.pk}",
        )
        if entry is None:
            continue  # recorded by an earlier run
        open_objections = call.applications.filter(objections__state="open").count()
        notify(
            bureau_admins(call),
            verb="applications.call.notice_ended",
            title=lambda call=call: (
                _("The public notice of “%(title)s” has ended") % {"title": call.title}
            ),
            body=lambda n=open_objections: (
                _("%(count)d objection(s) still to resolve before publishing.") % {"count": n}
            ),
            url=reverse("applications:call_notice_manage", args=[call.pk]),
            obj=call,
            dedupe_key=f"notice-ended:{call.pk}",
        )
        lines.append(f"notice of call {call.pk} ended ({open_objections} objections open)")
    return lines


def call_deadline_reminders_send(*, today: date) -> list[str]:
    """Remind applicants whose form is still a draft (or returned) N days before the deadline."""
    days = settings.MINGSHI_REMINDER_DAYS_BEFORE
    due = today + timedelta(days=days)
    waiting = Application.objects.filter(
        call__status=CallStatus.OPEN,
        status__in=[ApplicationStatus.DRAFT, ApplicationStatus.RETURNED],
    ).select_related("call", "applicant")
    lines = []
    for application in waiting:
        deadline = completeness.deadline_for(application)
        if deadline != due:
            continue
        sent = reminder_send(
            [application.applicant],
            verb="applications.application.deadline_soon",
            title=lambda a=application, d=deadline: (
                _("Submit your application by %(date)s") % {"date": d.isoformat()}
            ),
            body=application.call.title,
            url=reverse("applications:application_edit", args=[application.pk]),
            obj=application,
            key=f"deadline:{application.pk}:{deadline.isoformat()}",
        )
        if sent:
            lines.append(f"reminded {application.applicant} (deadline {deadline})")
    return lines
