"""The bureau's imports from Excel: choose what, upload, preview every row, confirm.

Between the preview and the confirmation the workbook waits under ``MEDIA_ROOT/imports/<user>/``
(never served: MEDIA_ROOT has no URL). The confirmation form carries a signed token naming the
user, the kind, the bureau, the file and its SHA-256, so that nobody can confirm someone else's
file, swap the file, or change what it is imported as.
"""

import hashlib
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.exports import (
    IMPORT_RESOURCES,
    ImportFileError,
    import_bureaus_for,
    import_run,
    read_workbook,
)
from accounts.mixins import PermissionRequiredMixin
from applications.services import ApplicationError, check_upload
from core.files import file_download

MAX_IMPORT_BYTES = 5 * 1024 * 1024
TOKEN_SALT = "funding.imports.upload"
TOKEN_MAX_AGE = 2 * 60 * 60  # seconds a preview may be confirmed for
STALE_AFTER = 24 * 60 * 60  # uploads left behind are removed at the user's next upload
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload_folder(user) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)


def _store_upload(user, content: bytes) -> str:
    folder = _upload_folder(user)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.xlsx"):
        if now - old.stat().st_mtime > STALE_AFTER:
            old.unlink(missing_ok=True)
    name = f"{uuid.uuid4().hex}.xlsx"
    (folder / name).write_bytes(content)
    return name


def _load_upload(user, token: str) -> tuple[dict, bytes]:
    """The file a token names, if the token is this user's, fresh, and the file unchanged."""
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise ImportFileError(_("This preview has expired: upload the file again.")) from exc
    name = str(claims.get("file", ""))
    if claims.get("user") != user.pk or not name.endswith(".xlsx") or "/" in name:
        raise ImportFileError(_("This preview is not yours: upload the file again."))
    try:
        content = (_upload_folder(user) / name).read_bytes()
    except FileNotFoundError as exc:
        raise ImportFileError(_("This preview has expired: upload the file again.")) from exc
    if hashlib.sha256(content).hexdigest() != claims.get("sha256"):
        raise ImportFileError(_("The uploaded file has changed: upload it again."))
    return claims, content


def _discard_upload(user, name: str) -> None:
    if name.endswith(".xlsx") and "/" not in name:
        (_upload_folder(user) / name).unlink(missing_ok=True)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"), widget=forms.RadioSelect)
    bureau = forms.ModelChoiceField(label=gettext_lazy("Into"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, r.title) for k, r in IMPORT_RESOURCES.items()]
        bureaus = import_bureaus_for(user)
        self.fields["bureau"].queryset = bureaus
        self.fields["bureau"].label_from_instance = lambda bureau: bureau.city.name
        self.only_bureau = bureaus[0] if len(bureaus) == 1 else None
        if self.only_bureau is not None:  # the usual case: one city, nothing to choose
            self.fields["bureau"].required = False
            self.fields["bureau"].widget = forms.HiddenInput()

    def clean_bureau(self):
        return self.cleaned_data.get("bureau") or self.only_bureau

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload, allowed={".xlsx"}, max_bytes=MAX_IMPORT_BYTES)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class DataImportView(PermissionRequiredMixin, View):
    """Upload → preview (a dry run: nothing saved) → confirm (all rows or none)."""

    permission = "funding.import_data"
    template_name = "funding/imports/import.html"
    preview_template_name = "funding/imports/preview.html"

    def get(self, request):
        return self.form_page(ImportForm(user=request.user))

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.form_page(form, status=400)
        kind, bureau = form.cleaned_data["kind"], form.cleaned_data["bureau"]
        content = form.cleaned_data["file"].read()
        try:
            dataset = read_workbook(content, columns=IMPORT_RESOURCES[kind].column_names())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_page(form, status=400)
        outcome = import_run(
            actor=request.user, bureau=bureau, kind=kind, dataset=dataset, dry_run=True
        )
        token = ""
        if outcome.is_valid:
            name = _store_upload(request.user, content)
            token = signing.dumps(
                {
                    "user": request.user.pk,
                    "kind": kind,
                    "bureau": bureau.pk,
                    "file": name,
                    "sha256": hashlib.sha256(content).hexdigest(),
                },
                salt=TOKEN_SALT,
            )
        return self.preview_page(outcome, bureau, token, filename=form.cleaned_data["file"].name)

    def confirm(self, request):
        user = request.user
        try:
            claims, content = _load_upload(user, request.POST["token"])
            bureau = import_bureaus_for(user).filter(pk=claims.get("bureau")).first()
            kind = claims.get("kind")
            if bureau is None or kind not in IMPORT_RESOURCES:
                raise ImportFileError(_("This preview is not yours: upload the file again."))
            dataset = read_workbook(content, columns=IMPORT_RESOURCES[kind].column_names())
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("data_import")
        outcome = import_run(actor=user, bureau=bureau, kind=kind, dataset=dataset, dry_run=False)
        if not outcome.saved:
            messages.error(
                request, _("Nothing was imported: correct the rows below and upload again.")
            )
            _discard_upload(user, claims["file"])
            return self.preview_page(outcome, bureau, "", status=400)
        _discard_upload(user, claims["file"])
        messages.success(
            request,
            _(
                "Imported %(count)d rows of %(what)s into %(city)s "
                "(%(new)d new, %(updated)d updated)."
            )
            % {
                "count": len(outcome.rows),
                "what": IMPORT_RESOURCES[kind].title,
                "city": bureau.city.name,
                "new": outcome.new_count,
                "updated": outcome.update_count,
            },
        )
        return redirect("data_import")

    def form_page(self, form, status=200):
        resources = [
            {
                "kind": kind,
                "title": resource.title,
                "columns": [(c, resource.notes.get(c, "")) for c in resource.column_names()],
            }
            for kind, resource in IMPORT_RESOURCES.items()
        ]
        context = {"form": form, "resources": resources}
        return render(self.request, self.template_name, context, status=status)

    def preview_page(self, outcome, bureau, token, *, filename="", status=200):
        context = {
            "outcome": outcome,
            "bureau": bureau,
            "token": token,
            "filename": filename,
            "title": IMPORT_RESOURCES[outcome.kind].title,
        }
        return render(self.request, self.preview_template_name, context, status=status)


class ImportTemplateView(PermissionRequiredMixin, View):
    """An empty workbook with the right headers, and a second sheet explaining each column."""

    permission = "funding.import_data"

    def get(self, request, kind):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        resource = IMPORT_RESOURCES.get(kind)
        if resource is None:
            raise Http404
        columns = resource.column_names()
        workbook = Workbook()
        sheet = workbook.active
        with translation.override("zh-hans"):
            what = str(resource.title).translate(_SHEET_FORBIDDEN)
            sheet.title = what[:31]
            notes = workbook.create_sheet(_("How to fill in").translate(_SHEET_FORBIDDEN)[:31])
            filename = _("%(what)s import template.xlsx") % {"what": what}
            notes.append([_("Column"), _("What to write")])
            for column in columns:
                notes.append([column, str(resource.notes.get(column, ""))])
        sheet.append(columns)
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


urlpatterns = [
    path("imports/", DataImportView.as_view(), name="data_import"),
    path("imports/template/<slug:kind>.xlsx", ImportTemplateView.as_view(), name="import_template"),
]
