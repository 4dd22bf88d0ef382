"""Official documents of an application: its form as a PDF and a call's packet of forms.

Both go through ``accounts.pdf.render_pdf`` over ``templates/applications/pdf/``. The form is
always printed in Chinese, whatever the reader's interface language: it is the bureau's official
layout, not a page of the product.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects

from accounts.pdf import combine_documents, render_document, render_pdf
from policies.models import TeamRole

from .models import Application, ApplicationStatus, Call, ReviewLevel, ReviewStep

# The applications a call's packet holds: those the municipal bureau has received.
PACKET_STATUSES = [
    ApplicationStatus.AT_CITY,
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.PUBLISHED,
]


@dataclass
class OpinionBox:
    """One of the three boxes at the end of the form (school, county bureau, municipal bureau)."""

    level: str
    organisation_name: str
    step: ReviewStep | None
    # Why the level has no say: "affiliated" (a bureau-affiliated school) or "policy" (the
    # policy has no county review). The template words it, like the rest of the form.
    skipped: str = ""


def form_title(call: Call) -> str:
    """The form's title: the call's title followed by 申报表 (not doubled if already there)."""
    title = (call.title or call.policy.name).strip()
    if title.endswith("申报表"):
        return title
    if title.endswith("申报"):
        return f"{title}表"
    return f"{title}申报表"


def safe_filename(name: str) -> str:
    """``name`` without what a file system or a download header would choke on."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" ._")[:120]


def pdf_filename(application: Application) -> str:
    """``<id>-<host name>.pdf``: the host names the form, the id keeps names apart."""
    name = safe_filename(application.host_name)
    return f"{application.pk}-{name}.pdf" if name else f"{application.pk}.pdf"


def packet_filename(call: Call) -> str:
    name = safe_filename(call.title)
    return f"{call.pk}-{name}.pdf" if name else f"{call.pk}.pdf"


def packet_applications(call: Call) -> QuerySet[Application]:
    """The applications of ``call`` that reached the municipal bureau, by county then host.

    Not scoped to a user: callers check ``applications.manage_call`` on the call first.
    Bureau-affiliated schools (no county) come last.
    """
    return (
        Application.objects.filter(call=call, status__in=PACKET_STATUSES)
        .select_related("call", "call__policy", "call__bureau", "school", "county", "paired_county")
        .order_by(F("county__name").asc(nulls_last=True), "host_name", "pk")
    )


def _prefetch_form_data(applications: list[Application]) -> None:
    """Team rows in form order and the review steps of the current submission, in one query
    each (whatever the number of applications)."""
    current_steps = (
        ReviewStep.objects.filter(submission_number=F("application__submission_count"))
        .select_related("organisation")
        .order_by("decided_at", "id")
    )
    prefetch_related_objects(
        applications,
        Prefetch("team", to_attr="form_team"),
        Prefetch("review_steps", queryset=current_steps, to_attr="form_steps"),
    )


def _opinion_boxes(application: Application) -> list[OpinionBox]:
    latest = {step.level: step for step in application.form_steps}  # ordered: last one wins
    call = application.call
    policy = call.policy
    county_box = OpinionBox(
        ReviewLevel.COUNTY,
        application.county.name if application.county else "",
        latest.get(ReviewLevel.COUNTY),
    )
    if application.is_bureau_affiliated:
        county_box.skipped = "affiliated"
    elif not policy.review_by_county:
        county_box.skipped = "policy"
    return [
        OpinionBox(ReviewLevel.SCHOOL, application.school.name, latest.get(ReviewLevel.SCHOOL)),
        county_box,
        OpinionBox(ReviewLevel.CITY, call.bureau.name, latest.get(ReviewLevel.CITY)),
    ]


def _form(application: Application, *, reveal_personal: bool = True) -> dict:
    """What the form template needs for one application (after ``_prefetch_form_data``).
    Without ``reveal_personal`` phone numbers and birth months are masked."""
    team = application.form_team
    return {
        "application": application,
        "reveal_personal": reveal_personal,
        "title": form_title(application.call),
        "advisors": [row for row in team if row.role == TeamRole.ADVISOR],
        "members": [row for row in team if row.role == TeamRole.MEMBER],
        "opinions": _opinion_boxes(application),
        "photo_url": _photo_url(application),
        "is_draft": application.is_editable,
    }


def _photo_url(application: Application) -> str:
    """A file:// URL WeasyPrint reads directly (never a URL the network could serve)."""
    if not application.photo:
        return ""
    try:
        path = Path(application.photo.path)
    except NotImplementedError:  # a storage without local paths
        return ""
    return path.as_uri() if path.is_file() else ""


def application_pdf(application: Application, *, reveal_personal: bool = True) -> bytes:
    """The official application form of ``application``, filled in; for a reader who may not
    see personal details in full (``accounts.view_personal_details``), with them masked."""
    _prefetch_form_data([application])
    form = _form(application, reveal_personal=reveal_personal)
    return render_pdf(
        "applications/pdf/application.html",
        {"forms": [form], "title": form["title"], "is_draft": form["is_draft"]},
    )


def call_packet_pdf(call: Call, applications) -> bytes:
    """One PDF with the forms of ``applications`` one after another, each from a new page."""
    applications = list(applications)
    _prefetch_form_data(applications)
    return render_pdf(
        "applications/pdf/packet.html",
        {
            "call": call,
            "title": form_title(call),
            "forms": [_form(application) for application in applications],
            "is_draft": False,
        },
    )


def call_packet_pdf_stepwise(call: Call, applications, report) -> bytes:
    """The packet, laid out one form at a time so that a background job can report progress
    (``report(done, total)``); the pages are then written as one PDF."""
    applications = list(applications)
    _prefetch_form_data(applications)
    documents = []
    for done, application in enumerate(applications, start=1):
        form = _form(application)
        documents.append(
            render_document(
                "applications/pdf/application.html",
                {"forms": [form], "title": form["title"], "is_draft": False},
            )
        )
        report(done, len(applications))
    return combine_documents(documents)
