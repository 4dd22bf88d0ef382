"""Spreadsheets we write are inert; spreadsheets we read are measured before anything parses them.

Writing. Every workbook the site writes (the audit workbook, the compliance grid, the import
templates, django-import-export's resources) puts its values through ``row``, ``cell`` or
``set_value``:

- a text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as a
  text cell with Excel's own "quote prefix" (what Excel stores when someone types ``'=1+1``): it
  shows the text exactly as typed, is never evaluated on opening, and stays text when someone
  edits the cell. No workbook we write holds a formula at all;
- characters that XML 1.0 cannot hold (control characters other than tab, newline and carriage
  return; lone surrogates; U+FFFE, U+FFFF) are replaced by U+FFFD, and text longer than a cell holds
  (32,767 characters) is cut, so that one activity title can never make an export fail;
- only text is touched: numbers (negative ones too), ``Decimal`` money, dates and booleans are
  written as they are, typed. A text "-5" stays the text "-5".

``inert_text`` is the same rule for outputs that are all text (django-import-export's tablib,
which turns any ``=`` text into a formula): there the only way is an apostrophe in front.

Reading. ``inspect_workbook`` looks at an uploaded .xlsx (a zip) before openpyxl touches it and
refuses, with a message for the person who uploaded it, a workbook that would hold a worker:

- from the zip's directory alone (no decompression): more parts than allowed, a part or all parts
  together larger than allowed once unpacked. Python's zipfile never unpacks more than a part's
  declared size (a lying size fails its CRC check), so these declared sizes bound what openpyxl
  can ever read;
- then, streaming every part once (at most the limit above, in chunks, stopping at the first
  limit passed): the rows of any sheet (blank rows and gaps in the row numbers count, as openpyxl
  fills them in), the number of shared strings and the size of the shared-string table. A DTD
  (which no spreadsheet has) is refused outright; UTF-16 parts are decoded as they are read, and
  encodings that could spell a tag in other bytes are refused. Parts that are no XML (pictures)
  are not read.

Every part is scanned rather than the ones the package says are sheets, so that no trick in the
package's own index can hide a sheet from the count. The limits come from settings
(``MINGSHI_IMPORT_MAX_*``, see docs/DEPLOY.md).
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

# --- writing ---------------------------------------------------------------------------------

# A text that begins with one of these is what spreadsheet programs read as a formula (or, for
# tab and carriage return, what CSV-minded tools strip before reading one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 forbids: C0 controls but tab, newline and carriage return; surrogates; two
# non-characters. openpyxl refuses the controls (IllegalCharacterError), lxml the rest.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# The most characters a cell holds; Excel "repairs" a workbook with longer ones by emptying them.
MAX_CELL_CHARS = 32_767
# Written as they are, typed (bool is an int; datetime is a date).
_TYPED = (int, float, Decimal, date, time, timedelta)


def clean_text(text: str) -> str:
    """Text a workbook can hold: forbidden characters replaced, overlong text cut."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub(REPLACEMENT, text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def _plain(value):
    """A value openpyxl stores as it is: text cleaned, lazy text and unknown objects as text."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, _TYPED):
        return value
    if isinstance(value, str):
        return clean_text(value)
    return clean_text(str(value))  # lazy translations, and anything openpyxl would refuse


def _as_text(cell) -> None:
    cell.data_type = "s"
    cell.quotePrefix = True


def set_value(cell, value) -> None:
    """Put ``value`` in an openpyxl cell (either mode) so that it can only be data."""
    value = _plain(value)
    cell.value = value
    if isinstance(value, str) and looks_like_formula(value):
        _as_text(cell)


def cell(ws, value=None, *, font=None, fill=None, alignment=None, number_format=None, border=None):
    """A cell for ``ws.append`` holding ``value`` safely, with the styles given."""

    made = WriteOnlyCell(ws)
    set_value(made, value)
    if font is not None:
        made.font = font
    if fill is not None:
        made.fill = fill
    if alignment is not None:
        made.alignment = alignment
    if border is not None:
        made.border = border
    if number_format is not None:
        made.number_format = number_format
    return made


def row(ws, values) -> list:
    """One row for ``ws.append``: typed values as they are, text cleaned, formula-like text as a
    quoted text cell. Cells already made are kept, and one that would hold a formula is turned
    into text."""

    out = []
    for value in values:
        if isinstance(value, Cell):
            if value.data_type == "f":
                _as_text(value)
            out.append(value)
            continue
        value = _plain(value)
        if isinstance(value, str) and looks_like_formula(value):
            out.append(cell(ws, value))
        else:
            out.append(value)
    return out


def inert_text(value):
    """For outputs where every cell is text: formula-like text gets an apostrophe in front."""
    value = _plain(value)
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text, *, fallback: str = "-") -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, no control characters, at most 31 characters,
    not starting or ending with an apostrophe, never empty."""
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", clean_text(str(text)))
    title = "".join(" " if ch < " " else ch for ch in title).replace(REPLACEMENT, " ")
    title = title[:31].strip().strip("'").strip()
    return title or fallback


# --- reading ---------------------------------------------------------------------------------


class WorkbookRefused(ValueError):
    """The upload is not a workbook we read, or is larger than the limits: the message says
    which, in words for the person who uploaded it."""


@dataclass(frozen=True)
class WorkbookLimits:
    total_bytes: int  # every part together, unpacked
    part_bytes: int  # one part, unpacked
    parts: int
    rows: int  # rows of one sheet, blank ones included
    data_rows: int  # rows with something in them that one import takes (for the message)
    shared_strings: int
    shared_strings_bytes: int

    @classmethod
    def from_settings(cls) -> WorkbookLimits:
        return cls(
            total_bytes=settings.MINGSHI_IMPORT_MAX_BYTES,
            part_bytes=settings.MINGSHI_IMPORT_MAX_PART_BYTES,
            parts=settings.MINGSHI_IMPORT_MAX_PARTS,
            rows=settings.MINGSHI_IMPORT_MAX_SHEET_ROWS,
            data_rows=settings.MINGSHI_IMPORT_MAX_ROWS,
            shared_strings=settings.MINGSHI_IMPORT_MAX_SHARED_STRINGS,
            shared_strings_bytes=settings.MINGSHI_IMPORT_MAX_SHARED_STRINGS_BYTES,
        )


@dataclass
class WorkbookFacts:
    parts: int = 0
    unpacked_bytes: int = 0
    rows: int = 0  # the most rows of any sheet (the highest row number openpyxl would reach)
    shared_strings: int = 0


CHUNK = 1024 * 1024
# The longest single tag we wait for across chunks: no spreadsheet writes one this long.
MAX_TAG = 64 * 1024
_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_START = re.compile(rb"<" + _PREFIX + rb"(?:row|si)(?=[\s/>])|<!DOCTYPE|<!ENTITY")
_TAG = re.compile(
    rb"<" + _PREFIX + rb"(?P<name>row|si)"
    rb"""(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>"""
)
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DIGITS = re.compile(rb"[0-9]{1,9}")


def _unreadable() -> WorkbookRefused:
    return WorkbookRefused(_("The file cannot be read as an Excel workbook (.xlsx)."))


def _too_many_rows(limits: WorkbookLimits) -> WorkbookRefused:
    return WorkbookRefused(
        _(
            "The workbook is too large: a sheet has more than %(limit)d rows (blank rows count "
            "too). One import takes at most %(rows)d rows: delete the blank rows below the data, "
            "or split the rows into several files."
        )
        % {"limit": limits.rows, "rows": limits.data_rows}
    )


def inspect_workbook(content: bytes, limits: WorkbookLimits | None = None) -> WorkbookFacts:
    """Measure an uploaded .xlsx without parsing it; raise ``WorkbookRefused`` past a limit."""
    limits = limits or WorkbookLimits.from_settings()
    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except Exception:  # hostile bytes: BadZipFile, and offsets that overflow a seek, …
        raise _unreadable() from None
    with archive:
        infos = archive.infolist()
        facts = WorkbookFacts(parts=len(infos))
        if len(infos) > limits.parts:
            raise WorkbookRefused(
                _(
                    "The workbook has too many parts (%(count)d; at most %(limit)d): save it "
                    "again as a plain Excel workbook and upload it again."
                )
                % {"count": len(infos), "limit": limits.parts}
            )
        for info in infos:
            if info.file_size > limits.part_bytes:
                raise WorkbookRefused(
                    _(
                        "The workbook is too large: one of its parts unpacks to %(size)s, and "
                        "the limit is %(limit)s. Split the rows into several files."
                    )
                    % {
                        "size": filesizeformat(info.file_size),
                        "limit": filesizeformat(limits.part_bytes),
                    }
                )
            facts.unpacked_bytes += info.file_size
        if facts.unpacked_bytes > limits.total_bytes:
            raise WorkbookRefused(
                _(
                    "The workbook is too large: it unpacks to %(size)s, and the limit is "
                    "%(limit)s. Remove extra sheets, pictures or blank rows and upload it again."
                )
                % {
                    "size": filesizeformat(facts.unpacked_bytes),
                    "limit": filesizeformat(limits.total_bytes),
                }
            )
        for info in infos:
            if info.is_dir():
                continue
            try:
                _scan_part(archive, info, limits, facts)
            except WorkbookRefused:
                raise
            except Exception:
                # A damaged part or one whose size or CRC lies (BadZipFile, zlib.error), an
                # encrypted one (RuntimeError), an unknown compression (NotImplementedError),
                # UTF-16 that does not decode, offsets that overflow: not a workbook we read.
                raise _unreadable() from None
    return facts


# Encodings in which every ASCII character is its own byte and never part of another
# character: the byte patterns above find exactly the tags an XML parser finds.
_ASCII_SAFE = re.compile(
    rb"utf-?8|us-ascii|ascii|iso[-_]?8859-\d+|latin-?\d|windows-125\d|cp125\d|gb2312|gbk|"
    rb"gb18030|big5",
    re.IGNORECASE,
)
_DECLARED = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def _encoding(head: bytes) -> str | None:
    """How to read a part: "bytes" (UTF-8 and other ASCII-safe encodings), "utf-16", or None
    for a part that is no XML at all (a picture: no XML parser reads it). Encodings that could
    spell a tag in other bytes (UTF-32, EBCDIC, UTF-7 and the like) are refused."""
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<"):
        raise _unreadable()  # UTF-32
    if head[:4] == b"\x4c\x6f\xa7\x94":
        raise _unreadable()  # EBCDIC
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if head[:2] == b"<\x00":
        return "utf-16-le"
    if head[:2] == b"\x00<":
        return "utf-16-be"
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not head or head[:1] not in b"< \t\r\n":
        return None
    declared = _DECLARED.match(head)
    if declared and not _ASCII_SAFE.fullmatch(declared.group(1).strip()):
        raise _unreadable()
    return "bytes"


def _chunks(stream):
    """The part's XML as UTF-8-compatible bytes, a chunk at a time (nothing for a non-XML
    part), then one empty chunk."""
    first = stream.read(CHUNK)
    encoding = _encoding(first)
    if encoding is None:
        yield b""
        return
    decoder = None if encoding == "bytes" else codecs.getincrementaldecoder(encoding)()
    chunk = first
    while True:
        if decoder is not None:
            yield decoder.decode(chunk, final=not chunk).encode()
        else:
            yield chunk
        if not chunk:
            return
        chunk = stream.read(CHUNK)


# Complex by nature: one branch per kind of part an xlsx may carry.
def _scan_part(archive, info, limits: WorkbookLimits, facts: WorkbookFacts) -> None:  # noqa: C901
    """Count rows (as openpyxl numbers them) and shared strings in one part, streaming."""
    rows = 0  # openpyxl's row counter: a row's r, or the previous row's plus one
    strings = 0
    carry = b""
    with archive.open(info) as stream:
        for chunk in _chunks(stream):
            at_end = not chunk
            buffer = carry + chunk
            carry = b""
            position = 0
            while True:
                start = _START.search(buffer, position)
                if start is None:
                    # Keep a tag cut at the chunk's end (after its last '<') for the next one.
                    tail = buffer.rfind(b"<", max(position, len(buffer) - MAX_TAG))
                    if tail != -1 and not at_end:
                        carry = buffer[tail:]
                    break
                if start.group().startswith(b"<!"):
                    raise _unreadable()  # a DTD: entities, external references
                tag = _TAG.match(buffer, start.start())
                if tag is None:
                    if at_end or len(buffer) - start.start() > MAX_TAG:
                        raise _unreadable()
                    carry = buffer[start.start() :]
                    break
                position = tag.end()
                if tag.group("name") == b"row":
                    number = _ROW_NUMBER.search(tag.group("attrs"))
                    if number is None:
                        rows += 1
                    else:
                        text = number.group(1) if number.group(1) is not None else number.group(2)
                        if not _DIGITS.fullmatch(text.strip()):
                            if text.strip().isdigit():
                                raise _too_many_rows(limits)
                            raise _unreadable()
                        rows = int(text)
                    if rows > limits.rows:
                        raise _too_many_rows(limits)
                    facts.rows = max(facts.rows, rows)
                else:
                    if strings == 0 and info.file_size > limits.shared_strings_bytes:
                        raise WorkbookRefused(
                            _(
                                "The workbook is too large: its texts unpack to %(size)s, and "
                                "the limit is %(limit)s. Split the rows into several files."
                            )
                            % {
                                "size": filesizeformat(info.file_size),
                                "limit": filesizeformat(limits.shared_strings_bytes),
                            }
                        )
                    strings += 1
                    facts.shared_strings = max(facts.shared_strings, strings)
                    if strings > limits.shared_strings:
                        raise WorkbookRefused(
                            _(
                                "The workbook is too large: it holds more than %(limit)d "
                                "different texts. Split the rows into several files."
                            )
                            % {"limit": limits.shared_strings}
                        )
            if at_end:
                return
