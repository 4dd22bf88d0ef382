"""Documents: an application's official PDF, a call's packet, and uploaded files.

Uploads have no public URL (nothing serves the file storage, on disk or in a bucket): they
leave only through these views, each of which finds the object inside the user's scope (404
outside it) and asks ``can``.
"""

from pathlib import PurePath

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from accounts.jobs import job_start
from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from core.files import file_download, stored_file_response

from .. import documents, renditions, selectors, word


def pdf_response(content: bytes, filename: str, *, as_attachment: bool = True) -> HttpResponse:
    """A PDF we made; the (Chinese) file name is RFC 5987 encoded by Django."""
    return file_download(
        content, filename=filename, content_type="application/pdf", inline=not as_attachment
    )


class ApplicationObjectMixin(PermissionRequiredMixin):
    permission = "applications.view_application"

    def lookup(self, user, pk, **kwargs):
        return selectors.application_for(user, pk)


class ApplicationPdfView(ApplicationObjectMixin, View):
    """The filled official form; the applicant also gets their draft, marked 草稿. Served from
    the stored copy when it is current, laid out (and stored) now when not."""

    def get(self, request, pk):
        reveal = can(request.user, "accounts.view_personal_details", self.object)
        filename = documents.pdf_filename(self.object)
        stored = renditions.application_pdf_current(self.object, reveal_personal=reveal)
        try:
            return stored_file_response(stored.file, filename)
        except Http404:  # replaced by a newer version between the check and the read
            content = documents.application_pdf(self.object, reveal_personal=reveal)
            return pdf_response(content, filename)


class ApplicationDocxView(ApplicationObjectMixin, View):
    """The same form as a Word file (the cities ask for Word and the stamped PDF)."""

    def get(self, request, pk):
        reveal = can(request.user, "accounts.view_personal_details", self.object)
        content = word.application_docx(self.object, reveal_personal=reveal)
        return file_download(
            content, filename=word.docx_filename(self.object), content_type=word.DOCX_CONTENT_TYPE
        )


class ReviewScanView(ApplicationObjectMixin, View):
    """A review level's stamped scan (盖章扫描件): whoever may read the application may read
    the scans of its reviews."""

    def get(self, request, pk, step_pk):
        step = next((s for s in self.object.review_steps.all() if s.pk == step_pk), None)
        if step is None or not step.stamped_scan:
            raise Http404
        suffix = PurePath(step.stamped_scan.name).suffix
        name = documents.safe_filename(step.stamped_scan_name) or f"{self.object.pk}-{step.level}"
        if not name.lower().endswith(suffix.lower()):
            name += suffix
        return stored_file_response(step.stamped_scan, name, inline=True)


class ApplicationPhotoView(ApplicationObjectMixin, View):
    """The host's photo, inline so that pages can show it in an <img>."""

    def get(self, request, pk):
        photo = self.object.photo
        suffix = PurePath(photo.name).suffix if photo else ""
        name = documents.safe_filename(self.object.host_name) or str(self.object.pk)
        return stored_file_response(photo, f"{name}{suffix}", inline=True)


class ApplicationAttachmentView(ApplicationObjectMixin, View):
    def get(self, request, pk, attachment_pk):
        attachment = next((a for a in self.object.attachments.all() if a.pk == attachment_pk), None)
        if attachment is None:
            raise Http404
        return stored_file_response(attachment.file, attachment.original_name or attachment.title)


class CallAttachmentView(PermissionRequiredMixin, View):
    permission = "applications.view_call"

    def lookup(self, user, pk, **kwargs):
        return selectors.call_for(user, pk)

    def get(self, request, pk, attachment_pk):
        attachment = self.object.attachments.filter(pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        return stored_file_response(attachment.file, attachment.original_name or attachment.title)


class CallPacketView(PermissionRequiredMixin, View):
    """Every application the municipal bureau has received, in one PDF (county, then host)."""

    permission = "applications.manage_call"

    def lookup(self, user, pk, **kwargs):
        return selectors.call_for(user, pk)

    def get(self, request, pk):
        applications = list(documents.packet_applications(self.object))
        if not applications:
            raise Http404(_("No application of this call has reached the municipal bureau yet."))
        packet = renditions.call_packet(self.object, applications)
        return stored_file_response(packet.file, documents.packet_filename(self.object))

    def post(self, request, pk):
        """Build the packet in the background (a call may hold many forms) and follow it."""

        job = job_start(
            actor=request.user,
            kind="applications.call_packet",
            title=_("All applications of %(call)s as one PDF") % {"call": self.object.title},
            params={"call": self.object.pk},
        )
        return redirect("accounts:job_detail", job.pk)
