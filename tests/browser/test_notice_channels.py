"""Notice channels on a phone (390 px): the school's administrator adds the school group's
WeCom robot, sends it a test message (a real HTTP peer on 127.0.0.1 answers), changes it and
removes it; a teacher chooses e-mail and SMS per kind of notice, and the next result arrives by
SMS. No page is wider than the screen."""

import os

import pytest
from playwright.sync_api import expect

from tests.accounts.receiver import Receiver

from .conftest import accept_dialogs

WIDTH = 390
SHOTS = os.environ.get("MINGSHI_SCREENSHOTS")


@pytest.fixture
def receiver(settings):
    peer = Receiver()
    settings.MINGSHI_ROBOT_HOSTS = ["127.0.0.1"]
    settings.MINGSHI_SMS_URL = f"{peer.base}/sms/send"
    settings.MINGSHI_SMS_TOKEN = "journey-token"
    yield peer
    peer.stop()


def _phone(browser, url, username, password):
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 844})
    page = accept_dialogs(context.new_page())
    page.set_default_timeout(15_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")
    return context, page


def _fits(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/channels-{name}-{WIDTH}.png", full_page=True)


def test_a_school_adds_tests_and_removes_its_robot_and_a_teacher_chooses_sms(
    browser, demo_site, settings, receiver
):
    url = demo_site.url
    context, page = _phone(browser, url, "lz_school", settings.MINGSHI_DEMO_PASSWORD)
    page.goto(f"{url}/preferences/")
    page.get_by_role("link", name="按通知类别设置电子邮件和短信").click()
    _fits(page, "admin-channels")
    page.get_by_role("link", name="柳城县实验小学的群机器人").click()
    expect(page.get_by_role("heading", name="群机器人", exact=True)).to_be_visible()
    _fits(page, "robots")

    # A wrong address first: said in words beside the field.
    page.get_by_label("群名称").fill("柳城县实验小学班主任群")
    page.get_by_label("Webhook 地址").fill("ftp://127.0.0.1/x")
    page.get_by_role("button", name="添加机器人").click()
    expect(page.get_by_test_id("error-webhook_url")).to_contain_text("https://")
    page.get_by_label("Webhook 地址").fill(receiver.wecom_url("school-key"))
    page.get_by_role("button", name="添加机器人").click()
    expect(page.get_by_role("status").first).to_contain_text("已添加")
    _fits(page, "robot")
    expect(page.get_by_text("school-key")).to_have_count(0)  # the key is not shown back

    page.get_by_role("button", name="发送测试消息").click()
    expect(page.get_by_role("status").first).to_contain_text("测试消息已发送")
    _fits(page, "robot-tested")
    [test_message] = receiver.received
    assert test_message.query == {"key": ["school-key"]}
    assert "测试消息" in test_message.body["markdown"]["content"]

    page.get_by_label("通知公告").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").first).to_contain_text("机器人设置已保存")
    page.get_by_role("button", name="删除机器人").click()  # the dialog is accepted
    expect(page.get_by_role("status").first).to_contain_text("机器人已删除")
    expect(page.get_by_text("还没有群机器人")).to_be_visible()
    context.close()

    # The teacher: SMS for results, and no e-mail about studio activity.
    context, page = _phone(browser, url, "lz_teacher", settings.MINGSHI_DEMO_PASSWORD)
    page.goto(f"{url}/preferences/channels/")
    _fits(page, "teacher")
    page.get_by_label("短信：结果与决定").check()
    page.get_by_label("电子邮件：工作室动态").uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请填写接收短信通知的手机号")).to_be_visible()
    _fits(page, "teacher-refused")
    page.get_by_label("接收短信的手机号").fill("138 0000 5678")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").first).to_contain_text("通知方式已保存")
    context.close()

    from accounts.models import User
    from accounts.services import notify

    teacher = User.objects.get(username="lz_teacher")
    notify([teacher], verb="applications.application.approved", title="学校审核通过", url="/")
    sms = [r for r in receiver.received if r.path == "/sms/send"]
    assert [(r.body["phone"], r.headers["authorization"]) for r in sms] == [
        ("13800005678", "Bearer journey-token")
    ]
    assert sms[0].body["text"].startswith("学校审核通过")
