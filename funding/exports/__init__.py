"""The auditors' workbook: one .xlsx of a scope (city, county, batch, year), sheet by sheet.

This package is the workbook's front door for funding's views, job and command. Its parts:

- the scope and its form: ``studios.exports.scope`` (never wider than the user's roles);
- the sheets, each family in its own app: studios, teams, activities, quotas and the trail in
  ``studios.exports.sheets``; assessments in ``assessments.exports``; money in ``.money``.
  Each registers itself with ``core.exports`` when its app is ready;
- the one writer, ``core.exports.write_workbook`` (streamed, typed cells, exact totals).

Headers and titles are written in Chinese on purpose: the workbook is the bureau's audit
document (like the PDFs' official layouts), whatever the interface language.
"""

from __future__ import annotations

from collections.abc import Iterable

from core import exports as core_exports
from core.exports import COUNT, MONEY, SHEETS, Report, SheetResult  # noqa: F401  (the API)
from studios.exports.resources import ActivityResource  # noqa: F401
from studios.exports.scope import (  # noqa: F401
    EXPORT_ROLES,
    AuditScope,
    AuditScopeForm,
    ScopeError,
    allowed_areas,
    city_scope,
    scope_for_user,
)

# Fewer rows than this download at once; more run as a background job with a progress bar.
LARGE_EXPORT_ROWS = 20_000
# The progress callback is called every this many rows (and at the end).
PROGRESS_EVERY = 2_000


def estimate_rows(scope: AuditScope, sheets: Iterable[str] | None = None) -> int:
    """Data rows the workbook will hold (one COUNT per sheet): small or background job."""
    return core_exports.estimate_rows(scope, sheets)


def write_workbook(
    scope: AuditScope,
    fileobj,
    report: Report | None = None,
    *,
    sheets: Iterable[str] | None = None,
) -> list[SheetResult]:
    """Write the scope's workbook to ``fileobj`` (a path or a binary file), streaming;
    ``report(done, total)`` every ``PROGRESS_EVERY`` rows and at the end."""
    return core_exports.write_workbook(
        scope, fileobj, report, keys=sheets, progress_every=PROGRESS_EVERY
    )
