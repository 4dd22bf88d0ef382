"""Sheets of a workbook, the registry that collects them, and the one writer.

Each app states its own sheets (pretix's ``base/exporters`` is the model): a :class:`Sheet`
has an identifier, a Chinese title, a place in the workbook and its columns. A column is stated
once: its header, width, number format, total, and, for a :class:`PathSheet`, the path its value
is read from and how the value is shown. Apps register their sheets from ``AppConfig.ready``
(``@register``), so the app that writes the workbook (funding's audit workbook) knows none of
them: assessments and funding stay strangers.

:func:`write_workbook` streams: rows from the database cursor in chunks go straight out as
sheet XML (``core.xlsx``; one style per column, declared once), so memory stays flat however
many rows there are. Money stays ``Decimal`` (exact to the fen) and dates stay dates with their
number formats; every sheet has a frozen header row, column widths and, where it means something, a
totals row. Users typed the text: every cell is cleaned and never a formula (core.spreadsheets).

The scope a sheet reads is the caller's object (funding passes the audit scope); this floor only
hands it on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language

from . import spreadsheets, xlsx

MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
MONTH = "yyyy-mm"
INTEGER = "0"
SCORE = "0.00"

SUM = "sum"
COUNT = "count"

# Rows a fetch from the server-side cursor. Larger chunks gain nothing measurable at 100,000
# rows and each holds its rows in memory (10,000 a fetch: about 15 MB more at the peak).
CHUNK_SIZE = 1_000
PROGRESS_EVERY = 2_000

Report = Callable[[int, int], None]
Show = Callable[[Any, Any], Any]  # (value, scope) -> what the cell holds


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None
    total: str | None = None  # SUM or COUNT (of non-empty cells) in the totals row
    path: str | None = None  # where a PathSheet reads the value (a values_list path)
    show: Show | None = None  # how the value is shown; the value itself when None


class Sheet:
    """One sheet. Subclasses set identifier, title, position and columns, and yield rows (one
    value per column, in column order) from a scoped queryset with a constant number of
    queries. A sheet whose cells are not plain paths (a grid, two querysets, a row left out of
    the totals) writes its own ``rows``."""

    identifier: str = ""
    title: str = ""
    position: int = 0  # the sheet's place in the workbook
    columns: tuple[Column, ...] = ()
    totals: bool = True
    total_label: str = "合计"

    def queryset(self, scope) -> QuerySet:
        raise NotImplementedError

    def count(self, scope) -> int:
        return self.queryset(scope).count()

    def rows(self, scope) -> Iterator[tuple]:
        raise NotImplementedError


class PathSheet(Sheet):
    """A sheet whose every column reads one path of the queryset: the rows need no code."""

    order_by: tuple[str, ...] = ("pk",)

    def annotations(self) -> dict:
        """Values computed in the query (counts), named so that columns can read them."""
        return {}

    def rows(self, scope) -> Iterator[tuple]:
        # Each ``show`` is bound to the scope once, not looked up per value: at 100,000 rows
        # the per-value work is most of the time that is not the database's.
        shows = [
            (index, _bind(column.show, scope))
            for index, column in enumerate(self.columns)
            if column.show is not None
        ]
        values = (
            self.queryset(scope)
            .annotate(**self.annotations())
            .order_by(*self.order_by)
            .values_list(*[column.path for column in self.columns])
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            if shows:
                row = list(row)
                for index, show in shows:
                    row[index] = show(row[index])
                row = tuple(row)
            yield row


def _bind(show: Show, scope) -> Callable[[Any], Any]:
    """``show`` for one scope: its own ``bind(scope)`` where it has one (labels looked up once
    for the workbook's language), else the plain call."""
    bind = getattr(show, "bind", None)
    if bind is not None:
        return bind(scope)
    return lambda value: show(value, scope)


class Uncounted(tuple):
    """A row shown in its sheet but left out of the totals row (an expenditure not confirmed)."""


_SHEETS: dict[str, Sheet] = {}


def register(cls: type[Sheet]) -> type[Sheet]:
    if cls.identifier in _SHEETS:
        raise RuntimeError(f"sheet {cls.identifier!r} registered twice")
    _SHEETS[cls.identifier] = cls()
    return cls


def sheets() -> dict[str, Sheet]:
    """Every registered sheet, by identifier, in workbook order."""
    return dict(sorted(_SHEETS.items(), key=lambda item: (item[1].position, item[0])))


class _Registered(Mapping):
    """The registry as a read-only mapping that is always current (apps register late)."""

    def __getitem__(self, key: str) -> Sheet:
        return _SHEETS[key]

    def __iter__(self):
        return iter(sheets())

    def __len__(self) -> int:
        return len(_SHEETS)


SHEETS: Mapping[str, Sheet] = _Registered()


# --- how values are shown -----------------------------------------------------------------------


_LABELS: dict[tuple[type, str], dict[str, str]] = {}


def labelled(choices: type) -> Show:
    """A choice's label in the language of the workbook (looked up once per language)."""

    def labels() -> dict[str, str]:
        key = (choices, get_language() or "")
        found = _LABELS.get(key)
        if found is None:
            found = _LABELS[key] = {v: str(label) for v, label in choices.choices}
        return found

    def show(value, _scope):
        return labels().get(value, value)

    def bind(_scope):
        get = labels().get
        return lambda value: get(value, value)

    show.bind = bind
    return show


def local_time(value: datetime | None, _scope=None) -> datetime | None:
    """A workbook cannot store time zones: the local wall time, as the auditor reads it."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def yes_no(value, _scope=None) -> str:
    return "是" if value else "否"


def or_none(value, _scope=None):
    """An empty text is an empty cell (so that COUNT totals count what is there)."""
    return value or None


# --- the writer ---------------------------------------------------------------------------------


@dataclass
class SheetResult:
    identifier: str
    title: str
    rows: int


def estimate_rows(scope, keys: Iterable[str] | None = None) -> int:
    """Data rows the workbook will hold (one COUNT per sheet)."""
    registered = sheets()
    return sum(registered[key].count(scope) for key in (keys or registered))


def write_workbook(
    scope,
    fileobj,
    report: Report | None = None,
    *,
    keys: Iterable[str] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> list[SheetResult]:
    """Write the sheets ``keys`` (all by default) for ``scope`` to ``fileobj``, streaming.

    ``report(done, total)`` is called every ``progress_every`` rows and at the end. Returns the
    sheets written with their data-row counts. Headers and labels are Chinese: the workbook is
    the bureau's document, whatever the interface language.
    """
    registered = sheets()
    keys = list(keys or registered)
    total = estimate_rows(scope, keys) if report else 0
    progress = _Progress(report, total, progress_every)
    titles = [spreadsheets.sheet_title(registered[key].title) for key in keys]
    workbook = xlsx.Workbook(fileobj, titles)
    results = []
    try:
        with translation.override("zh-hans"):
            for key in keys:
                sheet = registered[key]
                written = _write_sheet(workbook, sheet, scope, progress)
                results.append(SheetResult(sheet.identifier, sheet.title, written))
    except BaseException:
        workbook.abandon()
        raise
    workbook.close()
    progress.finish()
    return results


class _Progress:
    def __init__(self, report: Report | None, total: int, every: int):
        self.report, self.total, self.every, self.done = report, total, every, 0

    def step(self) -> None:
        self.done += 1
        if self.report and self.done % self.every == 0:
            self.report(self.done, max(self.total, self.done))

    def finish(self) -> None:
        if self.report:
            self.report(self.done, max(self.total, self.done))


def _write_sheet(workbook: xlsx.Workbook, sheet: Sheet, scope, progress: _Progress) -> int:
    ws = workbook.sheet([column.width for column in sheet.columns])
    header = ws.style(bold=True, centred=True)
    ws.append([column.header for column in sheet.columns], [header] * len(sheet.columns))
    # One style per column, declared once: its number format for numbers and dates (text in a
    # number column is written as text, without the format).
    styles = [ws.style(number_format=column.number_format) for column in sheet.columns]
    totals = _Totals(sheet.columns)
    written = 0
    append, step, add = ws.append, progress.step, totals.add
    for values in sheet.rows(scope):
        if not isinstance(values, Uncounted):
            add(values)
        append(values, styles)
        written += 1
        step()
    if sheet.totals and totals.sums:
        totals.write(ws, sheet)
    ws.close()
    return written


class _Totals:
    """The totals row: sums of SUM columns, counts of non-empty COUNT cells."""

    def __init__(self, columns: tuple[Column, ...]):
        self.columns = columns
        self.sums: dict[int, Any] = {
            i: Decimal("0.00") if c.number_format == MONEY else 0
            for i, c in enumerate(columns)
            if c.total is not None
        }
        self.summed = {i for i, c in enumerate(columns) if c.total == SUM}
        self.counted = {i for i, c in enumerate(columns) if c.total == COUNT}

    def add(self, values) -> None:
        for index in self.summed:
            if values[index] is not None:
                self.sums[index] += values[index]
        for index in self.counted:
            if values[index] is not None and values[index] != "":
                self.sums[index] += 1

    def write(self, ws: xlsx.SheetWriter, sheet: Sheet) -> None:
        """``合计`` in the first column, the sums and counts under their columns, in bold."""
        values, styles = [], []
        for index, column in enumerate(self.columns):
            values.append(sheet.total_label if index == 0 else self.sums.get(index))
            number_format = None
            if column.total == SUM and column.number_format:
                number_format = column.number_format
            elif column.total == COUNT:
                number_format = INTEGER
            styles.append(ws.style(bold=True, number_format=number_format))
        ws.append(values, styles)
