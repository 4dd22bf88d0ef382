"""What the daily jobs do, as services that take the day (so a day can be replayed).

Scheduled jobs of assessments: open the annual-report windows, remind hosts before each
deadline, act on rectification deadlines (a revocation proposal, never a silent revocation).

Each job takes the day explicitly and is idempotent (audit idempotency keys, notification
dedupe keys, conditional updates), so replaying a day changes nothing.
"""

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.services import reminder_send
from policies.models import Policy
from studios.models import Studio, StudioStatus

from ..models import AnnualReport, Rectification, RectificationStatus, ReportStatus
from ..selectors import report_window
from .rectification import revocation_propose
from .reports import report_open


def annual_reports_open_due(*, today: date) -> list[str]:
    """On the first day of a policy's report window (and any later day of it, for studios
    still missing one), open the year's report of every active studio and tell its host."""
    lines = []
    for policy in Policy.objects.all():
        for year in (today.year, today.year - 1):  # a window may run into the next year
            opens_on, due_on = report_window(policy, year)
            if not opens_on <= today <= due_on:
                continue
            studios = (
                Studio.objects.filter(
                    policy=policy,
                    status=StudioStatus.ACTIVE,
                    term_start__lte=due_on,
                    term_end__gte=opens_on,
                )
                .exclude(annual_reports__year=year)
                .select_related("policy", "host", "school")
            )
            for studio in studios:
                _report, created = report_open(studio=studio, year=year, today=today)
                if created:
                    lines.append(f"{studio.name}: {year} report opened, due {due_on}")
    return lines


def report_deadline_reminders_send(*, today: date) -> list[str]:
    """N days before a report's due date (and a rectification's deadline), remind the host
    once; a job that missed the day catches up until the deadline itself."""
    before = settings.MINGSHI_REMINDER_DAYS_BEFORE
    lines = []
    reports = AnnualReport.objects.filter(
        status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
        due_on__gte=today,
        due_on__lte=today + timedelta(days=before),
        studio__status=StudioStatus.ACTIVE,
    ).select_related("studio__host")
    for report in reports:
        sent = reminder_send(
            [report.studio.host],
            verb="assessments.report.deadline_soon",
            title=lambda r=report: (
                _("The %(year)s annual report of %(studio)s is due on %(day)s")
                % {"year": r.year, "studio": r.studio.name, "day": r.due_on.isoformat()}
            ),
            url=reverse("assessments:annual_report", args=[report.pk]),
            obj=report,
            key=f"report-due:{report.pk}:{report.due_on}",
        )
        if sent:
            lines.append(f"{report.studio.name}: report {report.year} due {report.due_on}")
    rectifications = Rectification.objects.filter(
        status=RectificationStatus.OPEN,
        deadline__gte=today,
        deadline__lte=today + timedelta(days=before),
    ).select_related("assessment__studio__host")
    for rectification in rectifications:
        studio = rectification.assessment.studio
        sent = reminder_send(
            [studio.host],
            verb="assessments.rectification.deadline_soon",
            title=lambda r=rectification, s=studio: (
                _("The rectification report of %(studio)s is due on %(day)s")
                % {"studio": s.name, "day": r.deadline.isoformat()}
            ),
            url=reverse("assessments:assessment_detail", args=[rectification.assessment_id]),
            obj=rectification,
            key=f"rectification-due:{rectification.pk}:{rectification.deadline}",
        )
        if sent:
            lines.append(f"{studio.name}: rectification due {rectification.deadline}")
    return lines


def rectifications_expire_due(*, today: date) -> list[str]:
    """A deadline passed with no rectification report: propose revocation to the assessing
    body, once. The studio stays active until the assessor decides."""
    lines = []
    expired = Rectification.objects.filter(status=RectificationStatus.OPEN, deadline__lt=today)
    for rectification in expired.select_related("assessment__studio"):
        if revocation_propose(rectification=rectification, today=today):
            lines.append(
                f"{rectification.assessment.studio.name}: deadline {rectification.deadline} "
                "passed, revocation proposed"
            )
    return lines
