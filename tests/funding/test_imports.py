"""The bureau's Excel imports: a preview with row-level errors, all rows or none, writes only
through accounts.services, always inside the importing bureau's city."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts import services
from accounts.imports import IMPORT_RESOURCES, parse_school_stages, read_workbook
from accounts.models import AuditEntry, Organisation, OrganisationKind, Role, RoleAssignment, User
from tests.core.files import assert_served

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTY_HEADERS = ["区县名称", "区县代码"]
SCHOOL_HEADERS = ["学校名称", "学校代码", "所属区县代码", "学段"]
TEACHER_HEADERS = ["用户名", "姓名", "手机号", "电子邮箱", "学校代码"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def workbook(headers: list[str], rows: list[list], name: str = "data.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def upload(client, kind: str, file, **extra):
    return client.post(reverse("funding:data_import"), {"kind": kind, "file": file, **extra})


def confirm(client, preview):
    return client.post(reverse("funding:data_import"), {"token": preview.context["token"]})


def lz_bureau() -> Organisation:
    return Organisation.objects.get(city__code="liuzhou", kind=OrganisationKind.MUNICIPAL_BUREAU)


SCHOOLS = [
    ["柳城县第二实验小学", "liucheng-sx2", "liucheng", "小学"],
    ["柳州市第二中学", "lz2z", "", "初中、高中"],
    ["鹿寨县职业教育中心", "luzhai-zj", "luzhai", "vocational,kindergarten"],
]


# --- the preview -----------------------------------------------------------------------------


def test_preview_names_each_bad_row_and_column_and_saves_nothing(demo, client_for):
    client = client_for("lz_city")
    rows = [
        SCHOOLS[0],
        ["某某学校", "nowhere-xx", "no-such-county", "小学"],  # row 3: unknown county
        ["另一所学校", "bad code!", "", "大学"],  # row 4: bad code, unknown stage
        SCHOOLS[1],
    ]
    before = Organisation.objects.count()
    response = upload(client, "schools", workbook(SCHOOL_HEADERS, rows))
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert not outcome.is_valid
    assert response.context["token"] == ""
    assert [row.number for row in outcome.rows if not row.is_valid] == [3, 4]
    [county_error] = [e for e in outcome.errors if "no-such-county" in e]
    assert "3" in county_error and "所属区县代码" in county_error and "柳州市" in county_error
    row4 = " ".join(outcome.rows[2].errors)
    assert "学校代码" in row4 and "学段" in row4 and "大学" in row4
    page = response.content.decode()
    assert 'data-testid="confirm-import" disabled' in page
    assert "no-such-county" in page
    assert Organisation.objects.count() == before  # a preview never saves


def test_preview_of_a_good_file_saves_nothing_until_confirmed(demo, client_for):
    client = client_for("lz_city")
    response = upload(client, "schools", workbook(SCHOOL_HEADERS, SCHOOLS))
    outcome = response.context["outcome"]
    assert outcome.is_valid and outcome.new_count == 3
    assert response.context["token"]
    assert not Organisation.objects.filter(code="lz2z").exists()


def test_a_file_with_one_bad_row_saves_nothing(demo):
    from accounts.imports import import_run

    bureau = lz_bureau()
    dataset = read_workbook(
        workbook(SCHOOL_HEADERS, [*SCHOOLS, ["坏行", "bad-row", "liucheng", ""]]).read(),
        columns=SCHOOL_HEADERS,
    )
    outcome = import_run(
        actor=demo.user("lz_city"), bureau=bureau, kind="schools", dataset=dataset, dry_run=False
    )
    assert not outcome.saved
    assert [row.number for row in outcome.rows if not row.is_valid] == [5]
    assert not Organisation.objects.filter(code__in=["liucheng-sx2", "lz2z", "luzhai-zj"]).exists()


def test_a_row_that_fails_at_confirmation_rolls_back_the_whole_file(demo, client_for):
    client = client_for("lz_city")
    preview = upload(client, "schools", workbook(SCHOOL_HEADERS, SCHOOLS))
    assert preview.context["token"]
    # Between preview and confirmation someone else takes the third school's name.
    services.organisation_ensure(
        city=lz_bureau().city,
        kind=OrganisationKind.SCHOOL,
        code="taken",
        name="鹿寨县职业教育中心",
        parent=demo.org("luzhai"),
        school_stages=["vocational"],
    )
    response = confirm(client, preview)
    assert response.status_code == 400
    assert not response.context["outcome"].saved
    assert not Organisation.objects.filter(code__in=["liucheng-sx2", "lz2z", "luzhai-zj"]).exists()


# --- saving ----------------------------------------------------------------------------------


def test_counties_then_schools_land_in_the_right_place_through_the_services(
    demo, client_for, monkeypatch, media
):
    calls = []
    real = services.organisation_ensure

    def spy(**kwargs):
        calls.append(kwargs["code"])
        return real(**kwargs)

    monkeypatch.setattr(services, "organisation_ensure", spy)
    client = client_for("lz_city")
    counties = [["柳州新区", "xinqu"], ["柳城县", "liucheng"]]  # a new one and an update
    preview = upload(client, "counties", workbook(COUNTY_HEADERS, counties))
    assert [r.action for r in preview.context["outcome"].rows] == ["new", "update"]
    response = confirm(client, preview)
    assert response.status_code == 302
    xinqu = Organisation.objects.get(city__code="liuzhou", code="xinqu")
    assert xinqu.kind == OrganisationKind.COUNTY_BUREAU and xinqu.parent == lz_bureau()

    schools = [*SCHOOLS, ["柳州新区实验学校", "xinqu-sy", "xinqu", "小学，初中"]]
    preview = upload(client, "schools", workbook(SCHOOL_HEADERS, schools))
    assert preview.context["outcome"].is_valid
    response = confirm(client, preview)
    assert response.status_code == 302
    found = {o.code: o for o in Organisation.objects.filter(city__code="liuzhou")}
    assert found["liucheng-sx2"].county == demo.org("liucheng")
    assert found["liucheng-sx2"].school_stages == ["primary"]
    assert found["lz2z"].is_bureau_affiliated and found["lz2z"].parent == lz_bureau()
    assert found["lz2z"].school_stages == ["junior", "senior"]
    assert found["luzhai-zj"].school_stages == ["vocational", "kindergarten"]
    assert found["xinqu-sy"].county == xinqu
    # Each row was written by the service, once (the dry runs rolled theirs back).
    assert calls.count("lz2z") == 2  # preview + confirmation
    assert not list((media / "imports").rglob("*.xlsx"))  # the upload is gone once imported


def test_teachers_get_an_account_without_password_and_the_teacher_role(demo, client_for):
    client = client_for("lz_city")
    rows = [
        ["t_li", "李老师", "13800000001", "li@example.org", "liucheng-sx"],
        ["t_wang", "王老师", 13800000002, "", "lzgz"],  # a phone typed as a number
        ["lz_teacher", "韦丽华", "", "", "liucheng-zx"],  # existing account of this city
    ]
    preview = upload(client, "teachers", workbook(TEACHER_HEADERS, rows))
    outcome = preview.context["outcome"]
    assert outcome.is_valid, outcome.errors
    assert [r.action for r in outcome.rows] == ["new", "new", "update"]
    assert "password" in preview.content.decode().lower() or "密码" in preview.content.decode()
    assert confirm(client, preview).status_code == 302
    li = User.objects.get(username="t_li")
    assert li.full_name == "李老师" and li.email == "li@example.org" and li.phone == "13800000001"
    assert not li.has_usable_password()
    assert User.objects.get(username="t_wang").phone == "13800000002"
    assert RoleAssignment.objects.filter(
        user=li, role=Role.TEACHER, organisation=demo.org("liucheng-sx")
    ).exists()
    assert RoleAssignment.objects.filter(
        user__username="lz_teacher", role=Role.TEACHER, organisation=demo.org("liucheng-zx")
    ).exists()
    assert AuditEntry.objects.filter(
        verb="accounts.role.assigned", actor=demo.user("lz_city"), object_repr__contains="李老师"
    ).exists()


def test_teacher_rows_are_checked(demo, client_for):
    client = client_for("lz_city")
    rows = [
        ["", "无名", "", "", "liucheng-sx"],
        ["t_a", "甲", "abc", "not-an-email", "zengdu-sx"],  # a Suizhou school
        ["t_b", "乙", "", "", "liucheng-sx"],
        ["t_b", "乙", "", "", "liucheng-sx"],  # twice
        ["sz_teacher", "王芳", "", "", "liucheng-sx"],  # someone of another city
    ]
    outcome = upload(client, "teachers", workbook(TEACHER_HEADERS, rows)).context["outcome"]
    by_row = {row.number: " ".join(row.errors) for row in outcome.rows}
    assert "用户名" in by_row[2]
    assert "手机号" in by_row[3] and "电子邮箱" in by_row[3] and "zengdu-sx" in by_row[3]
    assert by_row[4] == ""
    assert "用户名" in by_row[5] and "4" in by_row[5]
    assert "用户名" in by_row[6]
    assert not User.objects.filter(username__in=["t_a", "t_b"]).exists()
    assert not RoleAssignment.objects.filter(
        user__username="sz_teacher", organisation__city__code="liuzhou"
    ).exists()


# --- scope and permissions -------------------------------------------------------------------


def test_another_citys_bureau_cannot_import_into_this_one(demo, client_for):
    client = client_for("sz_city")
    response = upload(
        client, "schools", workbook(SCHOOL_HEADERS, SCHOOLS), bureau=str(lz_bureau().pk)
    )
    assert response.status_code == 400
    assert "bureau" in response.context["form"].errors
    # Without choosing, Suizhou's bureau imports into Suizhou: Liuzhou's county codes are unknown.
    outcome = upload(client, "schools", workbook(SCHOOL_HEADERS, SCHOOLS[:1])).context["outcome"]
    assert not outcome.is_valid and "liucheng" in outcome.errors[0]
    teachers = [["t_x", "某老师", "", "", "liucheng-sx"]]
    outcome = upload(client, "teachers", workbook(TEACHER_HEADERS, teachers)).context["outcome"]
    assert not outcome.is_valid
    assert not Organisation.objects.filter(city__code="suizhou", code="liucheng-sx2").exists()


def test_a_preview_token_is_tied_to_its_user(demo, client, client_for):
    preview = upload(client_for("lz_city"), "counties", workbook(COUNTY_HEADERS, [["新区", "xq"]]))
    token = preview.context["token"]
    client.force_login(demo.user("sz_city"))
    response = client.post(reverse("funding:data_import"), {"token": token}, follow=True)
    assert response.redirect_chain and not Organisation.objects.filter(code="xq").exists()
    client.force_login(demo.user("lz_city"))
    response = client.post(reverse("funding:data_import"), {"token": token + "x"})
    assert response.status_code == 302 and not Organisation.objects.filter(code="xq").exists()


@pytest.mark.parametrize("username", ["lz_auditor", "lz_county", "lz_teacher", "lz_ce"])
def test_only_the_municipal_administrator_imports(demo, client_for, username):
    client = client_for(username)
    assert client.get(reverse("funding:data_import")).status_code == 403
    assert client.get(reverse("funding:import_template", args=["schools"])).status_code == 403
    response = upload(client, "counties", workbook(COUNTY_HEADERS, [["新区", "xq"]]))
    assert response.status_code == 403
    assert not Organisation.objects.filter(code="xq").exists()


def test_anonymous_visitors_are_sent_to_log_in(demo, client):
    response = client.get(reverse("funding:data_import"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_fake_xlsx_is_refused(demo, client_for):
    client = client_for("lz_city")
    fake = SimpleUploadedFile("schools.xlsx", b"name,code\nx,y\n", content_type=XLSX)
    response = upload(client, "schools", fake)
    assert response.status_code == 400 and "file" in response.context["form"].errors
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # starts like an xlsx, is not one
        archive.writestr("hello.txt", "hi")
    zipped = SimpleUploadedFile("schools.xlsx", buffer.getvalue(), content_type=XLSX)
    response = upload(client, "schools", zipped)
    assert response.status_code == 400 and "file" in response.context["form"].errors
    csv = SimpleUploadedFile("schools.csv", b"a,b\n", content_type="text/csv")
    assert upload(client, "schools", csv).status_code == 400


def test_missing_columns_are_named(demo, client_for):
    client = client_for("lz_city")
    response = upload(client, "schools", workbook(["学校名称", "学校代码"], [["某校", "x"]]))
    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert "所属区县代码" in error and "学段" in error


# --- the page and the templates --------------------------------------------------------------


def test_page_and_empty_templates(demo, client_for):
    client = client_for("lz_city")
    page = client.get(reverse("funding:data_import"))
    assert page.status_code == 200
    assert 'data-testid="password-note"' in page.content.decode()
    for kind, resource in IMPORT_RESOURCES.items():
        response = client.get(reverse("funding:import_template", args=[kind]))
        assert_served(response, XLSX)
        book = load_workbook(io.BytesIO(response.content))
        headers = [cell.value for cell in book.worksheets[0][1]]
        assert headers == resource.column_names()
        # The empty template itself reads as a file with no rows.
        with pytest.raises(Exception, match="."):
            read_workbook(response.content, columns=headers)
    assert client.get("/imports/template/nothing.xlsx").status_code == 404


def test_school_stages_are_read_in_words_or_codes():
    assert parse_school_stages("小学、初中") == ["primary", "junior"]
    assert parse_school_stages("高中, 中职，幼儿园") == ["senior", "vocational", "kindergarten"]
    assert parse_school_stages("primary;primary") == ["primary"]
    with pytest.raises(ValueError, match="大学"):
        parse_school_stages("小学、大学")


STAFF_HEADERS = ["用户名", "姓名", "手机号", "电子邮箱", "单位代码", "角色"]


def test_a_bureau_appoints_its_reviewers_and_experts_from_a_sheet(demo, client_for):
    """A new city sets up its review chain itself: school administrators, county reviewers
    and experts come from one sheet, each with the role and the organisation they act for."""
    client = client_for("lz_city")
    rows = [
        ["lcsx_head", "覃校长", "", "qin@x.cn", "liucheng-sx", "学校管理员"],
        ["lc_review", "韦科长", "", "", "liucheng", "县区审核员"],
        ["panel_1", "黄教授", "", "huang@x.cn", "", "评审专家"],
    ]
    preview = upload(client, "staff", workbook(STAFF_HEADERS, rows))
    assert preview.status_code == 200 and preview.context["token"]
    assert not User.objects.filter(username="panel_1").exists()
    confirm(client, preview)
    assignments = {
        (a.user.username, a.role, a.organisation.code)
        for a in RoleAssignment.objects.filter(
            user__username__in=["lcsx_head", "lc_review", "panel_1"]
        ).select_related("user", "organisation")
    }
    assert assignments == {
        ("lcsx_head", Role.SCHOOL_ADMIN, "liucheng-sx"),
        ("lc_review", Role.COUNTY_REVIEWER, "liucheng"),
        ("panel_1", Role.EXPERT, lz_bureau().code),
    }
    assert not User.objects.get(username="panel_1").has_usable_password()


def test_staff_rows_that_do_not_fit_are_named_and_nothing_is_saved(demo, client_for):
    client = client_for("lz_city")
    rows = [
        ["a1", "甲", "", "", "liucheng-sx", "县区审核员"],  # a county role at a school
        ["a2", "乙", "", "", "no-such", "学校管理员"],  # unknown organisation
        ["a3", "丙", "", "", "", "校长"],  # not a role the sheet appoints
    ]
    response = upload(client, "staff", workbook(STAFF_HEADERS, rows))
    outcome = response.context["outcome"]
    assert [row.number for row in outcome.rows if not row.is_valid] == [2, 3, 4]
    assert response.context["token"] == ""
    assert not User.objects.filter(username__in=["a1", "a2", "a3"]).exists()
