"""A Word form read back by the form definition's labels, with a report of what was not."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from core.uploads import PHOTO_TYPES
from policies.application_form import FormDefinition, Table

from .. import services
from ..models import Application, TeamEntry

# A filled form is a few hundred kilobytes (more with a photo); these bound what one upload
# may make the server read (bureau-set defaults, not from a city's document).
MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_DOCX_UNPACKED = 30 * 1024 * 1024
MAX_TABLE_ROWS = 600
MAX_ROWS_PER_TABLE = 100


@dataclass
class DocxValues:
    """What a Word form said, already in the application's terms (dates, choices, numbers)."""

    host: dict = field(default_factory=dict)  # host field key (or custom key) → value
    # role → rows (column key → value), only for the tables the file has
    tables: dict[str, list[dict]] = field(default_factory=dict)
    sections: dict = field(default_factory=dict)  # section key (or existing_studio_*) → text
    undertakings: dict[str, bool] = field(default_factory=dict)
    photo: bytes | None = None
    photo_suffix: str = ""


@dataclass
class DocxReport:
    read: list[str] = field(default_factory=list)  # the form's labels that were read
    problems: list[str] = field(default_factory=list)  # what could not be, and why

    def __bool__(self) -> bool:
        return bool(self.read or self.problems)


def _norm(text: str) -> str:
    """A label as compared: no spaces (ASCII or full-width), line breaks or colons."""
    return re.sub(r"[\s\u3000:：]+", "", text or "")


@dataclass
class _Cell:
    column: int  # grid column where the cell starts
    text: str
    tc: object = None


def _rows(document) -> tuple[list[list[_Cell]], bool]:
    """Every row of the document's tables, in order, as its cells (merged cells once, the
    continuation of a vertical merge left out); and whether reading stopped at the bound."""
    from docx.table import Table as DocxTable  # noqa: PLC0415
    from docx.table import _Cell as DocxCell  # noqa: PLC0415

    rows: list[list[_Cell]] = []
    for tbl in document.element.body.tbl_lst:
        table = DocxTable(tbl, document)
        for tr in tbl.tr_lst:
            if len(rows) >= MAX_TABLE_ROWS:
                return rows, True
            column, cells = 0, []
            for tc in tr.tc_lst:
                span = tc.grid_span
                if tc.vMerge != "continue":
                    cells.append(_Cell(column, DocxCell(tc, table).text.strip(), tc))
                column += span
            rows.append(cells)
    return rows, False


GENDERS = {"女": "female", "男": "male"}
MONTH = re.compile(
    r"^\s*(\d{4})\s*(?:年|[./\-—–])\s*(\d{1,2})\s*(?:月.*|[./\-—–]\s*\d{1,2}\s*日?)?\s*$"
)
MONTH_DIGITS = re.compile(r"^\s*(\d{4})(\d{2})\s*$")
YEARS = re.compile(r"^\s*(\d{1,2})\s*(?:年|周年)?\s*$")
YES = {"是", "党员", "中共党员", "中国共产党党员", "预备党员", "yes"}
NO = {"否", "不是", "非党员", "群众", "无", "no"}


class _Unreadable(ValueError):
    pass


def _month(text: str) -> date:
    match = MONTH.match(text) or MONTH_DIGITS.match(text)
    if not match:
        raise _Unreadable
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        raise _Unreadable
    return date(year, month, 1)


def _years(text: str) -> int:
    match = YEARS.match(text)
    if not match or int(match.group(1)) > 60:
        raise _Unreadable
    return int(match.group(1))


def _limit(model, key: str) -> int | None:
    try:
        return model._meta.get_field(key).max_length
    except Exception:  # a custom key: bounded by the form's own limit
        return None


def _value(model, key: str, text: str, *, custom_max: int):
    """The value ``text`` stands for in field ``key`` of ``model``, or _Unreadable."""
    if key == "gender":
        if _norm(text) not in GENDERS:
            raise _Unreadable
        return GENDERS[_norm(text)]
    if key == "birth_month":
        return _month(text)
    if key == "head_teacher_years":
        return _years(text)
    if key == "party_member":
        word = _norm(text).lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise _Unreadable
    limit = _limit(model, key) or custom_max
    if len(text) > limit:
        raise _TooLong(limit)
    return text


class _TooLong(_Unreadable):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def _problem(where: str, label: str, text: str, exc: _Unreadable) -> str:
    shown = text if len(text) <= 20 else f"{text[:20]}…"
    if isinstance(exc, _TooLong):
        return _("%(where)s%(label)s is longer than %(limit)d characters.") % {
            "where": where,
            "label": label,
            "limit": exc.limit,
        }
    return _("%(where)s%(label)s “%(value)s” could not be understood.") % {
        "where": where,
        "label": label,
        "value": shown,
    }


class _Reader:
    """One pass over the document's rows, the form definition in hand."""

    def __init__(self, definition: FormDefinition):
        from ..forms import CUSTOM_SECTION_MAX, CUSTOM_TEXT_MAX  # noqa: PLC0415

        self.form = definition
        self.text_max, self.section_max = CUSTOM_TEXT_MAX, CUSTOM_SECTION_MAX
        self.values, self.report = DocxValues(), DocxReport()
        self.host_labels = {_norm(f.label): f for f in definition.host_fields if f.key != "photo"}
        self.section_titles = {_norm(s.title): s for s in definition.sections}
        self.table_titles = {_norm(t.title): t for t in definition.tables if t.title}
        self.undertakings = {_norm(u.text): u for u in definition.undertakings}
        # Rows that end a team table without being read: the opinion boxes, the undertakings.
        self.stops = {_norm(o.title) for o in definition.opinions} | {_norm("主持人承诺")}
        self.document = None

    # Recognising rows -------------------------------------------------------------------

    def _title_table(self, row: list[_Cell]) -> Table | None:
        texts = {_norm(c.text) for c in row if c.text}
        if len(texts) != 1:
            return None
        text = texts.pop()
        # The city's attachment may word a title a little shorter or longer (“（7—9名）”).
        return self.table_titles.get(text) or next(
            (
                t
                for key, t in self.table_titles.items()
                if min(len(key), len(text)) >= 4 and (text.startswith(key) or key.startswith(text))
            ),
            None,
        )

    def _header(self, row: list[_Cell], table: Table | None) -> dict[int, str] | None:
        """Grid column → column key, if ``row`` is a team table's header row."""
        candidates = [table] if table else [t for t in self.form.tables if t.role not in self.seen]
        best: dict[int, str] = {}
        for candidate in candidates:
            labels = {_norm(c.label): c.key for c in candidate.columns}
            found = {c.column: labels[_norm(c.text)] for c in row if _norm(c.text) in labels}
            if len(found) > len(best):
                best, self.header_table = found, candidate
        # The host block shares labels with the tables (姓名, 性别…): a header row is one with
        # 序号, or the first row after the table's title.
        has_number = any(_norm(c.text) == "序号" for c in row)
        if best and (has_number or (table is not None and len(best) >= 2)):
            return best
        return None

    def _section(self, row: list[_Cell]):
        if not row:
            return None
        return self.section_titles.get(_norm(row[0].text))

    # Reading ----------------------------------------------------------------------------

    def read(self, rows: list[list[_Cell]]) -> None:
        self.seen: set[str] = set()
        self.header_table = None
        table: Table | None = None
        columns: dict[int, str] | None = None
        in_host = True
        for row in rows:
            titled = self._title_table(row)
            if titled is not None:
                table, columns, in_host = titled, None, False
                continue
            section = self._section(row)
            if section is not None:
                table, columns, in_host = None, None, False
                self._read_section(section, row)
                continue
            if self._read_undertakings(row) or (row and _norm(row[0].text) in self.stops):
                table, columns, in_host = None, None, False
                continue
            header = self._header(row, table)
            if header is not None:
                table, columns, in_host = self.header_table, header, False
                if table.role in self.seen:  # the same table twice: the first one counts
                    table, columns = None, None
                else:
                    self.seen.add(table.role)
                    self.values.tables[table.role] = []
                continue
            if in_host:
                self._read_host(row)
            elif table is not None and columns is not None:
                self._read_team_row(table, columns, row)
        self._photo(rows)
        for role, entries in self.values.tables.items():
            title = self.form.table(role).title
            self.report.read.append(
                _("%(table)s (%(count)d rows)") % {"table": title, "count": len(entries)}
            )

    def _read_host(self, row: list[_Cell]) -> None:
        for index, cell in enumerate(row):
            spec = self.host_labels.get(_norm(cell.text))
            if spec is None or spec.key in self.values.host or index + 1 >= len(row):
                continue
            text = row[index + 1].text
            if not text or _norm(text) in self.host_labels:
                continue
            try:
                if spec.key == "paired_county":  # a name: the service finds the county
                    value = text
                else:
                    value = _value(Application, spec.key, text, custom_max=self.text_max)
            except _Unreadable as exc:
                self.report.problems.append(_problem("", spec.label, text, exc))
                continue
            self.values.host[spec.key] = value
            self.report.read.append(spec.label)

    def _read_team_row(self, table: Table, columns: dict[int, str], row: list[_Cell]) -> None:
        entries = self.values.tables[table.role]
        by_column = {c.column: c.text for c in row}
        texts = {key: by_column.get(column, "") for column, key in columns.items()}
        if not any(texts.values()):
            return  # a blank numbered row
        number = len(entries) + 1
        if number > min(table.max_rows or MAX_ROWS_PER_TABLE, MAX_ROWS_PER_TABLE):
            if number == min(table.max_rows or MAX_ROWS_PER_TABLE, MAX_ROWS_PER_TABLE) + 1:
                self.report.problems.append(
                    _("%(table)s: rows after row %(n)d were not read.")
                    % {"table": table.title, "n": number - 1}
                )
            return
        where = _("%(table)s, row %(n)d: ") % {"table": table.title, "n": number}
        labels = {c.key: c.label for c in table.columns}
        entry = {}
        for key, text in texts.items():
            if not text:
                continue
            try:
                entry[key] = _value(TeamEntry, key, text, custom_max=self.text_max)
            except _Unreadable as exc:
                self.report.problems.append(_problem(where, labels[key], text, exc))
        entries.append(entry)

    def _read_section(self, section, row: list[_Cell]) -> None:
        if len(row) < 2:
            return
        cell = row[1]
        lines = cell.text.splitlines()
        guidance = _norm(section.guidance)
        if guidance:
            lines = [line for line in lines if _norm(line) != guidance]
        text = "\n".join(lines).strip()
        if section.key == "existing_studio":
            self._read_existing_studio(section, text)
            return
        if not text or section.key in self.values.sections:
            return
        # The city's own limit is checked on submission (with its way of counting); this one
        # only bounds what is stored.
        if len(text) > self.section_max:
            self.report.problems.append(
                _problem("", section.title, text, _TooLong(self.section_max))
            )
            return
        self.values.sections[section.key] = text
        self.report.read.append(section.title)

    def _read_existing_studio(self, section, text: str) -> None:
        name = re.search(r"已成立的工作室名称\s*[:：]?\s*(.*?)\s*(?=批准设立部门|$)", text, re.S)
        department = re.search(r"批准设立部门\s*[:：]?\s*(.*)", text, re.S)
        found = False
        for key, match in (
            ("existing_studio_name", name),
            ("existing_studio_department", department),
        ):
            value = " ".join(match.group(1).split()) if match else ""
            if not value:
                continue
            limit = _limit(Application, key)
            if len(value) > limit:
                self.report.problems.append(_problem("", section.title, value, _TooLong(limit)))
                continue
            self.values.sections[key] = value
            found = True
        if found:
            self.report.read.append(section.title)

    def _read_undertakings(self, row: list[_Cell]) -> bool:
        if not self.undertakings:
            return False
        lines = [line for c in row for line in c.text.splitlines()]
        found = False
        for line in lines:
            mark, rest = line[:1], line[1:]
            undertaking = self.undertakings.get(_norm(rest))
            if undertaking is None:
                continue
            found = True
            self.values.undertakings[undertaking.key] = mark in "☑☒■√✓✔"
        if found:
            self.report.read.append(_("the undertakings"))
        return found

    def _photo(self, rows: list[list[_Cell]]) -> None:
        """The host's photo: the first picture in the tables before the first team table."""
        if not self.form.has_host_field("photo"):
            return
        for row in rows:
            if self._title_table(row) is not None:
                return
            for cell in row:
                for blip in cell.tc.iter(
                    "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
                ):
                    rid = blip.get(
                        "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
                    )
                    part = self.document.part.related_parts.get(rid) if rid else None
                    if part is None:
                        continue
                    suffix = "." + part.partname.ext.lower()
                    if suffix in PHOTO_TYPES:
                        self.values.photo, self.values.photo_suffix = part.blob, suffix
                    return


def _open(file):
    """The uploaded file as a python-docx document, or ApplicationError with a clear reason."""
    from docx import Document  # noqa: PLC0415

    unreadable = services.ApplicationError(
        _("This Word file could not be read: save it again in Word (as .docx) and upload that.")
    )
    file.seek(0)
    data = file.read(MAX_DOCX_BYTES + 1)
    file.seek(0)
    if len(data) > MAX_DOCX_BYTES:
        raise services.ApplicationError(
            _("The Word file is larger than %(limit)d MB.")
            % {"limit": MAX_DOCX_BYTES // (1024 * 1024)}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > MAX_DOCX_UNPACKED:
                raise services.ApplicationError(
                    _("This Word file holds too much to be read as a form.")
                )
            for entry in entries:
                if entry.filename.endswith(".xml") or entry.filename.endswith(".rels"):
                    head = archive.open(entry).read(4096).lower()
                    if b"<!doctype" in head or b"<!entity" in head:
                        raise unreadable
        return Document(io.BytesIO(data))
    except services.ApplicationError:
        raise
    except Exception:  # zipfile, lxml and python-docx raise many kinds of error on broken files
        raise unreadable from None


def docx_read(file, definition: FormDefinition) -> tuple[DocxValues, DocxReport]:
    """Read a filled form out of a Word file by ``definition``'s labels: host fields from the
    cell after their label, team tables by their title or header row (columns by their
    header label), sections by their label cell. The file must have passed the upload check;
    ApplicationError if it cannot be opened at all."""
    document = _open(file)
    reader = _Reader(definition)
    reader.document = document
    try:
        rows, cut = _rows(document)
        reader.read(rows)
    except services.ApplicationError:
        raise
    except Exception:  # a document python-docx opened but whose tables it cannot walk
        raise services.ApplicationError(
            _("This Word file could not be read: save it again in Word (as .docx) and upload that.")
        ) from None
    if cut:
        reader.report.problems.append(
            _("The file has more than %(count)d table rows: the rest was not read.")
            % {"count": MAX_TABLE_ROWS}
        )
    return reader.values, reader.report
