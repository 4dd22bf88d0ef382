"""Auditors' workbooks: pick a scope within your roles; small ones download at once, large
ones are written by a background job with a progress bar (accounts' job pages)."""

import tempfile

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.jobs import job_start
from accounts.mixins import PermissionRequiredMixin
from core.files import stream_download
from funding import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditExportView(PermissionRequiredMixin, FormView):
    """GET: the scope form, limited to the user's scope. POST: the file, or a job to follow."""

    permission = "funding.export_audit"
    form_class = exports.AuditScopeForm
    template_name = "funding/exports/audit_export.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sheets=list(exports.SHEETS.values()),
            threshold=exports.LARGE_EXPORT_ROWS,
            **kwargs,
        )

    def form_valid(self, form):
        scope = form.scope
        if exports.estimate_rows(scope) >= exports.LARGE_EXPORT_ROWS:
            job = job_start(
                actor=self.request.user,
                kind="funding.audit_export",
                title=_("Audit workbook: %(scope)s") % {"scope": scope.label},
                params=scope.params(),
            )
            return redirect("accounts:job_detail", job.pk)
        # Small: written to a temporary file (rows stream, memory stays flat) and sent.
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
        exports.write_workbook(scope, handle)
        handle.seek(0)
        return stream_download(handle, filename=scope.filename, content_type=XLSX)
