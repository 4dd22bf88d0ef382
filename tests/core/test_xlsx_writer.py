"""core.xlsx, the streaming writer of the audit workbook: what openpyxl reads back is what was
written, typed; text is inert; the file is a workbook our own upload checks accept."""

import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from core import spreadsheets, uploads, xlsx

TITLES = ["第一 & <表>", "Second"]


def _write(rows_by_sheet, widths=(12, 8, 20)) -> bytes:
    buffer = io.BytesIO()
    book = xlsx.Workbook(buffer, TITLES)
    for rows in rows_by_sheet:
        ws = book.sheet(list(widths))
        for values, styles in rows(ws):
            ws.append(values, styles)
        ws.close()
    book.close()
    return buffer.getvalue()


def test_typed_values_read_back_as_they_were_written(settings):
    settings.TIME_ZONE = "Asia/Shanghai"

    def first(ws):
        header = ws.style(bold=True, centred=True)
        money = ws.style(number_format="#,##0.00")
        day = ws.style(number_format="yyyy-mm-dd")
        yield ["日期", "金额", "备注"], [header] * 3
        yield [date(2025, 3, 1), Decimal("1234567.89"), "报告厅"], [day, money, 0]
        yield [date(1900, 1, 15), Decimal("0.30"), 5], [day, money, 0]
        aware = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
        yield [aware, 0.1, True], [0, 0, 0]
        yield [time(9, 30), timedelta(hours=36), None], [0, 0, 0]
        yield [float("nan"), "", gettext_lazy("Column")], [0, money, 0]

    def second(ws):
        yield ["only"], [0]

    with translation.override("en"):
        content = _write([first, second])
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == TITLES
    ws = book[TITLES[0]]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws["A1"].alignment.horizontal == "center"
    assert [ws.column_dimensions[c].width for c in "ABC"] == [12, 8, 20]
    assert ws["A2"].value == datetime(2025, 3, 1) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == 1234567.89 and ws["B2"].number_format == "#,##0.00"
    assert ws["B2"].data_type == "n" and ws["C2"].data_type == "s"
    assert ws["A3"].value == datetime(1900, 1, 15)  # before Excel's leap-year bug
    assert ws["B3"].value == 0.3 and ws["C3"].value == 5
    # an aware time is the local wall time (Excel has no time zones), in openpyxl's format
    assert ws["A4"].value == datetime(2025, 3, 1, 9, 30)
    assert ws["A4"].number_format == "yyyy-mm-dd h:mm:ss"
    assert ws["B4"].value == 0.1 and ws["C4"].value is True and ws["C4"].data_type == "b"
    assert ws["A5"].value == time(9, 30) and ws["B5"].value == timedelta(hours=36)
    assert ws["C5"].value is None
    assert ws["A6"].value is None and ws["B6"].value is None  # NaN and "" are empty cells
    assert ws["C6"].value == "Column"  # lazy text, as text
    assert book[TITLES[1]]["A1"].value == "only"


def test_text_is_escaped_cleaned_and_never_a_formula():
    hostile = ['=HYPERLINK("http://x/?"&B2,"点击")', "-5", "+1", "@SUM(A1)", "\tx"]

    def rows(ws):
        header = ws.style(bold=True)
        number = ws.style(number_format="0")
        yield ["=1+1", "a & b <c>", "x"], [header, header, header]
        for text in hostile:
            yield [text, "研讨\x0b活动", " 两端空格 \r\n第二行"], [number, 0, 0]
        yield ["长" * (spreadsheets.MAX_CELL_CHARS + 10), -5, "-5"], [0, 0, 0]

    content = _write([rows, lambda ws: iter(())])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet
    ws = load_workbook(io.BytesIO(content))[TITLES[0]]
    head = ws["A1"]
    assert head.value == "=1+1" and head.data_type == "s" and head.quotePrefix and head.font.bold
    assert ws["B1"].value == "a & b <c>" and not ws["B1"].quotePrefix
    for row, text in enumerate(hostile, start=2):
        cell = ws.cell(row=row, column=1)
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
        assert cell.number_format == "General"  # text in a number column is plain text
        assert ws.cell(row=row, column=2).value == "研讨\ufffd活动"
        assert ws.cell(row=row, column=3).value == " 两端空格 \r\n第二行"
    last = len(hostile) + 2
    assert len(ws.cell(row=last, column=1).value) == spreadsheets.MAX_CELL_CHARS
    number, text = ws.cell(row=last, column=2), ws.cell(row=last, column=3)
    assert number.value == -5 and number.data_type == "n" and not number.quotePrefix
    assert text.value == "-5" and text.data_type == "s" and text.quotePrefix


def test_the_file_is_a_workbook_our_upload_checks_accept():
    content = _write([lambda ws: iter([(["a", 1], [0, 0])]), lambda ws: iter(())])
    assert uploads.identify(content) == "xlsx"
    facts = spreadsheets.inspect_workbook(content)
    assert facts.rows == 1


def test_the_sheets_announced_are_the_sheets_written():
    book = xlsx.Workbook(io.BytesIO(), ["one"])
    book.sheet([10]).close()
    with pytest.raises(ValueError):
        book.sheet([10])
    book.abandon()
    short = xlsx.Workbook(io.BytesIO(), ["one", "two"])
    with pytest.raises(ValueError):
        short.close()
    assert short.zip.fp is None  # let go of, all the same


def test_local_time_is_what_the_workbook_shows():
    # the writer and core.exports.local_time agree on what an aware time becomes
    aware = timezone.make_aware(datetime(2025, 6, 1, 8, 0))
    content = _write([lambda ws: iter([([aware], [0])]), lambda ws: iter(())])
    ws = load_workbook(io.BytesIO(content))[TITLES[0]]
    assert ws["A1"].value == timezone.localtime(aware).replace(tzinfo=None)


def test_an_error_half_way_lets_go_of_the_file():
    book = xlsx.Workbook(io.BytesIO(), ["one"])
    book.sheet([10]).append(["a"], [0])
    book.abandon()  # no "open writing handle" left behind for the garbage collector
    assert book.zip.fp is None
