"""Logging in safely, in Chromium: no page breaks its own Content-Security-Policy, a staff
account sets up its authenticator app at first login and then needs it, a recovery code
stands in once, and five wrong passwords lock the account with a clear message."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from .conftest import accept_dialogs

# Records every CSP violation on the page, before any of the page's own code runs.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("lz_city", ["/", "/funding/", "/calls/new/", "/compliance/", "/review/", "/audit/"]),
        ("lz_teacher", ["/", "/calls/", "/security/", "/security/authenticator/"]),
        ("admin", ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"]),
    ],
)
def test_pages_run_without_breaking_their_policy(browser, demo_site, settings, username, paths):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.add_init_script(LISTEN)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{demo_site.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{demo_site.url}/")
    for path in paths:
        page.goto(f"{demo_site.url}{path}")
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], (path, violations(page))
    if username == "lz_city":  # the dashboard's charts were drawn by Chart.js
        page.goto(f"{demo_site.url}/funding/")
        assert page.locator("canvas").count() >= 1
    assert console == []
    context.close()


def current_code(secret: str, later: int = 0) -> str:
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key)
    totp.drift = later
    return f"{totp.token():06d}"


def password_step(page, url, username, password):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def test_a_county_reviewer_sets_up_the_app_at_first_login_and_then_needs_it(
    page, demo_site, settings
):
    settings.MINGSHI_OTP_REQUIRED = True
    url, password = demo_site.url, settings.MINGSHI_DEMO_PASSWORD
    password_step(page, url, "lz_county", password)
    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    secret = page.locator("[data-testid=secret]").inner_text()
    # Elsewhere in the product, nothing yet: straight back to the set-up.
    page.goto(f"{url}/review/")
    expect(page).to_have_url(re.compile(r"/security/authenticator/"))
    page.fill("#id_token", current_code(secret))
    page.get_by_role("button", name="确认").click()
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="我已保存，继续").click()
    expect(page).to_have_url(re.compile(r"/review/$"))

    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出登录").click()
    password_step(page, url, "lz_county", password)
    expect(page.get_by_role("heading", name="登录第二步")).to_be_visible()
    page.fill("#id_token", codes[0])
    page.get_by_role("button", name="继续").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_role("status").first).to_contain_text("恢复码")


def test_five_wrong_passwords_lock_the_login_with_a_clear_message(page, demo_site, settings):
    for _ in range(5):
        password_step(page, demo_site.url, "lz_city", "wrong-password")
    expect(page.get_by_test_id("lockout")).to_contain_text("锁定30 分钟")
    password_step(page, demo_site.url, "lz_city", settings.MINGSHI_DEMO_PASSWORD)
    expect(page.get_by_test_id("lockout")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))


def _log_out(page):
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出登录").click()


def _link(pattern: str) -> str:
    from django.core import mail

    found = re.search(pattern, mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_a_school_brings_its_teachers_in_on_a_phone(browser, demo_site, settings):
    """The school's administrator invites one teacher by e-mail and prints a code for another
    (390 px wide, as on a phone); each sets their own password; one later forgets it."""
    from accounts import services
    from accounts.models import Organisation

    school = Organisation.objects.get(code="liucheng-sx", city__code="liuzhou")
    for username, email in (("t_mail", "t_mail@example.org"), ("t_paper", "")):
        person = services.user_ensure(
            username=username, full_name=f"{username}老师", email=email, must_change_password=True
        )
        services.role_assign(actor=None, user=person, role="teacher", organisation=school)
    url, chosen = demo_site.url, "Qiu-shui-2024-chang"
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = accept_dialogs(context.new_page())
    password_step(page, url, "lz_school", settings.MINGSHI_DEMO_PASSWORD)
    page.goto(f"{url}/organisations/{school.pk}/")
    page.get_by_role("button", name="人员与账号").click()
    expect(page.get_by_role("heading", name="人员与账号")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    row = page.get_by_test_id("person-t_mail")
    row.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_role("status").first).to_contain_text("已向 1 人发出邀请")
    page.get_by_role("button", name=re.compile("邀请这些人员")).click()  # replaces the first
    expect(page.get_by_test_id("person-t_mail")).to_contain_text("已邀请")
    with page.expect_download() as download:
        page.get_by_role("button", name="激活码下载为 PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("button", name=re.compile("打印激活码（")).click()  # replaces the PDF's
    sheet = page.get_by_test_id("code-sheet")
    expect(sheet).to_contain_text("t_paper")
    code = sheet.get_by_test_id("code").inner_text()
    invitation_path = _link(r"https?://[^/\s]+(/invitation/[^/\s]+/)")
    _log_out(page)

    # The invited teacher opens the link and chooses a password: logged in, nothing forced.
    page.goto(f"{url}{invitation_path}")
    page.fill("#id_new_password1", chosen)
    page.fill("#id_new_password2", chosen)
    page.get_by_role("button", name="设置密码").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_role("status").first).to_contain_text("密码已设置")
    _log_out(page)
    page.goto(f"{url}{invitation_path}")  # a second time: said in words
    expect(page.get_by_test_id("invitation-problem")).to_contain_text("已经使用过")

    # The other teacher types the code from the sheet.
    page.goto(f"{url}/login/")
    page.get_by_role("link", name="我有激活码").click()
    page.fill("#id_username", "t_paper")
    page.fill("#id_code", code)
    page.fill("#id_new_password1", chosen)
    page.fill("#id_new_password2", chosen)
    page.get_by_role("button", name="激活并登录").click()
    expect(page).to_have_url(f"{url}/")
    _log_out(page)

    # Forgot password: a link by e-mail, then the login page as usual.
    page.goto(f"{url}/login/")
    page.get_by_role("link", name="忘记密码？").click()
    page.fill("#id_email", "t_mail@example.org")
    page.get_by_role("button", name="发送链接").click()
    expect(page.get_by_test_id("reset-sent")).to_be_visible()
    reset_path = _link(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)")
    page.goto(f"{url}{reset_path}")
    page.fill("#id_new_password1", "Chun-feng-2025-hua")
    page.fill("#id_new_password2", "Chun-feng-2025-hua")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()
    password_step(page, url, "t_mail", "Chun-feng-2025-hua")
    expect(page).to_have_url(f"{url}/")
    context.close()
