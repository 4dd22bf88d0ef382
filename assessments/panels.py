"""What the home page shows from annual assessments: a host's report due, what waits for the
assessing body, what waits for an expert. Each provider costs a constant number of queries."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel
from accounts.models import Role
from accounts.permissions import can, has_role
from studios.panels import hosts_a_studio
from studios.selectors import memberships_of

from .models import RectificationStatus, ReportStatus
from .selectors import assessments_to_score, assessor_counts, reports_for_host


@home_panel
def annual_reports_panel(user) -> HomePanel | None:
    """Hosts: reports to write or revise, open rectifications (one query, none for a user who
    hosts no studio)."""

    if not hosts_a_studio(user):
        return None
    items = []
    for report in reports_for_host(user)[:10]:
        rectification = getattr(getattr(report, "assessment", None), "rectification", None)
        if report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            items.append(
                HomeItem(
                    label=f"{report.studio.name} · {report.year}",
                    url=reverse("assessments:annual_report", args=[report.pk]),
                    detail=_("Annual report due on %(day)s · %(status)s")
                    % {"day": report.due_on.isoformat(), "status": report.get_status_display()},
                    urgent=report.status == ReportStatus.RETURNED,
                )
            )
        elif rectification is not None and rectification.status == RectificationStatus.OPEN:
            items.append(
                HomeItem(
                    label=f"{report.studio.name} · {report.year}",
                    url=reverse("assessments:assessment_detail", args=[report.assessment.pk]),
                    detail=_("Rectification report due on %(day)s")
                    % {"day": rectification.deadline.isoformat()},
                    urgent=True,
                )
            )
    if not items:
        return None
    return HomePanel(title=_("Annual report"), items=items, order=12)


@home_panel
def assessor_panel(user) -> HomePanel | None:
    """The assessing body: reports to assess, rectification reports, revocation proposals."""

    items = []
    if can(user, "assessments.assess_any"):
        counts = assessor_counts(user)
        url = reverse("assessments:annual_reports")
        items = [
            HomeItem(
                label=_("Annual reports to assess"),
                url=f"{url}?report_status=submitted",
                count=counts.reports_to_assess,
            ),
            HomeItem(
                label=_("Rectification reports waiting"),
                url=f"{url}?rectification_status=submitted",
                count=counts.rectifications_waiting,
                urgent=bool(counts.rectifications_waiting),
            ),
            HomeItem(
                label=_("Revocation proposals"),
                url=f"{url}?rectification_status=revocation_proposed",
                count=counts.revocations_proposed,
                urgent=bool(counts.revocations_proposed),
            ),
        ]
    to_score = list(assessments_to_score(user)[:10]) if has_role(user, Role.EXPERT) else []
    for assessment in to_score:
        items.append(
            HomeItem(
                label=f"{assessment.studio.name} · {assessment.year}",
                url=reverse("assessments:assessment_detail", args=[assessment.pk]),
                detail=_("Score the annual assessment"),
            )
        )
    if not items:
        return None
    return HomePanel(title=_("Annual assessments"), items=items, order=20)


@home_panel
def term_evaluations_panel(user) -> HomePanel | None:
    """The bureau and experts: three-year evaluations; everyone: their own record."""

    items = []
    if can(user, "assessments.browse_term_evaluations"):
        items.append(
            HomeItem(label=_("Three-year evaluations"), url=reverse("assessments:term_evaluations"))
        )
    if memberships_of(user) or user.commendations.exists():
        items.append(
            HomeItem(
                label=_("My record: commendations and eligibility"),
                url=reverse("assessments:person_record", args=[user.pk]),
            )
        )
    if not items:
        return None
    return HomePanel(title=_("Evaluations and records"), items=items, order=70)
