"""The application form is policy data: the screen, the checks and the PDF follow the city's
definition (policies.application_form), field by field."""

import re
import shutil

import pytest
from django.urls import reverse
from django.utils import translation

from applications import completeness, documents, services, workflow
from applications.models import Application, ApplicationStatus
from policies.application_form import definition_for, validate_definition
from policies.models import Policy

from .factories import DURING, draft, open_call, submitted, teacher_at
from .test_documents import poppler

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no poppler")

# The attachment of 柳教思政〔2024〕35号, read off the seed in order (its title excepted: the
# call names the batch).
LIUZHOU_ATTACHMENT = [
    "主持人",
    "姓名", "性别", "出生年月", "近期1寸照片", "是否党员", "职称", "职务",
    "从事班主任工作年限", "研究方向", "联系电话", "工作单位", "结对帮扶县区",
    "指导老师基本情况", "序号", "姓名", "性别", "出生年月", "所在单位", "职务", "职称",
    "研究方向", "手机号码",
    "工作室成员基本情况", "序号", "姓名", "性别", "出生年月", "所在单位", "职称", "职务",
    "研究方向", "手机号码",
    "主持人近5年从事班主任工作方面的主要业绩及成果",
    "已设立有名班主任工作室或名班主任网络工作室的情况", "已成立的工作室名称：", "批准设立部门：",
    "工作室未来三年发展规划",
    "（大概内容：指导思想，工作目标，工作室制度，研究内容，工作进展步骤和时间分布等。"
    "字数要求：3000字内。可另附纸。）",
    "所在学校推荐意见", "所在县区教育行政部门意见", "柳州市教育局意见",
]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_liuzhou_definition_is_the_attachment_label_by_label(demo):
    form = definition_for(Policy.objects.get(code="liuzhou-2024"))
    assert form.labels_in_order()[1:] == LIUZHOU_ATTACHMENT
    members = form.table("member")
    assert "班主任年限" not in [c.label for c in members.columns]


def test_suizhou_has_a_form_of_its_own(demo):
    policy = Policy.objects.get(code="suizhou")
    form = definition_for(policy)
    assert form.table("advisor").title.startswith("顾问")
    assert completeness.table_rows_allowed(policy, form.table("member")) == (7, 9)
    assert [u.key for u in form.undertakings] == ["serve_through_term"]
    assert "继续担任3年班主任任期" in form.undertakings[0].text
    assert not form.has_host_field("paired_county")


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ("not a dict", "named parts"),
        ({"host_fields": [{"key": "gender"}]}, "host_name"),
        ({"host_fields": [{"key": "host_name"}, {"key": "host_name"}]}, "twice"),
        ({"host_fields": [{"key": "Bad Key!"}]}, "lower-case"),
        ({"tables": [{"role": "janitor", "title": "x", "columns": [{"key": "name"}]}]}, "role"),
        ({"tables": [{"role": "member", "title": "成员", "columns": [{"key": "phone"}]}]}, "name"),
        (
            {
                "tables": [
                    {
                        "role": "member",
                        "title": "成员",
                        "columns": [{"key": "name"}],
                        "min_rows": 9,
                        "max_rows": 7,
                    }
                ]
            },
            "more rows",
        ),
        ({"sections": [{"key": "x_a", "title": "甲", "max_length": -3}]}, "1–100000"),
        ({"opinions": [{"level": "province", "title": "省厅意见"}]}, "level"),
        ({"undertakings": [{"key": "a", "text": ""}]}, "text"),
        ({"tables": "many"}, "list"),
    ],
)
def test_a_broken_definition_is_explained(definition, words):
    with translation.override("en"):
        problems = validate_definition(definition)
    assert problems and any(words in problem for problem in problems), problems


def test_the_presets_definitions_are_valid(demo):
    for policy in Policy.objects.all():
        assert validate_definition(policy.application_form) == [], policy.code


def test_suizhou_form_page_asks_its_own_parts_and_the_undertaking(demo, client_for):
    call = open_call("suizhou")
    teacher = teacher_at("suixian-sx", "sz_t1", "suizhou")
    application = services.application_start(actor=teacher, call=call)
    page = client_for("sz_t1").get(reverse("applications:application_edit", args=[application.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "顾问基本情况" in html and "工作室成员基本情况（7—9名）" in html
    assert 'name="x_research"' in html and 'name="undertaking_serve_through_term"' in html
    assert "结对帮扶县区" not in html
    # every input the teacher types in has a label a screen reader reads out
    for match in re.finditer(r'<(input|select|textarea)\b[^>]*\bid="([^"]+)"[^>]*>', html):
        tag = match.group(0)
        if 'type="hidden"' in tag or "__prefix__" in tag:
            continue
        assert f'for="{match.group(2)}"' in html, tag


def test_a_form_without_the_undertaking_cannot_be_submitted(demo):
    call = open_call("suizhou")
    teacher = teacher_at("suixian-sx", "sz_t2", "suizhou")
    application = draft(call, teacher)
    application.form_data["undertakings"] = {}
    application.save(update_fields=["form_data"])
    with pytest.raises(services.ApplicationError) as refused:
        workflow.submit(actor=teacher, application=application, today=DURING)
    assert "undertaking_serve_through_term" in refused.value.problems
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_third_citys_own_fields_tables_and_sections_are_kept_and_printed(demo, client_for):
    policy = Policy.objects.get(code="liuzhou-2024")
    form = dict(policy.application_form)
    form["host_fields"] = [*form["host_fields"], {"key": "x_motto", "label": "教育格言"}]
    form["tables"] = [
        *form["tables"],
        {
            "role": "shadow",
            "title": "跟岗研修教师",
            "columns": [{"key": "name", "label": "姓名"}, {"key": "x_term", "label": "研修期"}],
            "max_rows": 3,
        },
    ]
    form["sections"] = [*form["sections"], {"key": "x_feature", "title": "工作室特色"}]
    policy.application_form = form
    policy.save(update_fields=["application_form"])

    call = open_call()
    client = client_for("lz_teacher")
    client.post(reverse("applications:application_start", args=[call.pk]))
    application = Application.objects.get(call=call)
    from .test_views import form_data

    data = form_data(
        application,
        x_motto="用心育人",
        x_feature="家校共育",
        **{
            "shadows-TOTAL_FORMS": "1",
            "shadows-INITIAL_FORMS": "0",
            "shadows-0-name": "小李",
            "shadows-0-x_term": "一学期",
        },
    )
    response = client.post(reverse("applications:application_edit", args=[application.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.form_data["x_motto"] == "用心育人"
    assert application.form_data["x_feature"] == "家校共育"
    shadow = application.team.get(role="shadow")
    assert shadow.name == "小李" and shadow.extra == {"x_term": "一学期"}
    # more rows than the table allows are refused at submission, naming the table
    documents.prefetch_form_data([application])
    printed = documents._form(application)
    assert any(t["table"].title == "跟岗研修教师" for t in printed["tables"])
    assert ["1", "小李", "一学期"] in next(
        t["rows"] for t in printed["tables"] if t["table"].role == "shadow"
    )


@needs_poppler
def test_liuzhou_pdf_prints_the_labels_in_order_and_signs_as_the_county_bureau(demo, tmp_path):
    call = open_call()
    application = submitted(call, demo.user("lz_teacher"))
    application = workflow.approve(
        actor=demo.user("lz_school"), application=application, opinion="同意推荐"
    )
    workflow.approve(actor=demo.user("lz_county"), application=application, opinion="同意上报")
    application.refresh_from_db()
    text = poppler("pdftotext", documents.application_pdf(application), tmp_path, "-raw")
    flat = re.sub(r"\s+", "", text)
    position = 0
    # With a photo on the form its place shows the photo, not the words 近期1寸照片.
    for label in [label for label in LIUZHOU_ATTACHMENT if label != "近期1寸照片"]:
        found = flat.find(re.sub(r"\s+", "", label), position)
        assert found >= 0, f"{label} missing or out of order"
        position = found
    assert "班主任年限" not in flat.replace("从事班主任工作年限", "")
    assert f"{application.county.name}教育局" in flat


def test_a_call_may_not_plan_more_studios_than_the_policy(demo):
    from .factories import draft_call

    with pytest.raises(services.ApplicationError) as refused:
        draft_call(studio_count=25)  # Liuzhou's notice plans 20 (二、工作室数量)
    assert "20" in refused.value.problems["studio_count"][0]
    assert draft_call(studio_count=20).studio_count == 20
