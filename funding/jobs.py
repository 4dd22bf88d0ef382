"""Background jobs of the funding app: the auditors' large workbooks, large imports."""

import tempfile

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.imports import (
    IMPORT_RESOURCES,
    ImportFileError,
    import_bureaus_for,
    import_run,
    read_workbook,
)
from accounts.jobs import JobRefused, job_runner
from accounts.permissions import can

from . import exports, imports


@job_runner("funding.audit_export")
def build_audit_export(job, report):
    """The scope's workbook. Permission and scope are checked again: the owner may have lost
    the role (or a county) since asking. Rows stream into a temporary file (core.xlsx),
    so memory stays flat while writing; the finished file is read once."""
    if not can(job.owner, "funding.export_audit"):
        raise JobRefused(_("You may no longer export audit workbooks."))
    params = job.params
    try:
        scope = exports.scope_for_user(
            job.owner,
            city=params.get("city"),
            county=params.get("county"),
            call=params.get("call"),
            year=params.get("year"),
        )
    except exports.ScopeError as exc:
        raise JobRefused(str(exc)) from None
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        exports.write_workbook(scope, handle, report)
        handle.seek(0)
        return scope.filename, handle.read()


@job_runner(imports.JOB_KIND)
def run_import(job, report):
    """Check (the preview) or save a large import, all rows or none, reporting every row; the
    result is the outcome as JSON, which the import's job page shows as the preview. Permission
    and the bureau are checked again: the owner may have lost the role since uploading."""
    owner, params = job.owner, job.params
    with translation.override(params.get("language") or owner.language):
        if not can(owner, "funding.import_data"):
            raise JobRefused(_("You may no longer import data."))
        kind = params.get("kind")
        bureau = import_bureaus_for(owner).filter(pk=params.get("bureau")).first()
        if bureau is None or kind not in IMPORT_RESOURCES:
            raise JobRefused(_("This preview is not yours: upload the file again."))
        save = bool(params.get("save"))
        try:
            content = imports.upload_read(owner, params["file"], params["sha256"])
            dataset = read_workbook(content, columns=IMPORT_RESOURCES[kind].column_names())
        except ImportFileError as exc:
            imports.upload_discard(owner, params["file"])
            raise JobRefused(str(exc)) from None
        outcome = import_run(
            actor=owner,
            bureau=bureau,
            kind=kind,
            dataset=dataset,
            dry_run=not save,
            report=imports.committed_report(report),
        )
    if save or not outcome.is_valid:  # nothing left to confirm
        imports.upload_discard(owner, params["file"])
    return "import.json", outcome.to_json()
