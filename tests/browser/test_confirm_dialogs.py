"""An irreversible button asks first, with the numbers it affects; "Cancel" sends nothing."""

from applications.models import ApplicationStatus, Call, CallStatus


def test_saving_the_selection_asks_with_the_counts_and_cancel_changes_nothing(
    browser, demo_site, settings
):
    call = Call.objects.get(bureau__city__code="liuzhou", status=CallStatus.CLOSED)
    before = dict(call.applications.values_list("pk", "status"))
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo_site.url}/login/")
    page.fill("#id_username", "lz_city")
    page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{demo_site.url}/")
    page.goto(f"{demo_site.url}/calls/{call.pk}/ranking/")
    boxes = page.locator("input[name=selected]")
    ticked = sum(1 for i in range(boxes.count()) if boxes.nth(i).is_checked())

    messages = []

    def refuse(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.get_by_role("button", name="保存遴选结果").click()
    page.wait_for_timeout(500)
    assert len(messages) == 1
    assert f"勾选的 {ticked} 份" in messages[0]
    assert f"其余 {boxes.count() - ticked} 份" in messages[0]
    assert page.url.endswith(f"/calls/{call.pk}/ranking/")
    assert dict(call.applications.values_list("pk", "status")) == before

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="保存遴选结果").click()
    page.wait_for_load_state()
    page.wait_for_timeout(500)
    statuses = set(call.applications.values_list("status", flat=True))
    assert statuses <= {
        ApplicationStatus.SELECTED,
        ApplicationStatus.NOT_SELECTED,
        ApplicationStatus.EXPERT_REVIEW,
    }
    assert ApplicationStatus.NOT_SELECTED in statuses  # the unticked one is now not selected
    context.close()
