"""Shareable pages on a phone (390 px): a visitor finds a studio in the directory, opens its
public page (with the tags a link preview reads) and checks its plaque; a member makes a
calendar address from the account menu, a calendar app (a plain HTTP client, no session) reads
it, the member makes a new one and revokes it. No page is wider than the screen."""

import os
import urllib.error
import urllib.request

from icalendar import Calendar
from playwright.sync_api import expect

WIDTH = 390
SHOTS = os.environ.get("MINGSHI_SCREENSHOTS")


def _fits(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/public-{name}-{WIDTH}.png", full_page=True)


def _fetch(url: str) -> tuple[int, bytes]:
    """What a calendar app gets: no cookie, no login."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""


def test_a_visitor_finds_a_studio_opens_its_page_and_checks_its_plaque(phone, demo_site, settings):
    settings.MINGSHI_BASE_URL = demo_site.url
    page = phone()
    page.goto(f"{demo_site.url}/studios/")
    _fits(page, "directory")
    card = page.get_by_test_id("studio-cards").locator("li").first
    name = card.locator("h2").inner_text()
    card.locator("h2 a").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert page.title().startswith(name)
    assert page.locator('meta[property="og:title"]').get_attribute("content") == name
    assert page.locator('meta[property="og:url"]').get_attribute("content") == page.url
    _fits(page, "studio")

    page.get_by_role("link", name="核验牌匾").click()
    expect(page.get_by_test_id("plaque-result")).to_contain_text("牌匾真实有效")
    expect(page.get_by_test_id("plaque-result")).to_contain_text(name)
    _fits(page, "plaque")


def test_a_member_makes_a_calendar_address_renews_it_and_revokes_it(phone, demo_site, settings):
    settings.MINGSHI_BASE_URL = demo_site.url
    url = demo_site.url
    page = phone()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "lz_member")
    page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.locator("details.dropdown summary").click()
    page.get_by_role("link", name="日历订阅").click()
    expect(page.get_by_test_id("calendar-feed-state")).to_contain_text("还没有")
    page.get_by_role("button", name="生成我的日历订阅地址").click()
    deadlines = page.get_by_test_id("deadline-feed").input_value()
    activities = page.get_by_test_id("activity-feed").first.input_value()
    _fits(page, "calendar")

    status, body = _fetch(activities)
    assert status == 200
    assert Calendar.from_ical(body).walk("VEVENT"), "the studio's activities are in the feed"
    assert _fetch(deadlines)[0] == 200

    page.goto(f"{url}/calendar/")
    expect(page.get_by_test_id("calendar-feed-state")).to_contain_text("不再显示")
    page.get_by_role("button", name="重新生成地址").click()
    renewed = page.get_by_test_id("deadline-feed").input_value()
    assert renewed != deadlines
    assert _fetch(deadlines)[0] == 404 and _fetch(renewed)[0] == 200

    page.get_by_role("button", name="作废地址").click()
    expect(page.get_by_text("日历订阅地址已作废")).to_be_visible()
    assert _fetch(renewed)[0] == 404
