"""Stored PDFs: each application's official form laid out once per version, and a call's
packet merged from them.

A stored PDF's ``version`` is the SHA-256 of what its bytes were made from: the HTML given to
WeasyPrint (every field, opinion, date and the draft mark are in it, and the photo's file
name), the photo's size, and the engine's version and options (``accounts.pdf``). A download
builds the HTML (milliseconds), compares, and serves the stored file only when the versions
agree; otherwise it lays the form out now and replaces the stored one. So a stored PDF is never
stale, whatever changed and whether or not a background render ran.

Pre-rendering is an optimisation on top: after a submission and after each review decision
(the moments someone downloads) a Celery task lays out both variants, so the download finds
them ready. Draft autosaves do not: the applicant's own download renders on demand.

The packet is the stored forms merged (``core.pdf_merge``) with each form's stamped scans
after it, written object by object to a temporary file and saved to storage, so memory does
not grow with the number of forms. It is stored too, with a version of its parts' versions.
"""

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from functools import partial

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.pdf import STORAGE_SCHEME, html_pdf, renderer_signature
from core.pdf_merge import Part, merge_pdfs

from . import documents
from .models import Application, Call, PdfVariant, RenderedPacket, RenderedPdf

logger = logging.getLogger(__name__)


def variant_of(*, reveal_personal: bool) -> str:
    return PdfVariant.FULL if reveal_personal else PdfVariant.MASKED


def pdf_version(application: Application, html: str) -> str:
    """The digest of everything the PDF of ``html`` is made from."""
    digest = hashlib.sha256()
    digest.update(renderer_signature().encode())
    digest.update(b"\0")
    digest.update(html.encode())
    if application.photo and f'"{STORAGE_SCHEME}:' in html:  # the photo is printed: it counts too
        try:
            size = application.photo.size
        except (FileNotFoundError, OSError, ValueError):
            size = -1
        digest.update(f"\0photo:{application.photo.name}:{size}".encode())
    return digest.hexdigest()


def _is_current(row: RenderedPdf | None, version: str) -> bool:
    return bool(
        row and row.version == version and row.file and row.file.storage.exists(row.file.name)
    )


def application_pdf_current(
    application: Application, *, reveal_personal: bool = True, stored: RenderedPdf | None = None
) -> RenderedPdf:
    """The stored PDF of ``application`` as it is now: the stored row when its version is the
    current one, else laid out now and stored in place of the old one.

    ``stored`` is the row if the caller already read it (the packet reads them all at once).
    """
    return _current(application, reveal_personal=reveal_personal, stored=stored)[0]


def _current(
    application: Application, *, reveal_personal: bool, stored: RenderedPdf | None = None
) -> tuple[RenderedPdf, bool]:
    """``application_pdf_current``, and whether this call laid the form out."""
    if not hasattr(application, "form_steps"):
        documents.prefetch_form_data([application])
    variant = variant_of(reveal_personal=reveal_personal)
    html = documents.application_html(application, reveal_personal=reveal_personal)
    version = pdf_version(application, html)
    if stored is None:
        stored = RenderedPdf.objects.filter(application=application, variant=variant).first()
    if _is_current(stored, version):
        return stored, False
    return _store(application, variant, version, lambda: html_pdf(html))


def _store(
    application: Application, variant: str, version: str, render: Callable
) -> tuple[RenderedPdf, bool]:
    """Lay out and store ``version`` unless someone stored it meanwhile.

    The row is locked while the form is laid out: a second request or task for the same form
    waits, then finds the version stored and renders nothing (the unique constraint makes the
    first insert win when there was no row). The old file leaves storage once this commits.
    """
    with transaction.atomic():
        row, _ = RenderedPdf.objects.select_for_update().get_or_create(
            application=application, variant=variant, defaults={"rendered_at": timezone.now()}
        )
        if _is_current(row, version):
            return row, False
        content = render()
        old_name = row.file.name if row.file else ""
        row.file.save(f"{application.pk}-{variant}.pdf", ContentFile(content), save=False)
        new_name, storage = row.file.name, row.file.storage
        try:
            row.version, row.size, row.rendered_at = version, len(content), timezone.now()
            row.save(update_fields=["file", "version", "size", "rendered_at"])
        except Exception:
            storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(partial(storage.delete, old_name))
    return row, True


# --- background pre-rendering ---------------------------------------------------------------


def application_pdfs_refresh_later(application: Application) -> None:
    """Queue the laying out of ``application``'s PDFs once this transaction commits.

    Off without a broker unless asked for (``MINGSHI_PDF_PRERENDER``): run eagerly it would only
    move the work from the download into the request that changed the form.
    """
    if not settings.MINGSHI_PDF_PRERENDER:
        return
    application_id = application.pk
    transaction.on_commit(partial(_send, application_id))


def _send(application_id: int) -> None:
    from .tasks import prerender_application_pdfs  # noqa: PLC0415  (tasks import this module)

    prerender_application_pdfs.delay(application_id)


def application_pdfs_refresh(*, application_id: int) -> list[str]:
    """Store the current version of both variants of an application's PDF; one line each.

    Idempotent: a variant whose stored version is current is left alone, so a second run (or a
    redelivered task) renders nothing; two at once queue on the row lock. No user is involved
    and nothing leaves the server here: the downloads check permission.
    """
    application = (
        Application.objects.select_related(
            "call", "call__policy", "call__bureau", "school", "county", "paired_county"
        )
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        return []
    documents.prefetch_form_data([application])
    lines = []
    for reveal in (True, False):
        row, rendered = _current(application, reveal_personal=reveal)
        lines.append(f"{application_id}/{row.variant}: {'rendered' if rendered else 'current'}")
    return lines


# --- the call's packet ----------------------------------------------------------------------


def _stored_rows(applications: list[Application]) -> dict[int, RenderedPdf]:
    rows = RenderedPdf.objects.filter(application__in=applications, variant=PdfVariant.FULL)
    return {row.application_id: row for row in rows}


def _scans(application: Application) -> list:
    return [step for step in application.form_steps if step.stamped_scan]


def _scan_key(step) -> str:
    try:
        size = step.stamped_scan.size
    except (FileNotFoundError, OSError, ValueError):
        size = -1
    return f"{step.pk}:{step.stamped_scan.name}:{size}"


def call_packet(call: Call, applications, report: Callable | None = None) -> RenderedPacket:
    """The stored packet of ``applications`` (from ``documents.packet_applications``): each
    form, from its stored PDF (laid out first if missing or stale), followed by the stamped
    scans of its current review steps in the order they were decided. Merged again only when
    a part changed. ``report(done, total)`` hears of each form (a background job's progress).
    """
    applications = list(applications)
    documents.prefetch_form_data(applications)
    stored = _stored_rows(applications)
    rows = []
    for done, application in enumerate(applications, start=1):
        rows.append(application_pdf_current(application, stored=stored.get(application.pk)))
        if report is not None:
            report(done, len(applications))
    digest = hashlib.sha256(b"packet")
    for application, row in zip(applications, rows, strict=True):
        scans = ",".join(_scan_key(step) for step in _scans(application))
        digest.update(f"\0{application.pk}:{row.version}:{scans}".encode())
    version = digest.hexdigest()
    packet = RenderedPacket.objects.filter(call=call).first()
    if packet and packet.version == version and packet.file.storage.exists(packet.file.name):
        return packet
    return _store_packet(call, version, _parts(applications, rows))


def _parts(applications: list[Application], rows: list[RenderedPdf]) -> Iterator[Part]:
    for application, row in zip(applications, rows, strict=True):
        yield Part(partial(row.file.storage.open, row.file.name, "rb"), application.host_name)
        for step in _scans(application):
            content = documents.stamped_scan_pdf(step)
            if content is not None:
                yield Part(partial(ContentFile, content))


def _store_packet(call: Call, version: str, parts: Iterator[Part]) -> RenderedPacket:
    with tempfile.TemporaryFile() as out:
        pages = merge_pdfs(parts, out)
        size = out.tell()
        out.seek(0)
        with transaction.atomic():
            packet, _ = RenderedPacket.objects.select_for_update().get_or_create(
                call=call, defaults={"rendered_at": timezone.now()}
            )
            old_name = packet.file.name if packet.file else ""
            packet.file.save(f"packet-{call.pk}.pdf", File(out), save=False)
            packet.version, packet.size, packet.pages = version, size, pages
            packet.rendered_at = timezone.now()
            packet.save(update_fields=["file", "version", "size", "pages", "rendered_at"])
            if old_name and old_name != packet.file.name:
                transaction.on_commit(partial(packet.file.storage.delete, old_name))
    return packet


def call_packet_pdf(call: Call, applications, report: Callable | None = None) -> bytes:
    """The packet's bytes (for tests and the render command; downloads stream the file)."""
    packet = call_packet(call, applications, report)
    with packet.file.storage.open(packet.file.name, "rb") as handle:
        return handle.read()
