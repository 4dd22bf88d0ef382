"""Workbooks built by hand, part by part, as Excel writes them (shared strings, formulas), and
bombs streamed into a zip cheaply: a test can make any .xlsx it needs without a spreadsheet
program."""

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>
</Types>"""
PACKAGE_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}"><Relationship Id="rId1"
Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>
<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}">
<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'
SST_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}">'


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Formula(str):
    """A cell holding this formula (without its '='), with ``cached`` as its last value."""

    def __new__(cls, text: str, cached=None):
        made = super().__new__(cls, text)
        made.cached = cached
        return made


def excel_workbook(rows: Iterable[Iterable], *, dimension: str | None = None) -> bytes:
    """An .xlsx as Excel writes one: text in the shared-string table, numbers as numbers,
    ``Formula`` cells as formulas with a cached value."""
    strings: dict[str, int] = {}
    lines = []
    for r, values in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{_column(c)}{r}"
            if value is None:
                continue
            if isinstance(value, Formula):
                cached = "" if value.cached is None else f"<v>{escape(str(value.cached))}</v>"
                kind = ' t="str"' if isinstance(value.cached, str) else ""
                cells.append(f'<c r="{ref}"{kind}><f>{escape(value)}</f>{cached}</c>')
            elif isinstance(value, str):
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f"{SHEET_HEAD}{dim}<sheetData>{''.join(lines)}</sheetData></worksheet>"
    table = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    sst = f'{SST_HEAD[:-1]} count="{len(strings)}" uniqueCount="{len(strings)}">{table}</sst>'
    return package({"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst})


def package(parts: dict[str, str | bytes]) -> bytes:
    """The package's fixed parts plus ``parts`` (a sheet, a shared-string table), zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def streamed(
    name: str, head: bytes, piece: bytes, repeat: int, tail: bytes, parts: dict[str, str]
) -> bytes:
    """A package whose part ``name`` is ``head + piece * repeat + tail``, written through a
    streaming zip entry a megabyte at a time (so a 400 MB part costs no 400 MB of memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for other, content in parts.items():
            archive.writestr(other, content)
        per_write = max(1, (1024 * 1024) // len(piece))
        with archive.open(name, "w", force_zip64=True) as entry:
            entry.write(head)
            left = repeat
            while left:
                n = min(left, per_write)
                entry.write(piece * n)
                left -= n
            entry.write(tail)
    return buffer.getvalue()


HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>学校名称</t></is></c></row>'


def blank_rows_bomb(rows: int = 5_000_000) -> bytes:
    """A sheet of ``rows`` blank rows (``<row/>``, numbered by position as openpyxl reads them)."""
    return streamed(
        "xl/worksheets/sheet1.xml",
        (SHEET_HEAD + "<sheetData>" + HEADER_ROW).encode(),
        b"<row/>",
        rows,
        b"</sheetData></worksheet>",
        {"xl/sharedStrings.xml": f"{SST_HEAD}</sst>"},
    )


def huge_string_bomb(megabytes: int = 400) -> bytes:
    """One shared string of ``megabytes`` MB, referenced by the sheet's first cell."""
    sheet = f'{SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    sheet += "</worksheet>"
    return streamed(
        "xl/sharedStrings.xml",
        (SST_HEAD + "<si><t>").encode(),
        b"A" * 1024,
        megabytes * 1024,
        b"</t></si></sst>",
        {"xl/worksheets/sheet1.xml": sheet},
    )
