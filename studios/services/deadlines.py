"""What the daily jobs do, as services that take the day (so a day can be replayed).

Scheduled jobs of the studios app: quota periods that closed unmet, attendance reminders.
"""

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, Role
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify, reminder_send

from ..compliance import compliance_grid
from ..models import Attendance, Studio, StudioStatus


def unmet_quotas_flag(*, today: date) -> list[str]:
    """Tell the host and the bureau, once, of each quota period that closed short."""

    studios = list(
        Studio.objects.filter(status=StudioStatus.ACTIVE, term_start__lte=today).select_related(
            "school", "policy"
        )
    )
    lines = []
    bureaus = {}
    for row in compliance_grid(studios, today):
        studio = row.studio
        for state in row.states:
            for missed in state.missed:
                if missed.period.end < today - timedelta(days=31):
                    continue  # flagged when it closed (the job runs daily); no flood on day one
                key = f"quota-missed:{studio.pk}:{state.quota.pk}:{missed.period.start}"
                entry = audit_record(
                    actor=None,
                    obj=studio,
                    verb="studios.quota.missed",
                    to_state="missed",
                    comment=f"{state.quota.name} · {missed.period.label} · "
                    f"{missed.count}/{missed.target}",
                    idempotency_key=key,
                )
                if entry is None:
                    continue
                if studio.policy.city_id not in bureaus:
                    bureaus[studio.policy.city_id] = users_with_role(
                        Role.MUNICIPAL_ADMIN,
                        studio.school.city.organisations.get(
                            kind=OrganisationKind.MUNICIPAL_BUREAU
                        ),
                    )
                notify(
                    [studio.host, *bureaus[studio.policy.city_id]],
                    verb="studios.quota.missed",
                    title=lambda s=studio, q=state.quota, m=missed: (
                        _("%(studio)s fell short of “%(quota)s” in %(period)s")
                        % {"studio": s.name, "quota": q.name, "period": m.period.label}
                    ),
                    body=lambda m=missed: (
                        _("%(count)d of %(target)d done.") % {"count": m.count, "target": m.target}
                    ),
                    url=studio.get_absolute_url(),
                    obj=studio,
                    dedupe_key=key,
                )
                lines.append(f"{studio.name}: {state.quota.code} missed {missed.period.label}")
    return lines


def attendance_reminders_send(*, today: date) -> list[str]:
    """Members confirm their attendance within N days of an activity: a reminder before that
    date and one after it, each sent once."""
    window = settings.MINGSHI_ATTENDANCE_CONFIRM_DAYS
    before = settings.MINGSHI_REMINDER_DAYS_BEFORE
    pending = Attendance.objects.filter(
        confirmed_at__isnull=True, membership__user__isnull=False
    ).select_related("activity__studio", "membership__user")
    lines = []
    for when, held_on in (
        ("before", today - timedelta(days=window - before)),
        ("after", today - timedelta(days=window + 1)),
    ):
        for attendance in pending.filter(activity__held_on=held_on):
            due = attendance.activity.held_on + timedelta(days=window)
            sent = reminder_send(
                [attendance.membership.user],
                verb="studios.attendance.confirm",
                title=lambda a=attendance, d=due, w=when: (
                    (
                        _("Please confirm your attendance by %(date)s: %(activity)s")
                        if w == "before"
                        else _("Your attendance is still unconfirmed (due %(date)s): %(activity)s")
                    )
                    % {"date": d.isoformat(), "activity": a.activity.title}
                ),
                url=reverse("studios:my_attendance"),
                obj=attendance.activity,
                key=f"attendance:{attendance.pk}:{when}",
            )
            if sent:
                lines.append(f"reminded {attendance.membership.name} ({when} {due})")
    return lines
