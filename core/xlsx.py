"""A streaming .xlsx writer for large exports: rows go out as SpreadsheetML the moment they come.

The audit workbook writes a hundred thousand rows and more. openpyxl (write-only) and XlsxWriter
(constant memory) both build an object and run a dozen checks for every cell; at that size the
writing, not the database, took most of the time (bench/README.md has the profile). This writer
does the least the format needs, and nothing else:

- one worksheet part at a time, deflated into the zip as it is written (``zipfile``'s streamed
  entries), so memory stays flat however many rows there are;
- text inline in its cell (``inlineStr``, as XlsxWriter's constant-memory mode writes it), so no
  shared-string table grows in memory;
- a style per (font, alignment, number format, quote prefix) used, declared once in
  ``styles.xml``; columns get their widths, the header row stays frozen.

Values are written typed: numbers and ``Decimal`` as numbers, dates and times as Excel serials
with their number formats, booleans as booleans, everything else as text. Text is made inert as
``core.spreadsheets`` does for every workbook we write: control characters XML cannot hold are
replaced, overlong text is cut, and text that begins like a formula is written with Excel's
quote prefix. No cell ever holds a formula: this writer has no way to write one.

openpyxl stays for reading workbooks (and for the small ones written elsewhere).
"""

from __future__ import annotations

import contextlib
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from . import spreadsheets

# Number formats Excel knows by number; any other is declared in styles.xml from 164 on.
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4}
# What openpyxl gives a date or time written without a format (so the cells read the same).
_DEFAULT_FORMATS = {
    datetime: "yyyy-mm-dd h:mm:ss",
    date: "yyyy-mm-dd",
    time: "h:mm:ss",
    timedelta: "[hh]:mm:ss",
}
# date(1899, 12, 30), Excel's day 0; dates from 1900-03-01 on are this many days later.
_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
_LEAP_BUG_ORDINAL = date(1900, 3, 1).toordinal()
# One search finds every text that needs more than a copy: what XML cannot hold (replaced,
# core.spreadsheets.clean_text), what it must escape, and a carriage return (kept as a
# character reference, as XML readers turn a literal one into a newline).
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ESCAPE = re.compile("[&<>\r]")
# Rows are joined and handed to the compressor this many at a time.
_ROWS_PER_WRITE = 200


def _escape_text(text: str) -> str:
    """Text for a ``<t>`` element: cleaned as every workbook's text is, then escaped."""
    text = spreadsheets.clean_text(text)
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


def _escape_attribute(text: str) -> str:
    return _escape_text(text).replace('"', "&quot;")


@dataclass(frozen=True)
class Style:
    bold: bool = False
    centred: bool = False
    number_format: str | None = None
    quote_prefix: bool = False


class _Styles:
    """The cell styles used, each declared once; index 0 is the default style."""

    def __init__(self):
        self.index: dict[Style, int] = {Style(): 0}
        self.formats: dict[str, int] = {}

    def __call__(self, style: Style) -> int:
        found = self.index.get(style)
        if found is None:
            found = self.index[style] = len(self.index)
            code = style.number_format
            if code and code not in _BUILTIN_FORMATS and code not in self.formats:
                self.formats[code] = 164 + len(self.formats)
        return found

    def xml(self) -> str:
        formats = "".join(
            f'<numFmt numFmtId="{number}" formatCode="{_escape_attribute(code)}"/>'
            for code, number in self.formats.items()
        )
        xfs = []
        for style in self.index:
            code = style.number_format
            number = _BUILTIN_FORMATS.get(code, self.formats.get(code, 0)) if code else 0
            attributes = f'numFmtId="{number}" fontId="{1 if style.bold else 0}" fillId="0"'
            attributes += ' borderId="0" xfId="0"'
            if number:
                attributes += ' applyNumberFormat="1"'
            if style.bold:
                attributes += ' applyFont="1"'
            if style.quote_prefix:
                attributes += ' quotePrefix="1"'
            if style.centred:
                xfs.append(
                    f'<xf {attributes} applyAlignment="1">'
                    '<alignment horizontal="center" vertical="center"/></xf>'
                )
            else:
                xfs.append(f"<xf {attributes}/>")
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if formats else "")
            + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class Workbook:
    """``Workbook(fileobj, titles)``, then for each title in order ``sheet(widths)``, rows,
    ``close()`` it; then ``close()`` the workbook. Sheet titles must be valid already
    (``core.spreadsheets.sheet_title``); they are known up front so that the package's index
    comes first in the zip, where tools that sniff a file's type look."""

    def __init__(self, fileobj, titles: list[str], *, compresslevel: int = 6):
        self.titles = list(titles)
        if len({title.casefold() for title in self.titles}) != len(self.titles):
            raise ValueError(f"two sheets of one name: {self.titles}")  # Excel refuses the file
        self.styles = _Styles()
        self.zip = zipfile.ZipFile(
            fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self.written = 0
        self.current: SheetWriter | None = None
        self._package()

    def _write(self, name: str, text: str) -> None:
        self.zip.writestr(name, text.encode())

    def _package(self) -> None:
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        sheets = range(1, len(self.titles) + 1)
        self._write(
            "[Content_Types].xml",
            head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
                for n in sheets
            )
            + "</Types>",
        )
        self._write(
            "_rels/.rels",
            head + f'<Relationships xmlns="{_PACKAGE_REL}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        self._write(
            "xl/workbook.xml",
            head + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(
                f'<sheet name="{_escape_attribute(title)}" sheetId="{n}" r:id="rId{n}"/>'
                for n, title in zip(sheets, self.titles, strict=True)
            )
            + "</sheets></workbook>",
        )
        self._write(
            "xl/_rels/workbook.xml.rels",
            head
            + f'<Relationships xmlns="{_PACKAGE_REL}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in sheets
            )
            + f'<Relationship Id="rId{len(self.titles) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>',
        )

    def sheet(self, widths: list[float]) -> SheetWriter:
        """The next sheet (in the order of ``titles``), its header row frozen."""
        self.written += 1
        if self.written > len(self.titles):
            raise ValueError("more sheets written than titles given")
        self.current = SheetWriter(self, self.written, widths)
        return self.current

    def abandon(self) -> None:
        """After an error half-way: let go of the file (what it holds is no workbook)."""
        with contextlib.suppress(Exception):
            if self.current is not None:
                self.current._stream.close()
        with contextlib.suppress(Exception):
            self.zip.close()

    def close(self) -> None:
        if self.written != len(self.titles):
            self.abandon()
            raise ValueError(f"{len(self.titles)} sheets announced, {self.written} written")
        self._write("xl/styles.xml", self.styles.xml())
        self.zip.close()


class SheetWriter:
    """Rows of one sheet, in order: ``append(values, styles)`` with one style index per
    column (from ``style(...)``) for the values that are not text."""

    def __init__(self, workbook: Workbook, number: int, widths: list[float]):
        self.workbook = workbook
        self.style = lambda **kwargs: workbook.styles(Style(**kwargs))
        self.quoted = self.style(quote_prefix=True)
        self._quoted_styles: dict[int, int] = {0: self.quoted}
        self._date_styles: dict[tuple[int, type], int] = {}
        self.letters: list[str] = []
        self.rows = 0
        self._buffer: list[str] = []
        self._stream = workbook.zip.open(f"xl/worksheets/sheet{number}.xml", "w")
        selected = ' tabSelected="1"' if number == 1 else ""
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        self._buffer.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetViews><sheetView workbookViewId="0"{selected}>'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )

    def _letter(self, index: int) -> str:
        while len(self.letters) <= index:
            self.letters.append(get_column_letter(len(self.letters) + 1))
        return self.letters[index]

    def _quoted_style(self, style: int) -> int:
        """The style ``style`` with the quote prefix, for formula-like text."""
        found = self._quoted_styles.get(style)
        if found is None:
            base = next(s for s, i in self.workbook.styles.index.items() if i == style)
            found = self._quoted_styles[style] = self.workbook.styles(
                Style(base.bold, base.centred, None, True)
            )
        return found

    def _temporal_style(self, style: int, kind: type) -> int:
        """``style``, given openpyxl's default format for a date or time that has none."""
        key = (style, kind)
        found = self._date_styles.get(key)
        if found is None:
            base = next(s for s, i in self.workbook.styles.index.items() if i == style)
            if base.number_format and base.number_format != "General":
                found = style
            else:
                found = self.workbook.styles(
                    Style(base.bold, base.centred, _DEFAULT_FORMATS[kind], base.quote_prefix)
                )
            self._date_styles[key] = found
        return found

    def append(self, values, styles) -> None:  # noqa: C901  (one branch per type of cell)
        """One row. ``styles[i]`` styles the i-th value when it is a number, date or time (and
        the empty cell, for a styled row such as the totals); text keeps only its font and
        alignment, as openpyxl's writer does for a text in a number column."""
        self.rows += 1
        r = str(self.rows)
        letters = self.letters
        if len(letters) < len(values):
            self._letter(len(values) - 1)
        cells = [f'<row r="{r}">']
        add = cells.append
        for index, value in enumerate(values):
            style = styles[index]
            kind = type(value)
            if kind is str or kind is int or kind is Decimal or kind is float or kind is date:
                pass
            elif value is None:
                if style:
                    add(f'<c r="{letters[index]}{r}" s="{style}"/>')
                continue
            elif isinstance(value, datetime) and value.tzinfo is not None:
                value, kind = timezone.localtime(value).replace(tzinfo=None), datetime
            elif isinstance(value, bool):
                add(f'<c r="{letters[index]}{r}" t="b"><v>{int(value)}</v></c>')
                continue
            elif not isinstance(value, (int, float, Decimal, date, time, timedelta)):
                value, kind = str(value), str  # lazy translations and anything else: text
            if kind is str:
                text = value
                if not text:  # an empty cell, as openpyxl writes an empty text
                    if style:
                        add(f'<c r="{letters[index]}{r}" s="{self._text_style(style)}"/>')
                    continue
                plain_style = self._text_style(style)
                if text.startswith(spreadsheets.FORMULA_PREFIXES):
                    plain_style = self._quoted_style(plain_style)
                if _SPECIAL.search(text) is not None or len(text) > spreadsheets.MAX_CELL_CHARS:
                    text = _escape_text(text)
                s = f' s="{plain_style}"' if plain_style else ""
                add(
                    f'<c r="{letters[index]}{r}"{s} t="inlineStr">'
                    f'<is><t xml:space="preserve">{text}</t></is></c>'
                )
                continue
            if kind is date or isinstance(value, (date, time, timedelta)):
                temporal = kind if kind in _DEFAULT_FORMATS else _temporal_kind(value)
                style = self._temporal_style(style, temporal)
                if temporal is date and value.toordinal() >= _LEAP_BUG_ORDINAL:
                    number = str(value.toordinal() - _EPOCH_ORDINAL)
                else:
                    number = f"{to_excel(value):.16g}"
            elif kind is int or (isinstance(value, int) and not isinstance(value, bool)):
                number = str(value)
            else:
                if not math.isfinite(value):
                    if style:
                        add(f'<c r="{letters[index]}{r}" s="{style}"/>')
                    continue  # not a number: an empty cell, as openpyxl writes it
                # Decimal in plain notation, as stored (exact); a float as openpyxl writes it.
                number = f"{value:f}" if kind is Decimal else f"{value:.16g}"
            s = f' s="{style}"' if style else ""
            add(f'<c r="{letters[index]}{r}"{s}><v>{number}</v></c>')
        add("</row>")
        self._buffer.append("".join(cells))
        if len(self._buffer) >= _ROWS_PER_WRITE:
            self._flush()

    def _text_style(self, style: int) -> int:
        """Text in a number column keeps the style's font and alignment, not its format."""
        if not style:
            return 0
        cached = self._date_styles.get((style, str))
        if cached is None:
            base = next(s for s, i in self.workbook.styles.index.items() if i == style)
            cached = self.workbook.styles(Style(base.bold, base.centred, None, base.quote_prefix))
            self._date_styles[(style, str)] = cached
        return cached

    def _flush(self) -> None:
        self._stream.write("".join(self._buffer).encode())
        self._buffer.clear()

    def close(self) -> None:
        self._buffer.append("</sheetData></worksheet>")
        self._flush()
        self._stream.close()


def _temporal_kind(value) -> type:
    for kind in (datetime, date, time, timedelta):
        if isinstance(value, kind):
            return kind
    raise TypeError(value)
