"""Each demo user logs in through the real form, sees a home page for their role, logs out."""

import pytest
from playwright.sync_api import expect

ROLES = [
    ("lz_teacher", "教师 · 柳城县实验小学"),
    ("lz_county", "县区审核员 · 柳城县"),
    ("lz_city", "市教育局管理员 · 柳州市教育局"),
    ("sz_ce", "继教中心管理员 · 随州市中小学教师（校长）继续教育中心"),
    ("lz_auditor_liucheng", "审计人员 · 柳城县"),
]


@pytest.mark.parametrize(("username", "role_line"), ROLES)
def test_demo_user_logs_in_and_sees_their_role(log_in, demo_site, username, role_line):
    page = log_in(username)
    expect(page.get_by_text(role_line)).to_be_visible()
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("#id_username")).to_be_visible()


def test_wrong_password_says_so_in_chinese_and_keeps_the_username(page, demo_site):
    page.goto(f"{demo_site.url}/login/")
    page.fill("#id_username", "lz_teacher")
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("用户名")
    expect(page.locator("#id_username")).to_have_value("lz_teacher")


def test_switching_to_english_and_back(log_in):
    page = log_in("lz_county")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Your roles")).to_be_visible()
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_text("我的角色")).to_be_visible()


def test_county_reviewer_browses_only_their_county(log_in, demo_site):
    page = log_in("lz_county")
    page.goto(f"{demo_site.url}/organisations/")
    expect(page.get_by_role("link", name="柳城县实验小学")).to_be_visible()
    expect(page.get_by_text("鹿寨县实验小学")).to_have_count(0)


@pytest.mark.parametrize("path", ["/", "/organisations/", "/policies/liuzhou-2024/"])
def test_pages_fit_a_phone_screen(page, log_in, demo_site, path):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in("lz_city")
    page.goto(f"{demo_site.url}{path}")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_teacher_reads_the_inbox_sets_preferences_and_changes_the_password(
    log_in, demo_site, settings
):
    from accounts.models import Notification, User
    from accounts.services import notify

    teacher = User.objects.get(username="lz_teacher")
    notify([teacher], verb="demo.reminder", title="请完善个人信息", body="", url="/")
    page = log_in("lz_teacher")
    page.goto(f"{demo_site.url}/inbox/")
    expect(page.get_by_text("请完善个人信息")).to_be_visible()
    page.locator("form[action$='/inbox/read/'] button").click()
    page.wait_for_load_state("networkidle")
    assert not Notification.objects.filter(recipient=teacher, read_at__isnull=True).exists()

    page.goto(f"{demo_site.url}/preferences/")
    page.locator("input[name=notification_delivery]").last.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ms-messages")).to_be_visible()

    page.goto(f"{demo_site.url}/password/")
    page.fill("#id_old_password", settings.MINGSHI_DEMO_PASSWORD)
    page.fill("#id_new_password1", "Xin-mima-2024!")
    page.fill("#id_new_password2", "Xin-mima-2024!")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/password/done/")
    teacher.refresh_from_db()
    assert teacher.check_password("Xin-mima-2024!")
