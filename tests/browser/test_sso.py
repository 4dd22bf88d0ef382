"""Single sign-on in Chromium against the real test provider (tests/sso_provider): Mingshi's
button, the provider's own login page, the redirect back with a code, and Mingshi's pages; a
provider account with no Mingshi account reads why it was refused; the password still works."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import ExternalIdentity
from tests.accounts.factories import CountyFactory, UserFactory, user_with_role
from tests.conftest import SSO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("MINGSHI_SCREENSHOTS")


def sign_in_with_the_provider(page, live_server, username: str, *, width: int = 1280):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/login/")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sso-login-{width}.png", full_page=True)
    page.get_by_test_id("sso-login").click()
    expect(page.locator("h1")).to_have_text("统一身份认证平台")
    page.fill("#id_username", username)
    page.fill("#id_password", SSO_PASSWORD)
    page.click("#provider-login")


def test_a_teacher_signs_in_through_the_provider(page, live_server, sso):
    teacher = UserFactory(username="sso_teacher", full_name="张老师")
    sign_in_with_the_provider(page, live_server, "sso_teacher")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("body")).to_contain_text("张老师")
    assert ExternalIdentity.objects.get(user=teacher).issuer == sso.issuer
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sso-home-1280.png", full_page=True)

    # Signed out and back: the provider remembers the person, Mingshi finds them by sub.
    page.locator("details.dropdown summary").click()
    page.locator("form[action='/logout/'] button").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.get_by_test_id("sso-login").click()
    page.wait_for_url(f"{live_server.url}/")
    assert ExternalIdentity.objects.count() == 1


def test_a_stranger_is_refused_with_a_clear_message_on_a_phone(page, live_server, sso):
    sign_in_with_the_provider(page, live_server, "sso_stranger", width=390)
    page.wait_for_url(f"{live_server.url}/login/")
    message = page.locator(".ms-messages")
    expect(message).to_contain_text("没有名师系统账号")
    expect(message).to_contain_text("sso_stranger")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sso-refused-390.png", full_page=True)


def test_the_password_still_works_beside_it(page, live_server, sso):
    user_with_role("county_reviewer", CountyFactory(), username="sso_staff_pwd")
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_test_id("sso-login")).to_be_visible()
    page.fill("#id_username", "sso_staff_pwd")
    page.fill("#id_password", "pw-for-tests")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
