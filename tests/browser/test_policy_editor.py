"""A bureau sets up its policy in the browser: from a preset, a row added, a value with its
clause; then an edit of a policy a call uses makes version 2; then its application form."""

from playwright.sync_api import expect

from policies.models import Policy


def test_a_bureau_sets_up_and_edits_its_policy_in_the_browser(as_user, demo_site):
    page = as_user("lz_city")
    page.goto(f"{demo_site.url}/policies/")
    page.get_by_role("button", name="新建政策规则").click()
    page.get_by_label("柳州市首批名班主任工作室（2024）").check()
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_role("heading", name="新建政策规则")).to_be_visible()

    page.fill("#id_code", "liuzhou-2025")
    page.fill("#id_name", "柳州市第二批名班主任工作室（2025）")
    page.fill("#id_planned_studio_count", "25")
    page.fill("#id_planned_studio_count__source", "第二条")
    # A new expenditure category, added as a row with the page's button.
    rows = page.locator("[data-formset=categories] tr[data-row]:not([hidden])")
    before = rows.count()
    page.get_by_role("button", name="添加类别").click()
    expect(rows).to_have_count(before + 1)
    page.locator(f"#id_categories-{before}-code").fill("printing")
    page.locator(f"#id_categories-{before}-name").fill("印刷资料")
    page.get_by_role("button", name="保存规则").click()

    expect(page.get_by_role("heading", name="柳州市第二批名班主任工作室（2025）")).to_be_visible()
    expect(page.get_by_text("依据：第二条")).to_be_visible()
    expect(page.get_by_text("印刷资料")).to_be_visible()
    policy = Policy.objects.get(code="liuzhou-2025")
    assert policy.planned_studio_count == 25
    assert {"code": "printing", "name": "印刷资料"} in policy.expenditure_categories

    # The demo's calls use the 2024 policy: an edit makes version 2.
    page.goto(f"{demo_site.url}/policies/liuzhou-2024/")
    page.get_by_role("button", name="编辑规则").click()
    expect(page.get_by_text("此版本正在使用")).to_be_visible()
    page.fill("#id_funding_max", "30000")
    page.get_by_role("button", name="保存规则").click()
    expect(page.get_by_text("修改已另存为第 2 版")).to_be_visible()
    expect(page.get_by_text("第 2 版").first).to_be_visible()

    # An impossible value is explained at its field, in Chinese.
    page.get_by_role("button", name="编辑规则").click()
    page.fill("#id_funding_min", "50000")
    page.get_by_role("button", name="保存规则").click()
    expect(page.get_by_text("规则未保存")).to_be_visible()
    expect(page.get_by_text("经费上限低于经费下限")).to_be_visible()

    # The application form of the new policy, as the city prints it.
    page.goto(f"{demo_site.url}/policies/liuzhou-2025/")
    page.get_by_role("button", name="编辑申报表").click()
    page.fill("#id_title", "柳州市名班主任工作室申报表（2025）")
    page.get_by_role("button", name="保存申报表").click()
    expect(page.get_by_text("申报表已保存")).to_be_visible()
    policy.refresh_from_db()
    assert policy.application_form["title"] == "柳州市名班主任工作室申报表（2025）"
