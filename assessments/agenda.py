"""The host's assessment deadlines (``accounts.agenda``): the annual report to submit (or
resubmit), and the rectification report of a failed year. One query, none for a person who hosts
no studio."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.agenda import Deadline, deadline_source
from studios.panels import hosts_a_studio

from .models import RectificationStatus, ReportStatus
from .selectors import reports_for_host


@deadline_source
def host_assessment_deadlines(user, today):
    if not hosts_a_studio(user):
        return
    for report in reports_for_host(user):
        if report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            yield Deadline(
                key=f"annual-report-{report.pk}",
                day=report.due_on,
                summary=_("Annual report %(year)s due · %(studio)s")
                % {"year": report.year, "studio": report.studio.name},
                url=reverse("assessments:annual_report", args=[report.pk]),
            )
            continue
        rectification = getattr(getattr(report, "assessment", None), "rectification", None)
        if rectification is not None and rectification.status == RectificationStatus.OPEN:
            yield Deadline(
                key=f"rectification-{rectification.pk}",
                day=rectification.deadline,
                summary=_("Rectification report due · %(studio)s") % {"studio": report.studio.name},
                url=reverse("assessments:assessment_detail", args=[report.assessment.pk]),
                description=rectification.required_actions,
            )
