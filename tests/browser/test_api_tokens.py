"""A host on a phone (390 px) makes an API token from the account menu for the studio's WeChat
official account, which (a plain HTTP client, no session) logs an activity with it and reads
the studio's activities; the host then revokes it, and the account is refused at once."""

import json
import os
import urllib.error
import urllib.request

from playwright.sync_api import expect

from core import clock

WIDTH = 390
SHOTS = os.environ.get("MINGSHI_SCREENSHOTS")


def _call(url: str, token: str, data: dict | None = None) -> tuple[int, dict]:
    """What the official account's server does: JSON over HTTP with the token, nothing else."""
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


def test_a_host_makes_a_token_an_integration_logs_an_activity_and_the_host_revokes_it(
    phone,
    demo_site,
    settings,
):
    url = demo_site.url
    page = phone()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "lz_p1")
    page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.locator("details.dropdown summary").click()
    page.get_by_role("link", name="接口令牌").click()
    expect(page.get_by_test_id("token-empty")).to_be_visible()
    # Made without a scope: refused with words, nothing made.
    page.get_by_label("名称").fill("工作室公众号")
    page.get_by_role("button", name="生成令牌").click()
    expect(page.get_by_text("请至少选择一项")).to_be_visible()
    page.get_by_label("读取工作室、活动及活动指标完成情况").check()
    page.get_by_label("登记活动（含考勤和佐证材料）").check()
    page.get_by_role("button", name="生成令牌").click()
    token = page.get_by_test_id("token-value").input_value()
    assert token.startswith("ms_")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/api-tokens-{WIDTH}.png", full_page=True)

    status, studios = _call(f"{url}/api/v1/studios/", token)
    assert status == 200 and studios["count"] == 1
    studio = studios["results"][0]["id"]
    status, logged = _call(
        f"{url}/api/v1/studios/{studio}/activities/",
        token,
        {
            "kind": "training",
            "title": "公众号登记的培训",
            "held_on": clock.today().isoformat(),
            "place": "柳州高级中学报告厅",
        },
    )
    assert status == 201, logged
    # The host's pages show what the integration logged.
    page.goto(f"{url}/studios/{studio}/activities/")
    expect(page.get_by_text("公众号登记的培训")).to_be_visible()
    # Outside its scopes: applications are refused.
    assert _call(f"{url}/api/v1/applications/", token)[0] == 403

    page.goto(f"{url}/tokens/")
    expect(page.get_by_test_id("token-list")).to_contain_text("工作室公众号")
    page.get_by_role("button", name="撤销").click()
    expect(page.get_by_text("令牌“工作室公众号”已撤销")).to_be_visible()
    assert _call(f"{url}/api/v1/studios/", token)[0] == 401
