"""A call's life in the browser, with the buttons the happy path never presses: the bureau
prepares a call, edits it and opens it; a school returns a form and the teacher resubmits;
the school approves in bulk; the bureau grants an extension; the county does not recommend;
the bureau closes the call after its closing date and asks for the packet of forms."""

from datetime import date

from playwright.sync_api import expect

from applications.models import Application, ApplicationStatus, Call, CallStatus
from policies.models import Policy

from .journey import fill_host_block, fill_member_rows, open_the_form


def _prepare_call(bureau, base: str) -> Call:
    bureau.goto(f"{base}/calls/")
    bureau.locator("a[href$='/calls/new/']").first.click()
    bureau.wait_for_url("**/calls/new/")
    bureau.fill("#id_title", "柳州市第二批名班主任工作室申报")
    bureau.fill("#id_document_number", "柳教师〔2024〕9号")
    bureau.fill("#id_studio_count", "2")
    bureau.fill("#id_opens_on", "2024-07-20")
    bureau.fill("#id_closes_on", "2024-08-10")
    policy = Policy.objects.get(pk=bureau.locator("#id_policy").input_value())
    for stage in policy.school_stages:  # the stages its rules cover
        bureau.locator(f"input[name=school_stages][value={stage}]").check()
    bureau.locator("input[name=score_aggregation]").first.check()
    bureau.fill("#id_notice_days", "5")
    bureau.fill("#id_description", "面向全市中小学班主任。")
    bureau.fill("#id_criteria-0-name", "班主任工作业绩")
    bureau.fill("#id_criteria-0-max_score", "100")
    bureau.locator("main form button[type=submit]").last.click()
    bureau.wait_for_url(f"{base}/calls/*/")
    call = Call.objects.get(title="柳州市第二批名班主任工作室申报")
    assert call.status == CallStatus.DRAFT

    # The bureau corrects the title before opening.
    bureau.goto(f"{base}/calls/{call.pk}/edit/")
    bureau.fill("#id_title", "柳州市第二批名班主任工作室遴选")
    bureau.locator("main form button[type=submit]").last.click()
    bureau.wait_for_url(f"{base}/calls/{call.pk}/")
    expect(bureau.locator("h1")).to_contain_text("柳州市第二批名班主任工作室遴选")

    bureau.locator(f"form[action$='/calls/{call.pk}/open/'] button").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    return call


def _apply(page, base: str, call: Call, tmp_path) -> Application:
    open_the_form(page, base, call.pk)
    fill_host_block(page, tmp_path, name="覃晓梅", paired_county="柳城县")
    page.click("[data-add-row=advisors]")
    page.fill("#id_advisors-0-name", "黄教授")
    page.fill("#id_advisors-0-work_unit", "广西师范大学")
    for _ in range(5):
        page.click("[data-add-row=members]")
    fill_member_rows(page, 0, 5)
    page.click("button[name=submit]")
    page.wait_for_url(f"{base}/applications/*/")
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.AT_SCHOOL
    return application


def _decide(page, base: str, application: Application, decision: str, opinion: str) -> None:
    page.goto(f"{base}/applications/{application.pk}/")
    page.fill("#id_opinion", opinion)
    page.click(f"button[name=decision][value={decision}]")
    expect(page.locator(".ms-messages")).to_be_visible()


def test_a_call_prepared_opened_returned_refused_and_closed(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    bureau = as_user("lz_city")
    call = _prepare_call(bureau, base)

    teacher = as_user("lz_teacher")
    application = _apply(teacher, base, call, tmp_path)

    # The school sends it back; the teacher corrects and submits again.
    school = as_user("lz_school")
    _decide(school, base, application, "return", "请补充近三年的班主任工作年限证明。")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    teacher.goto(f"{base}/applications/{application.pk}/edit/")
    teacher.fill("#id_achievements", "近五年获市级优秀班主任称号，已补充年限证明。")
    teacher.click("button[name=submit]")
    teacher.wait_for_url(f"{base}/applications/{application.pk}/")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_SCHOOL

    # The school approves from its queue in bulk, ticking the one row.
    school.goto(f"{base}/review/")
    school.locator(f"input[name=ids][value='{application.pk}']").check()
    school.locator("details:has(#bulk-form) summary").click()
    school.fill("#id_bulk_opinion", "同意推荐。")
    school.locator("#bulk-form button[type=submit]").click()
    expect(school.locator(".ms-messages")).to_be_visible()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_COUNTY

    # The bureau grants a late-submission extension (a later correction may need it).
    bureau.goto(f"{base}/applications/{application.pk}/")
    bureau.locator("details:has(form[action$='/extension/']) summary").click()
    bureau.fill("input[name=until]", "2024-08-20")
    bureau.fill("[name=reason]", "学校公章更换，材料需重新盖章。")
    bureau.locator("form[action$='/extension/'] button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    application.refresh_from_db()
    assert application.extension_until == date(2024, 8, 20)

    # The county does not recommend it.
    _decide(as_user("lz_county"), base, application, "reject", "不符合任班主任满八年的条件。")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED

    # Closing before the closing date is refused with a message; after it, the call closes.
    bureau.goto(f"{base}/calls/{call.pk}/")
    bureau.locator(f"form[action$='/calls/{call.pk}/close/'] button").click()
    expect(bureau.locator(".ms-messages")).to_contain_text("截止日期")
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    clock.day = date(2024, 8, 11)
    bureau.locator(f"form[action$='/calls/{call.pk}/close/'] button").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED

    # The packet of every received form is built in the background and offered for download.
    bureau.locator(f"form[action$='/calls/{call.pk}/packet.pdf'] button").click()
    bureau.wait_for_url("**/jobs/**")
    expect(bureau.locator("main")).to_contain_text("PDF")
