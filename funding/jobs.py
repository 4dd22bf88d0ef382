"""Background jobs of the funding app: the auditors' large workbooks."""

import tempfile

from django.utils.translation import gettext as _

from accounts.jobs import JobRefused, job_runner
from accounts.permissions import can

from . import exports


@job_runner("funding.audit_export")
def build_audit_export(job, report):
    """The scope's workbook. Permission and scope are checked again: the owner may have lost
    the role (or a county) since asking. Rows stream into a temporary file (openpyxl
    write-only), so memory stays flat while writing; the finished file is read once."""
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
