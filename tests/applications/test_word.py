"""The application form as a Word file: downloaded in the official layout, and read back in."""

import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services, word
from applications.models import Application, TeamEntry
from policies.application_form import definition_for
from policies.models import Policy
from tests.core import files
from tests.core.files import assert_served

from .factories import draft, open_call, submitted, teacher_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def read_docx(content: bytes):
    from docx import Document

    return Document(io.BytesIO(content))


def table_texts(document) -> list[list[str]]:
    """Every table row's cells as Word shows them (a merged cell once)."""
    rows = []
    for table in document.tables:
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                cells.append(cell.text)
            rows.append(cells)
    return rows


def all_text(document) -> list[str]:
    """The document's paragraphs and cells, in reading order, one string each."""
    texts = [p.text for p in document.paragraphs if p.text]
    for row in table_texts(document):
        texts += [t for t in row if t]
    return texts


def as_upload(content: bytes, name: str = "申报表.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=word.DOCX_CONTENT_TYPE)


def test_liuzhou_docx_prints_the_labels_of_the_definition_in_order(demo):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    content = word.application_docx(application)
    document = read_docx(content)
    texts = all_text(document)

    # The title is the call's (the batch); every other label in the definition's order.
    # The photo takes the place of its label (as on the PDF).
    labels = definition_for(call.policy).labels_in_order()[1:]
    labels.remove("近期1寸照片")
    # The host title is printed one character a line, like the paper form.
    texts = [t.replace("\n", "") for t in texts]
    position = 0
    for label in labels:
        found = next((i for i in range(position, len(texts)) if label in texts[i]), None)
        assert found is not None, f"{label!r} missing or out of order"
        position = found
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "宋体"
    )
    # The tables have borders of their own (not left to a style Word may not have).
    assert b"w:tblBorders" in zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml")


def header(document, title: str) -> list[str]:
    rows = table_texts(document)
    index = next(i for i, row in enumerate(rows) if row == [title])
    return rows[index + 1]


def test_liuzhou_tables_follow_the_attachment(demo):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"), members=3)
    document = read_docx(word.application_docx(application))

    members = header(document, "工作室成员基本情况")
    advisors = header(document, "指导老师基本情况")
    assert members[0] == advisors[0] == "序号"
    assert members.index("职称") < members.index("职务")
    assert advisors.index("职务") < advisors.index("职称")
    assert "班主任年限" not in members
    rows = table_texts(document)
    start = rows.index(["工作室成员基本情况"]) + 2
    assert [row[0] for row in rows[start : start + 3]] == ["1", "2", "3"]
    assert rows[start][1] == "成员1"
    # The photo is in the host block, as on the paper form.
    assert document.inline_shapes, "the host's photo is missing"


def test_a_blank_table_still_has_a_numbered_row(demo):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"), advisors=0)
    rows = table_texts(read_docx(word.application_docx(application)))
    start = rows.index(["指导老师基本情况"]) + 2
    assert rows[start][0] == "1"
    assert not any(rows[start][1:])


def test_suizhou_docx_says_consultants(demo):
    call = open_call("suizhou")
    teacher = teacher_at("zengdu-sx", "sz_docx_teacher", city="suizhou")
    application = services.application_start(actor=teacher, call=call)
    texts = all_text(read_docx(word.application_docx(application)))
    assert "顾问基本情况" in texts
    assert "指导老师基本情况" not in texts
    assert any("本人承诺" in t and t.startswith("☐") for t in texts)


def test_masked_docx_hides_phone_numbers(demo):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    shown = "\n".join(all_text(read_docx(word.application_docx(application))))
    masked = "\n".join(
        all_text(read_docx(word.application_docx(application, reveal_personal=False)))
    )
    assert "13800000000" in shown
    assert "13800000000" not in masked


def test_download_view_serves_the_docx(demo, client_for):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    response = client_for("lz_teacher").get(
        reverse("applications:application_docx", args=[application.pk])
    )
    assert_served(response, word.DOCX_CONTENT_TYPE)
    assert ".docx" in response["Content-Disposition"]
    assert read_docx(response.content).tables


def test_someone_elses_application_is_not_found(demo, client_for):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    other = client_for("lz_county")  # a reader of the county, but the form is only a draft
    assert (
        other.get(reverse("applications:application_docx", args=[application.pk])).status_code
        == 404
    )
    upload = other.post(
        reverse("applications:application_docx_upload", args=[application.pk]),
        {"file": as_upload(word.application_docx(application))},
    )
    assert upload.status_code == 404


# --- in --------------------------------------------------------------------------------------


def snapshot(application: Application) -> dict:
    application = Application.objects.get(pk=application.pk)
    host = {key: getattr(application, key) for key in services.HOST_FIELDS}
    team = [
        (row.role, row.position, *(getattr(row, key) for key in services.TEAM_FIELDS))
        for row in TeamEntry.objects.filter(application=application).order_by("role", "position")
    ]
    return {"host": host, "team": team, "data": application.form_data}


def test_round_trip_fills_a_fresh_draft_with_the_same_answers(demo, client_for):
    call = open_call()
    source = draft(
        call,
        demo.user("lz_teacher"),
        members=3,
        existing_studio_name="柳州市德育工作坊",
        existing_studio_department="柳州市教育局",
        plan="指导思想：立德树人。\n工作目标：培养骨干班主任。",
    )
    content = word.application_docx(source)
    teacher = teacher_at("liucheng-sx", "lz_docx_teacher")
    fresh = services.application_start(actor=teacher, call=call)

    response = client_for("lz_docx_teacher").post(
        reverse("applications:application_docx_upload", args=[fresh.pk]),
        {"file": as_upload(content)},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("已读入" in m for m in shown), shown

    before, after = snapshot(source), snapshot(fresh)
    keys = [k for k in services.HOST_FIELDS if k != "school_stage"]
    assert {k: after["host"][k] for k in keys} == {k: before["host"][k] for k in keys}
    # Every column the form prints comes back (the years are not on Liuzhou's tables).
    printed = {c.key for t in definition_for(call.policy).tables for c in t.columns}
    drop = [i + 2 for i, key in enumerate(services.TEAM_FIELDS) if key not in printed]
    assert drop, "the test expects a column that is not printed"

    def shown(rows):
        return [tuple(v for i, v in enumerate(row) if i not in drop) for row in rows]

    assert shown(after["team"]) == shown(before["team"])
    assert len(after["team"]) == 1 + 3
    assert Application.objects.get(pk=fresh.pk).photo, "the photo comes along"


def test_custom_fields_columns_and_undertakings_are_read(demo):
    call = open_call("suizhou")
    policy = call.policy
    form = dict(policy.application_form)
    form["host_fields"] = [*form["host_fields"], {"key": "x_motto", "label": "教育格言"}]
    tables = [dict(t) for t in form["tables"]]
    tables[1]["columns"] = [*tables[1]["columns"], {"key": "x_qq", "label": "QQ号"}]
    form["tables"] = tables
    Policy.objects.filter(pk=policy.pk).update(application_form=form)
    call.policy.refresh_from_db()
    teacher = teacher_at("zengdu-sx", "sz_docx_teacher", city="suizhou")
    source = services.application_start(actor=teacher, call=call)
    source = services.application_save_draft(
        actor=teacher,
        application=source,
        host={"host_name": "王老师", "gender": "male"},
        advisors=[],
        members=[{"name": "李四", "x_qq": "12345", "head_teacher_years": 5}],
        answers={
            "x_motto": "爱是教育的灵魂",
            "x_research": "主持市级课题一项",
            "undertakings": {"serve_through_term": True},
        },
    )
    content = word.application_docx(source)
    other = teacher_at("zengdu-sx", "sz_docx_other", city="suizhou")
    fresh = services.application_start(actor=other, call=call)

    report = word.application_prefill_from_docx(
        actor=other, application=fresh, upload=as_upload(content)
    )

    fresh = Application.objects.get(pk=fresh.pk)
    assert fresh.host_name == "王老师"
    assert fresh.form_data["x_motto"] == "爱是教育的灵魂"
    assert fresh.form_data["x_research"] == "主持市级课题一项"
    assert fresh.form_data["undertakings"] == {"serve_through_term": True}
    member = fresh.team.get(role="member")
    assert (member.name, member.head_teacher_years, member.extra) == ("李四", 5, {"x_qq": "12345"})
    assert "教育格言" in report.read


def official_form(member_birth: str) -> bytes:
    """The city's attachment as a teacher types it in Word: one table, labels in their own
    cells, a title row per team table, a bad birth month in the members' third row."""
    from docx import Document

    document = Document()
    document.add_paragraph("柳州市首批“名班主任工作室”申报表")
    table = document.add_table(rows=0, cols=9)

    def row(*texts):
        cells = table.add_row().cells
        for cell, text in zip(cells, texts, strict=False):
            cell.text = text
        return cells

    row("主持人", "姓名", "赵六", "性别", "女", "出生年月", "1979.03", "近期1寸照片")
    row("", "是否党员", "是", "职称", "一级教师", "职务", "年级组长")
    row("", "从事班主任工作年限", "12年", "研究方向", "家校共育", "联系电话", "13912345678")
    row("", "工作单位", "柳城县实验小学")
    title = row("指导老师基本情况")
    title[0].merge(title[-1])
    row("序号", "姓名", "性别", "出生年月", "所在单位", "职务", "职称", "研究方向", "手机号码")
    row("1", "钱七", "男", "1965年8月", "柳州市教科所", "所长", "正高级教师", "德育", "139")
    row("2")
    title = row("工作室成员基本情况")
    title[0].merge(title[-1])
    row("序号", "姓名", "性别", "出生年月", "所在单位", "职称", "职务", "研究方向", "手机号码")
    row("1", "孙一", "女", "1990-01", "某小学", "二级教师", "班主任", "班级管理", "1")
    row("2", "孙二", "男", "199102", "某小学", "二级教师", "班主任", "班级管理", "2")
    row("3", "孙三", "女", member_birth, "某小学", "二级教师", "班主任", "班级管理", "3")
    row("4")
    row("主持人近5年从事班主任工作方面的主要业绩及成果", "获评市优秀班主任。")
    row(
        "工作室未来三年发展规划",
        "（大概内容：指导思想，工作目标，工作室制度，研究内容，工作进展步骤和时间分布等。"
        "字数要求：3000字内。可另附纸。）\n三年建成区域示范工作室。",
    )
    row("所在学校\n推荐意见", "（名班主任工作室主持人所在单位）")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_official_form_typed_in_word_is_read_and_its_problems_reported(demo):
    call = open_call()
    teacher = demo.user("lz_teacher")
    application = services.application_start(actor=teacher, call=call)

    report = word.application_prefill_from_docx(
        actor=teacher, application=application, upload=as_upload(official_form("八〇年"))
    )

    application = Application.objects.get(pk=application.pk)
    assert application.host_name == "赵六"
    assert application.birth_month == date(1979, 3, 1)
    assert application.party_member is True
    assert application.head_teacher_years == 12
    assert application.work_unit == "柳城县实验小学"
    assert application.achievements == "获评市优秀班主任。"
    assert application.plan == "三年建成区域示范工作室。"
    advisors = list(application.team.filter(role="advisor"))
    assert [(a.name, a.post, a.professional_title) for a in advisors] == [
        ("钱七", "所长", "正高级教师")
    ]
    members = list(application.team.filter(role="member").order_by("position"))
    assert [m.name for m in members] == ["孙一", "孙二", "孙三"]
    assert [m.birth_month for m in members] == [date(1990, 1, 1), date(1991, 2, 1), None]
    assert report.problems == ["工作室成员基本情况第3行：出生年月“八〇年”无法识别"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("garbage.docx", b"PK\x03\x04this is no zip"),
        ("page.docx", b"<html><body>not word</body></html>"),
        ("scan.pdf", files.PDF),
        ("empty.docx", files.docx()),  # a real Word file, but no form in it
        ("bomb.docx", files.zip_bomb_docx(40)),
        (
            "entities.docx",
            files.docx(
                extra_parts={
                    "word/evil.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                    "<x>&a;&a;</x>"
                }
            ),
        ),
    ],
)
def test_a_file_that_is_not_a_filled_form_is_refused_and_changes_nothing(
    demo, client_for, name, content
):
    call = open_call()
    application = draft(call, demo.user("lz_teacher"))
    before = snapshot(application)

    response = client_for("lz_teacher").post(
        reverse("applications:application_docx_upload", args=[application.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )

    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors, "the teacher is told why"
    assert snapshot(application) == before


def test_a_submitted_application_cannot_be_refilled(demo):
    call = open_call()
    teacher = demo.user("lz_teacher")
    application = submitted(call, teacher)
    before = snapshot(application)
    with pytest.raises(services.ApplicationError):
        word.application_prefill_from_docx(
            actor=teacher,
            application=application,
            upload=as_upload(word.application_docx(application)),
        )
    assert snapshot(application) == before


def test_rows_beyond_the_bound_are_not_read(demo, monkeypatch):
    monkeypatch.setattr(word.reading, "MAX_TABLE_ROWS", 12)
    call = open_call()
    teacher = demo.user("lz_teacher")
    application = services.application_start(actor=teacher, call=call)
    report = word.application_prefill_from_docx(
        actor=teacher, application=application, upload=as_upload(official_form("1992.4"))
    )
    assert any("12" in p for p in report.problems)
    assert Application.objects.get(pk=application.pk).team.filter(role="member").count() < 3
