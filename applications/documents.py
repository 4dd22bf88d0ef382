"""Official documents of an application: its form as HTML and PDF, and what a call's packet holds.

The form goes through ``accounts.pdf`` over ``templates/applications/pdf/``. It is always
printed in Chinese, whatever the reader's interface language: it is the bureau's official
layout, not a page of the product. Stored PDFs and the packet merged from them are in
``applications.renditions``.
"""

import io
import re
from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet, prefetch_related_objects

from accounts.models import OrganisationKind
from accounts.pdf import html_pdf, render_html, storage_url

from . import form_layout
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
    title: str = ""
    note: str = ""


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


def prefetch_form_data(applications: list[Application]) -> None:
    """Team rows in form order and the review steps of the current submission, in one query
    each (whatever the number of applications). ``application_html`` needs them."""
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


def _signing_name(organisation) -> str:
    """The name a box is signed with: a county's education bureau, not the county itself."""
    if organisation is None:
        return ""
    name = organisation.name
    if organisation.kind == OrganisationKind.COUNTY_BUREAU and "教育" not in name:
        return f"{name}教育局"
    return name


def _opinion_boxes(application: Application, form) -> list[OpinionBox]:
    latest = {step.level: step for step in application.form_steps}  # ordered: last one wins
    call = application.call
    policy = call.policy
    boxes = []
    for opinion in form.opinions:
        step = latest.get(opinion.level)
        if opinion.level == ReviewLevel.SCHOOL:
            signer = application.school
        elif opinion.level == ReviewLevel.COUNTY:
            signer = application.county
        else:
            signer = call.bureau
        box = OpinionBox(opinion.level, _signing_name(signer), step)
        box.title = opinion.title
        box.note = opinion.note
        if opinion.level == ReviewLevel.COUNTY:
            if application.is_bureau_affiliated:
                box.skipped = "affiliated"
            elif not policy.review_by_county:
                box.skipped = "policy"
        boxes.append(box)
    return boxes


# Relative widths of the team tables' columns (the number column first); the rest get 1.
_COLUMN_WEIGHTS = {
    "number": 0.55,
    "gender": 0.55,
    "birth_month": 1.1,
    "work_unit": 2.0,
    "research_direction": 1.2,
    "phone": 1.35,
    "head_teacher_years": 0.9,
}


def _widths(keys: list[str]) -> list[str]:
    weights = [_COLUMN_WEIGHTS.get(key, 1.0) for key in keys]
    total = sum(weights)
    return [f"{100 * w / total:.1f}%" for w in weights]


def _host_rows(cells: list, *, with_photo: bool) -> list[list[dict]]:
    """The host block as rows of up to three label/value pairs; a short last row lets its
    values span the spare columns (as 工作单位 does on the paper form)."""
    rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
    photo_rows = min(3, len(rows)) if with_photo else 0
    laid_out = []
    for index, row in enumerate(rows):
        width = 7 if with_photo and index >= photo_rows else 6
        spare = width - len(row)
        base, extra = divmod(spare, len(row))
        laid_out.append(
            [{"cell": cell, "span": base + (1 if n < extra else 0)} for n, cell in enumerate(row)]
        )
    return laid_out


def _form(application: Application, *, reveal_personal: bool = True) -> dict:
    """What the form template needs for one application (after ``prefetch_form_data``),
    laid out as the policy's form definition says. Without ``reveal_personal`` phone numbers
    and birth months are masked."""
    form = form_layout.definition(application)
    with_photo = form.has_host_field("photo")
    cells = form_layout.host_cells(application, form, reveal=reveal_personal)
    tables = []
    for table in form.tables:
        rows = form_layout.rows_for(application, table.role)
        tables.append(
            {
                "table": table,
                "widths": _widths(["number", *(c.key for c in table.columns)]),
                "rows": form_layout.table_rows(rows, table, reveal=reveal_personal),
            }
        )
    sections = []
    for section in form.sections:
        lines = form_layout.section_lines(application, section)
        sections.append({"section": section, "lines": lines, "keep": sum(map(len, lines)) < 200})
    return {
        "application": application,
        "reveal_personal": reveal_personal,
        # The call names the batch (首批, 第二批…); the definition's title is only a fallback.
        "title": form_title(application.call),
        "definition": form,
        "host_title": form.host_title,
        "host_rows": _host_rows(cells, with_photo=with_photo),
        "with_photo": with_photo,
        "photo_label": next((f.label for f in form.host_fields if f.key == "photo"), ""),
        "tables": tables,
        "sections": sections,
        "undertakings": [
            {"text": u.text, "given": form_layout.undertaking_given(application, u.key)}
            for u in form.undertakings
        ],
        "opinions": _opinion_boxes(application, form),
        "photo_url": _photo_url(application) if with_photo else "",
        "is_draft": application.is_editable,
    }


def _photo_url(application: Application) -> str:
    """The photo as WeasyPrint reads it, through the storage API (``accounts.pdf``), or "" if
    there is none or its file is gone (the box then keeps its label)."""
    photo = application.photo
    if not photo or not photo.storage.exists(photo.name):
        return ""
    return storage_url(photo)


def application_html(application: Application, *, reveal_personal: bool = True) -> str:
    """The HTML of the official form of ``application`` (after ``prefetch_form_data``): what
    ``application_pdf`` lays out, and what a stored PDF's version digests."""
    form = _form(application, reveal_personal=reveal_personal)
    return render_html(
        "applications/pdf/application.html",
        {"forms": [form], "title": form["title"], "is_draft": form["is_draft"]},
    )


def application_pdf(application: Application, *, reveal_personal: bool = True) -> bytes:
    """The official application form of ``application``, filled in and laid out now; for a
    reader who may not see personal details in full (``accounts.view_personal_details``),
    with them masked. Downloads use the stored copy (``renditions.application_pdf_current``)."""
    prefetch_form_data([application])
    return html_pdf(application_html(application, reveal_personal=reveal_personal))


# --- stamped scans in the packet -----------------------------------------------------------


def stamped_scan_pdf(step: ReviewStep) -> bytes | None:
    """A review level's stamped scan as PDF pages: a PDF as it is, a photo or scanner image
    as one page its size at A4 (Pillow writes it). None if the stored file is gone or broken."""
    from PIL import Image  # noqa: PLC0415

    try:
        with step.stamped_scan.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError, OSError):
        return None
    if data.startswith(b"%PDF-"):
        return data
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            # The resolution that fits the image on an A4 page (8.27 × 11.69 in).
            dpi = max(image.width / 8.27, image.height / 11.69, 72)
            out = io.BytesIO()
            image.save(out, "PDF", resolution=dpi)
            return out.getvalue()
    except Exception:  # Pillow raises many kinds of error on a broken file
        return None
