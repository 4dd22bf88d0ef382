"""A third city sets itself up with nobody's help: its administrator writes the city's rules
and its application form in the browser (a four-year term, a tier of shadow trainees the
seeds lack, quotas of its own), imports its counties, schools, reviewers and teachers,
invites them, and opens a call; a teacher accepts the invitation, fills the city's form and
downloads it as Word; the school approves with its stamped scan; the county and the bureau
pass it on; an expert scores; the bureau selects and publishes. No shell, no preset."""

import io
import re

from django.core import mail
from openpyxl import Workbook
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import OrganisationKind, Role
from applications.models import Application, ApplicationStatus, Call
from policies.models import Policy
from studios.models import Studio
from tests.applications.factories import PNG

from .conftest import accept_dialogs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADMIN_PASSWORD = "Xin-cheng-2026-shi"
CHOSEN = "Chun-feng-2026-hua"


def _sheet(headers, *rows) -> bytes:
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(page, base, kind, content) -> None:
    page.goto(f"{base}/imports/")
    page.check(f"input[name=kind][value={kind}]")
    page.set_input_files(
        "#id_file", files=[{"name": f"{kind}.xlsx", "mimeType": XLSX, "buffer": content}]
    )
    page.locator("main form button[type=submit]").click()
    page.locator("[data-testid='confirm-import']").click()
    expect(page.locator(".ms-messages")).to_contain_text("导入")


def _context(browser, base):
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = accept_dialogs(context.new_page())
    page.set_default_timeout(20_000)
    return page


def _log_in(browser, base, username, password):
    page = _context(browser, base)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base}/")
    return page


def _accept_invitation(browser, base, email):
    """The person opens the link their invitation mail carries and chooses a password."""
    links = [
        re.search(r"https?://[^/\s]+(/invitation/[^/\s]+/)", m.body)
        for m in mail.outbox
        if email in m.to
    ]
    path = [link for link in links if link][-1].group(1)
    page = _context(browser, base)
    page.goto(f"{base}{path}")
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    page.get_by_role("button", name="设置密码").click()
    expect(page).to_have_url(f"{base}/")
    return page


def _write_rules(page, base) -> Policy:
    page.goto(f"{base}/policies/new/")
    page.locator("input[value=blank]").check()
    page.get_by_role("button", name="继续").click()
    page.fill("#id_code", "shifan-2026")
    page.fill("#id_name", "示范市名班主任工作室（2026）")
    page.fill("#id_source_document", "示范市教育局《名班主任工作室管理办法》")
    page.locator("input[name=school_stages][value=primary]").check()
    page.fill("#id_term_years", "4")
    page.fill("#id_term_years__source", "第五条")
    page.fill("#id_planned_studio_count", "5")
    page.locator("input[name=annual_assessor][value=municipal_bureau]").check()
    page.locator("input[name=annual_assessment_scale][value=pass_fail]").check()
    # The team: the host (already a row), 4 to 6 members and up to 3 shadow trainees.
    page.select_option("#id_team-1-role", "member")
    page.fill("#id_team-1-min_count", "4")
    page.fill("#id_team-1-max_count", "6")
    page.get_by_role("button", name="添加角色").click()
    page.select_option("#id_team-2-role", "shadow")
    page.fill("#id_team-2-label", "跟岗研修教师")
    page.fill("#id_team-2-max_count", "3")
    # A quota of its own: two online salons a semester.
    page.fill("#id_quotas-0-code", "salon")
    page.fill("#id_quotas-0-name", "网络研修沙龙")
    page.locator("input[name=quotas-0-kinds][value=online_salon]").check()
    page.fill("#id_quotas-0-min_count", "2")
    page.select_option("#id_quotas-0-period", "semester")
    page.fill("#id_categories-0-code", "activities")
    page.fill("#id_categories-0-name", "活动经费")
    page.select_option("#id_indicators-0-scope", "term")
    page.fill("#id_indicators-0-code", "results")
    page.fill("#id_indicators-0-name", "任期成果")
    page.fill("#id_indicators-0-max_points", "100")
    page.get_by_role("button", name="保存规则").click()
    expect(page.get_by_role("heading", name="示范市名班主任工作室（2026）")).to_be_visible()
    expect(page.get_by_text("依据：第五条")).to_be_visible()
    policy = Policy.objects.get(code="shifan-2026")
    assert policy.term_years == 4 and policy.team_rules.filter(role="shadow").exists()

    # Its application form: the built-in one plus a table for the shadow trainees.
    page.get_by_role("button", name="编辑申报表").click()
    page.fill("#id_title", "示范市名班主任工作室申报表")
    page.get_by_role("button", name="添加表格").click()
    last = page.locator("[data-formset=form_tables] tr[data-row]:not([hidden])").count() - 1
    page.select_option(f"#id_form_tables-{last}-role", "shadow")
    page.fill(f"#id_form_tables-{last}-title", "跟岗研修教师基本情况")
    page.fill(f"#id_form_tables-{last}-columns", "name=姓名\nwork_unit=所在单位\nx_period=研修时段")
    page.fill(f"#id_form_tables-{last}-max_rows", "3")
    page.get_by_role("button", name="保存申报表").click()
    expect(page.get_by_text("申报表已保存")).to_be_visible()
    policy.refresh_from_db()
    assert [t["role"] for t in policy.application_form["tables"]][-1] == "shadow"
    return policy


def _open_call(page, base, policy) -> Call:
    page.goto(f"{base}/calls/new/")
    page.select_option("#id_policy", str(policy.pk))
    page.fill("#id_title", "示范市首批名班主任工作室申报")
    page.fill("#id_studio_count", "1")
    page.fill("#id_opens_on", "2026-03-01")
    page.fill("#id_closes_on", "2026-03-31")
    page.locator("input[name=school_stages][value=primary]").check()
    page.locator("input[name=score_aggregation]").first.check()
    page.fill("#id_criteria-0-name", "班主任工作业绩")
    page.fill("#id_criteria-0-max_score", "100")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/calls/*/")
    call = Call.objects.get(title="示范市首批名班主任工作室申报")
    assert call.policy_id == policy.pk
    page.locator(f"form[action$='/calls/{call.pk}/open/'] button").click()
    expect(page.locator(".ms-messages")).to_be_visible()
    return call


def _fill_the_form(page, base, call, tmp_path) -> Application:
    page.goto(f"{base}/calls/{call.pk}/")
    page.locator("form[action$='/apply/'] button").click()
    page.wait_for_url("**/edit/")
    expect(page.get_by_role("heading", name="跟岗研修教师基本情况")).to_be_visible()
    page.fill("#id_host_name", "周晓燕")
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_month", "1982-04")
    page.select_option("#id_party_member", "true")
    page.fill("#id_professional_title", "高级教师")
    page.fill("#id_post", "德育主任")
    page.fill("#id_head_teacher_years", "12")
    page.fill("#id_research_direction", "班级文化")
    page.fill("#id_phone", "13900001234")
    page.fill("#id_work_unit", "东城区实验小学")
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_photo", str(photo))
    for i in range(4):
        page.click("[data-add-row=members]")
        page.fill(f"#id_members-{i}-name", f"成员{i + 1}")
    page.click("[data-add-row=shadows]")
    page.fill("#id_shadows-0-name", "小李")
    page.fill("#id_shadows-0-x_period", "2026年春季学期")
    page.fill("#id_achievements", "近五年获市级优秀班主任称号。")
    page.fill("#id_plan", "指导思想：立德树人。")
    page.click("button[name=save]")
    expect(page.locator(".ms-messages")).to_contain_text("草稿已保存")
    # The city's form as Word, and read back into the draft (what a teacher who typed the
    # form in Word does): the draft keeps every table, the shadow trainees' too.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载Word版").click()
    assert download.value.suggested_filename.endswith(".docx")
    word = tmp_path / "form.docx"
    download.value.save_as(word)
    page.set_input_files("#id_docx_file", str(word))
    page.get_by_role("button", name="读入Word文件").click()
    expect(page.locator(".ms-messages")).to_contain_text("已读入")
    page.click("button[name=submit]")
    page.wait_for_url(f"{base}/applications/*/")
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.AT_SCHOOL
    assert application.team.get(role="shadow").extra == {"x_period": "2026年春季学期"}
    assert application.team.filter(role="member").count() == 4
    return application


def test_a_new_bureau_sets_itself_up_and_runs_a_cycle(
    browser, live_server, transactional_db, clock, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MINGSHI_BASE_URL = live_server.url
    clock.day = clock.day.replace(year=2026, month=3, day=2)
    base = live_server.url
    # What the platform's operator does once: the city, its bureau and its first administrator.
    city = account_services.city_ensure(code="shifan", name="示范市")
    bureau = account_services.organisation_ensure(
        city=city, kind=OrganisationKind.MUNICIPAL_BUREAU, code="sfjyj", name="示范市教育局"
    )
    admin = account_services.user_ensure(
        username="sf_city", full_name="赵主任", password=ADMIN_PASSWORD
    )
    account_services.role_assign(
        actor=None, user=admin, role=Role.MUNICIPAL_ADMIN, organisation=bureau
    )

    city_page = _log_in(browser, base, "sf_city", ADMIN_PASSWORD)
    policy = _write_rules(city_page, base)
    _import(city_page, base, "counties", _sheet(["区县名称", "区县代码"], ["东城区", "dongcheng"]))
    _import(
        city_page,
        base,
        "schools",
        _sheet(
            ["学校名称", "学校代码", "所属区县代码", "学段"],
            ["东城区实验小学", "dc-sx", "dongcheng", "小学"],
        ),
    )
    staff = [
        ["dc_head", "钱校长", "", "head@dc.cn", "dc-sx", "学校管理员"],
        ["dc_review", "孙科长", "", "review@dc.cn", "dongcheng", "县区审核员"],
        ["sf_expert", "李教授", "", "expert@sf.cn", "", "评审专家"],
    ]
    _import(
        city_page,
        base,
        "staff",
        _sheet(["用户名", "姓名", "手机号", "电子邮箱", "单位代码", "角色"], *staff),
    )
    city_page.get_by_role("button", name=re.compile("邀请这些人员")).click()
    _import(
        city_page,
        base,
        "teachers",
        _sheet(
            ["用户名", "姓名", "手机号", "电子邮箱", "学校代码"],
            ["dc_teacher", "周晓燕", "", "zhou@dc.cn", "dc-sx"],
        ),
    )
    city_page.get_by_role("button", name=re.compile("邀请这些人员")).click()
    invited = {m.to[0] for m in mail.outbox if "/invitation/" in m.body}
    assert invited == {"head@dc.cn", "review@dc.cn", "expert@sf.cn", "zhou@dc.cn"}
    call = _open_call(city_page, base, policy)

    teacher = _accept_invitation(browser, base, "zhou@dc.cn")
    application = _fill_the_form(teacher, base, call, tmp_path)

    # The school approves with its stamped page; the county sees the scan and passes it on.
    school = _accept_invitation(browser, base, "head@dc.cn")
    school.goto(f"{base}/applications/{application.pk}/")
    school.fill("#id_opinion", "同意推荐。")
    scan = tmp_path / "stamped.png"
    scan.write_bytes(PNG)
    school.set_input_files("#id_stamped_scan", str(scan))
    school.click("button[name=decision][value=approve]")
    expect(school.locator(".ms-messages")).to_be_visible()
    county = _accept_invitation(browser, base, "review@dc.cn")
    county.goto(f"{base}/applications/{application.pk}/")
    expect(county.get_by_role("link", name="盖章扫描件")).to_be_visible()
    county.fill("#id_opinion", "同意上报。")
    county.click("button[name=decision][value=approve]")
    expect(county.locator(".ms-messages")).to_be_visible()
    city_page.goto(f"{base}/applications/{application.pk}/")
    city_page.fill("#id_opinion", "进入专家评审。")
    city_page.click("button[name=decision][value=approve]")
    expect(city_page.locator(".ms-messages")).to_be_visible()

    # After the deadline: experts, selection, publication (this city has no public notice).
    clock.day = clock.day.replace(month=4, day=2)
    expert = _accept_invitation(browser, base, "expert@sf.cn")
    city_page.goto(f"{base}/calls/{call.pk}/")
    city_page.locator(f"form[action$='/calls/{call.pk}/close/'] button").click()
    city_page.goto(f"{base}/calls/{call.pk}/experts/")
    city_page.locator("input[name=experts]").first.check(force=True)
    city_page.locator(f"input[name=applications][value='{application.pk}']").check(force=True)
    city_page.locator("#assign-form button[type=submit]").click()
    expert.goto(f"{base}/experts/")
    expert.locator("a[href*='/experts/assignments/']").first.click()
    for field in expert.locator("#score-form input[type=number]").all():
        field.fill("88")
    expert.locator("#score-form button[type=submit]").click()
    expect(expert.locator(".ms-messages")).to_be_visible()
    city_page.goto(f"{base}/calls/{call.pk}/ranking/")
    city_page.locator(f"input[name=selected][value='{application.pk}']").check(force=True)
    city_page.locator("#selection-form button[type=submit]").click()
    city_page.goto(f"{base}/calls/{call.pk}/")
    city_page.locator(f"form[action$='/calls/{call.pk}/publish/'] button").click()
    expect(city_page.locator(".ms-messages")).to_be_visible()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.PUBLISHED
    studio = Studio.objects.get(host=application.applicant)
    assert studio.policy_id == policy.pk
    assert studio.term_end.year - studio.term_start.year == 4  # the city's own term
