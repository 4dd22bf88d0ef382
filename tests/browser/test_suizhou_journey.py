"""Suizhou in a real browser: the form, the chain, experts, the public notice with an
objection from someone without an account, its resolution, publication and the plaque."""

from playwright.sync_api import expect

from applications.models import Application, ApplicationStatus, Objection
from studios.models import Studio
from tests.applications.factories import open_call

from .journey import (
    approve_in_queue,
    assign_and_score,
    fill_host_block,
    fill_member_rows,
    open_the_form,
    select,
)


def test_suizhou_journey_with_an_objection_during_the_notice(
    demo_site, as_user, browser, clock, tmp_path
):
    base = demo_site.url
    call = open_call("suizhou", studio_count=1, notice_days=5)

    page = as_user("sz_teacher")
    open_the_form(page, base, call.pk)
    fill_host_block(page, tmp_path, name="王芳")
    for _ in range(7):
        page.click("[data-add-row=members]")
    fill_member_rows(page, 0, 7)
    page.click("button[name=submit]")
    page.wait_for_url(f"{base}/applications/*/")
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.AT_SCHOOL

    for username in ("sz_school", "sz_county", "sz_city"):
        approve_in_queue(as_user(username), base, "王芳", "同意推荐。")
    bureau = as_user("sz_city")
    assign_and_score(bureau, as_user("sz_expert"), base, call.pk, application.pk)
    select(bureau, base, call.pk, application.pk)

    # The notice starts after the call has closed; anyone may object, without an account.
    clock.day = clock.day.replace(month=8, day=10)
    bureau.goto(f"{base}/calls/{call.pk}/notice/")
    bureau.locator("button[name=action][value=start]").click()
    visitor_context = browser.new_context(locale="zh-CN")
    visitor = visitor_context.new_page()
    visitor.goto(f"{base}/notice/{call.pk}/")
    expect(visitor.get_by_text("王芳")).to_be_visible()
    visitor.locator(f"a[href$='/object/{application.pk}/']").click()
    visitor.fill("#id_name", "李先生")
    visitor.fill("#id_contact", "13900001111")
    visitor.fill("#id_text", "对其班主任工作年限有疑问。")
    visitor.locator("main form button[type=submit]").click()
    objection = Objection.objects.get(application=application)

    # Publication waits for the objection and for the end of the notice.
    bureau.goto(f"{base}/calls/{call.pk}/notice/")
    expect(bureau.locator(f"form[action$='/calls/{call.pk}/publish/'] button")).to_be_disabled()
    bureau.locator("input[name=decision][value=dismissed]").check(force=True)
    bureau.fill("textarea[name=resolution]", "经核实，年限证明材料齐全，异议不成立。")
    bureau.locator("form:has(input[value=resolve]) button[type=submit]").click()
    objection.refresh_from_db()
    assert objection.state == Objection.State.DISMISSED
    clock.day = clock.day.replace(day=15)
    bureau.goto(f"{base}/calls/{call.pk}/notice/")
    bureau.locator(f"form[action$='/calls/{call.pk}/publish/'] button").click()
    studio = Studio.objects.get(application=application)
    assert studio.name == "随州市王芳名班主任工作室"

    visitor.goto(f"{base}/results/{call.pk}/")
    expect(visitor.get_by_text(studio.plaque_number)).to_be_visible()
    teacher = as_user("sz_teacher")
    certificate = teacher.request.get(f"{base}/studios/{studio.pk}/certificate.pdf")
    assert certificate.ok and certificate.headers["content-type"] == "application/pdf"
    assert certificate.body().startswith(b"%PDF")
