"""The bureau's imports from Excel: choose what, upload, preview every row, confirm.

The upload waits between preview and confirmation as ``funding.imports`` describes (a signed
token names it). A workbook is measured before it is parsed (``core.spreadsheets``); one of
``MINGSHI_IMPORT_BACKGROUND_ROWS`` rows or more is checked and saved by a background job, whose
page (``ImportJobView``) shows the progress and then the same preview or result.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django_htmx.http import HttpResponseClientRefresh
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from accounts.imports import (
    IMPORT_RESOURCES,
    ImportFileError,
    ImportOutcome,
    import_bureaus_for,
    import_run,
    read_workbook,
)
from accounts.mixins import PermissionRequiredMixin
from accounts.models import Job, JobStatus
from accounts.onboarding_views import onboarding_after_import
from core import spreadsheets
from core.files import file_download
from funding import imports
from funding.forms import XLSX, ImportForm


def _preview_page(request, outcome, bureau, token, *, filename="", status=200):
    context = {
        "outcome": outcome,
        "bureau": bureau,
        "token": token,
        "filename": filename,
        "title": IMPORT_RESOURCES[outcome.kind].title,
    }
    return render(request, "funding/imports/preview.html", context, status=status)


def _imported(request, outcome, bureau):
    """The message after a save, and back to the import page."""
    messages.success(
        request,
        _("Imported %(count)d rows of %(what)s into %(city)s (%(new)d new, %(updated)d updated).")
        % {
            "count": len(outcome.rows),
            "what": IMPORT_RESOURCES[outcome.kind].title,
            "city": bureau.city.name,
            "new": outcome.new_count,
            "updated": outcome.update_count,
        },
    )
    # People just imported cannot log in yet: offer to invite them, or print their codes.
    offer = onboarding_after_import(request, outcome.usernames())
    return offer or redirect("funding:data_import")


def _not_imported(request, outcome, bureau, status=400):
    messages.error(request, _("Nothing was imported: correct the rows below and upload again."))
    return _preview_page(request, outcome, bureau, "", status=status)


class DataImportView(PermissionRequiredMixin, View):
    """Upload → preview (a dry run: nothing saved) → confirm (all rows or none); a large file
    does both steps in a background job."""

    permission = "funding.import_data"
    template_name = "funding/imports/import.html"

    def get(self, request):
        return self.form_page(ImportForm(user=request.user))

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.form_page(form, status=400)
        kind, bureau = form.cleaned_data["kind"], form.cleaned_data["bureau"]
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            dataset = read_workbook(content, columns=IMPORT_RESOURCES[kind].column_names())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_page(form, status=400)
        if imports.runs_in_background(dataset):
            name = imports.upload_store(request.user, content)
            job = imports.import_job_start(
                actor=request.user,
                kind=kind,
                bureau=bureau,
                name=name,
                content=content,
                save=False,
                filename=upload.name,
            )
            return redirect("funding:data_import_job", job.pk)
        outcome = import_run(
            actor=request.user, bureau=bureau, kind=kind, dataset=dataset, dry_run=True
        )
        token = ""
        if outcome.is_valid:
            name = imports.upload_store(request.user, content)
            token = imports.upload_token(
                user=request.user,
                kind=kind,
                bureau=bureau,
                name=name,
                sha256=imports.digest(content),
            )
        return _preview_page(request, outcome, bureau, token, filename=upload.name)

    def confirm(self, request):
        user = request.user
        try:
            claims, content = imports.upload_load(user, request.POST["token"])
            bureau = import_bureaus_for(user).filter(pk=claims.get("bureau")).first()
            kind = claims.get("kind")
            if bureau is None or kind not in IMPORT_RESOURCES:
                raise ImportFileError(_("This preview is not yours: upload the file again."))
            dataset = read_workbook(content, columns=IMPORT_RESOURCES[kind].column_names())
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("funding:data_import")
        if imports.runs_in_background(dataset):
            job = imports.import_job_start(
                actor=user,
                kind=kind,
                bureau=bureau,
                name=claims["file"],
                content=content,
                save=True,
            )
            return redirect("funding:data_import_job", job.pk)
        outcome = import_run(actor=user, bureau=bureau, kind=kind, dataset=dataset, dry_run=False)
        imports.upload_discard(user, claims["file"])
        if not outcome.saved:
            return _not_imported(request, outcome, bureau)
        return _imported(request, outcome, bureau)

    def form_page(self, form, status=200):
        resources = [
            {
                "kind": kind,
                "title": resource.title,
                "columns": [(c, resource.notes.get(c, "")) for c in resource.column_names()],
            }
            for kind, resource in IMPORT_RESOURCES.items()
        ]
        context = {
            "form": form,
            "resources": resources,
            "max_rows": settings.MINGSHI_IMPORT_MAX_ROWS,
        }
        return render(self.request, self.template_name, context, status=status)


class ImportJobView(PermissionRequiredMixin, View):
    """A large import's job: its progress while it runs (the bar refreshes itself with htmx),
    then the preview it made, or the result of the save."""

    permission = "funding.import_data"
    template_name = "funding/imports/job.html"

    def lookup(self, user, pk):
        return Job.objects.filter(pk=pk, owner=user, kind=imports.JOB_KIND).first()

    def get(self, request, pk):
        job = self.object
        finished = job.status in (JobStatus.DONE, JobStatus.FAILED)
        if request.htmx:
            if finished:  # the whole page shows the preview, or why not
                return HttpResponseClientRefresh()
            return render(request, "funding/imports/_job_progress.html", {"job": job})
        if job.status != JobStatus.DONE:
            return render(request, self.template_name, {"job": job})
        params = job.params
        bureau = import_bureaus_for(request.user).filter(pk=params.get("bureau")).first()
        try:
            with job.result.open("rb") as handle:
                outcome = ImportOutcome.from_json(handle.read())
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            outcome = None
        if bureau is None or outcome is None or outcome.kind not in IMPORT_RESOURCES:
            messages.error(request, _("This preview has expired: upload the file again."))
            return redirect("funding:data_import")
        if params.get("save"):
            if outcome.saved:
                return _imported(request, outcome, bureau)
            return _not_imported(request, outcome, bureau, status=200)
        token = ""
        if outcome.is_valid:
            token = imports.upload_token(
                user=request.user,
                kind=outcome.kind,
                bureau=bureau,
                name=params["file"],
                sha256=params["sha256"],
            )
        return _preview_page(request, outcome, bureau, token, filename=params.get("filename", ""))


class ImportTemplateView(PermissionRequiredMixin, View):
    """An empty workbook with the right headers, and a second sheet explaining each column."""

    permission = "funding.import_data"

    def get(self, request, kind):
        resource = IMPORT_RESOURCES.get(kind)
        if resource is None:
            raise Http404
        columns = resource.column_names()
        workbook = Workbook()
        sheet = workbook.active
        with translation.override("zh-hans"):
            what = spreadsheets.sheet_title(resource.title)
            sheet.title = what
            notes = workbook.create_sheet(spreadsheets.sheet_title(_("How to fill in")))
            filename = _("%(what)s import template.xlsx") % {"what": what}
            notes.append(spreadsheets.row(notes, [_("Column"), _("What to write")]))
            for column in columns:
                notes.append(spreadsheets.row(notes, [column, resource.notes.get(column, "")]))
        sheet.append(spreadsheets.row(sheet, columns))
        sheet.freeze_panes = "A2"
        for index, _column in enumerate(columns, start=1):
            sheet.cell(row=1, column=index).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = 22
            # Codes and phone numbers are text: a cell formatted as number would lose zeros.
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 90
        for cell in notes["B"]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in notes[1]:
            cell.font = Font(bold=True)
        response = file_download(filename=filename, content_type=XLSX)
        workbook.save(response)
        return response
