"""The filled form as a Word file, laid out as the PDF is (A4, 宋体, bordered tables)."""

from __future__ import annotations

import io

from policies.application_form import Table

from .. import documents, services
from ..models import Application

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Usable width of an A4 page with 1.8 cm margins, in centimetres; the tables' text is 小五.
MARGIN_CM = 1.8
PAGE_WIDTH_CM = 21.0 - 2 * MARGIN_CM
TABLE_PT = 9


def docx_filename(application: Application) -> str:
    """The PDF's name (``<id>-<host>``) with .docx."""
    return documents.pdf_filename(application).removesuffix(".pdf") + ".docx"


def application_docx(application: Application, *, reveal_personal: bool = True) -> bytes:
    """The filled official form of ``application`` as a Word file (A4, 宋体, bordered tables);
    without ``reveal_personal`` phone numbers and birth months are masked, as on the PDF."""
    # python-docx is imported when a Word file is made or read, not by every process.
    from docx import Document  # noqa: PLC0415

    documents.prefetch_form_data([application])
    form = documents._form(application, reveal_personal=reveal_personal)
    doc = Document()
    _page_setup(doc, draft=form["is_draft"])
    title = doc.add_paragraph()
    title.alignment = 1  # centre
    run = title.add_run(form["title"])
    run.bold = True
    _font(run, size=16)
    _host_table(doc, application, form)
    for table in form["tables"]:
        _team_table(doc, table)
    for section in form["sections"]:
        _section_table(doc, section)
    if form["undertakings"]:
        _undertakings_table(doc, form["undertakings"])
    if form["opinions"]:
        _opinions_table(doc, form["opinions"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_setup(doc, *, draft: bool) -> None:
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    section.top_margin = section.bottom_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    # Word takes Chinese glyphs from the East Asian font slot, not from font.name.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    normal.paragraph_format.space_after = Pt(0)
    if draft:
        header = section.header.paragraphs[0]
        header.alignment = 2  # right
        _font(header.add_run("草稿"), size=9)


def _font(run, *, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Pt  # noqa: PLC0415

    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _new_table(doc, rows: int, widths_cm: list[float]):
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = 1  # centre
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "6")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    _insert(table._tbl.tblPr, borders, before=("shd", "tblLayout", "tblCellMar", "tblLook"))
    # Narrow cell margins (Word's default is 0.19 cm): an 11-digit phone number fits its column.
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    _insert(table._tbl.tblPr, margins, before=("tblLook", "tblCaption", "tblDescription"))
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def _insert(parent, element, *, before: tuple[str, ...]) -> None:
    """Add ``element`` where the schema orders it (Word refuses a file whose table properties
    are out of order): before the first of ``before`` that ``parent`` has, else at the end."""
    from docx.oxml.ns import qn  # noqa: PLC0415

    following = next((c for c in parent if c.tag in {qn(f"w:{n}") for n in before}), None)
    if following is None:
        parent.append(element)
    else:
        following.addprevious(element)


def _min_height(row, cm: float) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    row.height = Cm(cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _write(cell, lines, *, align: int | None = None, bold: bool = False, size=TABLE_PT) -> None:
    """Put ``lines`` in ``cell``, one paragraph each (the cell's first paragraph first)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT  # noqa: PLC0415

    if align == 1:  # a short value sits in the middle of its box, as on the paper form
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = list(lines) or [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if line:
            _font(paragraph.add_run(line), bold=bold, size=size)


def _label(cell, text: str) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT  # noqa: PLC0415

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _write(cell, text.splitlines() or [""], align=1)


# Relative column widths of the team tables (the number column first); the rest get 1. Word
# pads cells more than the PDF does, so a phone number and a month get a little more room.
COLUMN_WEIGHTS = {
    "number": 0.55,
    "gender": 0.55,
    "birth_month": 1.35,
    "work_unit": 1.8,
    "research_direction": 1.2,
    "phone": 1.75,
    "head_teacher_years": 0.9,
}


def _team_widths(keys: list[str]) -> list[float]:
    weights = [COLUMN_WEIGHTS.get(key, 1.0) for key in keys]
    return [PAGE_WIDTH_CM * w / sum(weights) for w in weights]


def _host_table(doc, application: Application, form: dict) -> None:
    rows = form["host_rows"]
    if not rows:
        return
    with_photo = form["with_photo"]
    # The PDF's column widths: host title, then label/value three times, then the photo.
    weights = [6, 12, 12, 10, 16, 11, 17, 16] if with_photo else [6, 14, 17, 12, 17, 14, 20]
    table = _new_table(doc, len(rows), [PAGE_WIDTH_CM * w / sum(weights) for w in weights])
    host_cell = table.cell(0, 0).merge(table.cell(len(rows) - 1, 0)) if len(rows) > 1 else None
    host_cell = host_cell or table.cell(0, 0)
    _label(host_cell, "\n".join(form["host_title"]))
    photo_rows = min(3, len(rows)) if with_photo else 0
    for r, row in enumerate(rows):
        _min_height(table.rows[r], 0.9)
        column = 1
        for item in row:
            _label(table.cell(r, column), item["cell"].label)
            value = table.cell(r, column + 1)
            if item["span"] > 1:
                value = value.merge(table.cell(r, column + item["span"]))
            _write(value, [item["cell"].value], align=1)
            column += 1 + item["span"]
    if with_photo:
        last = len(weights) - 1
        photo = table.cell(0, last)
        if photo_rows > 1:
            photo = photo.merge(table.cell(photo_rows - 1, last))
        _photo(photo, application, form["photo_label"])


def _photo(cell, application: Application, label: str) -> None:
    from docx.shared import Cm  # noqa: PLC0415

    _label(cell, label)
    if not application.photo:
        return
    try:
        with application.photo.open("rb") as handle:
            data = handle.read(services.MAX_PHOTO_BYTES + 1)
        paragraph = cell.paragraphs[0]
        for run in list(paragraph.runs):
            run._element.getparent().remove(run._element)
        shape = paragraph.add_run().add_picture(io.BytesIO(data), width=Cm(2.3))
        shape._inline.docPr.set("descr", label)  # what a screen reader says for it
    except Exception:  # a file gone from storage or not a picture Word takes: the label stays
        return


def _team_table(doc, table: dict) -> None:
    definition: Table = table["table"]
    widths = _team_widths(["number", *(c.key for c in definition.columns)])
    grid = _new_table(doc, 2 + len(table["rows"]), widths)
    title = grid.cell(0, 0).merge(grid.cell(0, len(widths) - 1))
    _write(title, [definition.title], align=1, bold=True, size=10.5)
    for index, label in enumerate(["序号", *(c.label for c in definition.columns)]):
        _label(grid.cell(1, index), label)
    for r, values in enumerate(table["rows"], start=2):
        _min_height(grid.rows[r], 0.7)
        for index, value in enumerate(values):
            _write(grid.cell(r, index), [value], align=1)


def _text_table(doc, label: str, *, height: float = 3.0):
    grid = _new_table(doc, 1, [PAGE_WIDTH_CM * 0.17, PAGE_WIDTH_CM * 0.83])
    _min_height(grid.rows[0], height)  # room to write on a blank form
    _label(grid.cell(0, 0), label)
    return grid.cell(0, 1)


def _section_table(doc, section: dict) -> None:
    cell = _text_table(doc, section["section"].title)
    lines = []
    if section["section"].guidance:
        lines.append(section["section"].guidance)
    _write(cell, [*lines, *section["lines"]])
    if section["section"].guidance:
        _font(cell.paragraphs[0].runs[0], size=7.5)


def _undertakings_table(doc, undertakings: list[dict]) -> None:
    cell = _text_table(doc, "主持人承诺", height=1.5)
    lines = [f"{'☑' if u['given'] else '☐'} {u['text']}" for u in undertakings]
    _write(cell, [*lines, "", "承诺人（签名）：　　　　　"])


def _opinions_table(doc, boxes: list) -> None:
    grid = _new_table(doc, len(boxes), [PAGE_WIDTH_CM * 0.17, PAGE_WIDTH_CM * 0.83])
    for r, box in enumerate(boxes):
        _min_height(grid.rows[r], 3.5)
        _label(grid.cell(r, 0), box.title)
        cell = grid.cell(r, 1)
        lines, right = [], []
        if box.note:
            lines.append(box.note)
        if box.skipped == "affiliated":
            lines.append("局属学校，不经县区审核")
        elif box.skipped == "policy":
            lines.append("不经县区审核")
        else:
            lines += (box.step.opinion.splitlines() if box.step else []) or [""]
            lines.append("")
            if box.organisation_name:
                right.append(box.organisation_name)
            right.append("（盖　章）")
            right.append(
                f"{box.step.decided_at:%Y}年{box.step.decided_at.month}月{box.step.decided_at.day}日"
                if box.step
                else "年　　月　　日"
            )
        _write(cell, lines)
        for line in right:
            paragraph = cell.add_paragraph()
            paragraph.alignment = 2  # right
            _font(paragraph.add_run(line), size=TABLE_PT)
