"""The assistant and the advisor at work: the assistant logs a pairing-assistance visit and
keeps the liaison log; the advisor comments on the yearly plan, the visit and a member's
growth file; the host reads it all."""

from datetime import date

from playwright.sync_api import expect

from studios.models import Activity, LiaisonEntry, StudioComment
from studios.services import plans
from tests.studios.factories import liuzhou_studio
from tests.studios.test_roles import advisor_of, assistant_for, member_of


def test_assistant_organises_advisor_guides_host_reads(demo_site, as_user, clock):
    base = demo_site.url
    studio = liuzhou_studio("lz_host")
    clock.day = date(2025, 3, 20)
    assistant = assistant_for(studio, "lz_host_assistant")
    plan = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind="three_year",
        school_year=None,
        title="",
        text="三年规划：建章立制、课题研究、成果推广。",
    )

    # The assistant logs a pairing-assistance visit: only the pairing kinds are offered.
    page = as_user(assistant.username)
    page.goto(f"{base}/studios/{studio.pk}/")
    page.locator(f"a[href='/studios/{studio.pk}/activities/new/']").first.click()
    expect(page.locator("#id_kind option[value='training']")).to_have_count(0)
    page.select_option("#id_kind", "pairing_visit")
    page.fill("#id_held_on", "2025-03-14")
    page.fill("#id_title", "送教下乡结对帮扶活动")
    page.fill("#id_place", "柳城县实验小学")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".ms-messages")).to_be_visible()
    visit = Activity.objects.get(studio=studio, title="送教下乡结对帮扶活动")
    assert visit.created_by == assistant and visit.served_county == studio.paired_county

    # ... and records a liaison, then its follow-up.
    page.goto(f"{base}/studios/{studio.pk}/")
    page.locator(f"a[href='/studios/{studio.pk}/liaison/']").click()
    page.fill("#id_happened_on", "2025-03-18")
    page.fill("#id_contact", "柳城县教育局德育股 李老师")
    page.fill("#id_subject", "商定四月送教下乡的学校与时间。")
    page.locator("[data-testid=liaison-form] button[type=submit]").click()
    expect(page.locator("[data-testid=liaison-entry]")).to_have_count(1)
    entry = LiaisonEntry.objects.get(studio=studio)
    page.locator(f"a[href='/studios/{studio.pk}/liaison/{entry.pk}/edit/']").click()
    page.fill("#id_follow_up", "已发通知，收集参加教师名单。")
    page.locator("[data-testid=liaison-form] button[type=submit]").click()
    expect(page.locator("[data-testid=liaison-entry]")).to_contain_text("已发通知")

    # The advisor comments on the plan, the visit and a member's growth file.
    advisor = as_user(advisor_of(studio).username)
    member = member_of(studio)
    for url in (
        f"/studios/{studio.pk}/plans/{plan.pk}/",
        f"/studios/{studio.pk}/activities/{visit.pk}/",
        f"/growth/{member.pk}/",
    ):
        advisor.goto(base + url)
        form = advisor.locator("[data-testid=comment-form]")
        form.locator("textarea").fill("建议把帮扶活动与课题研究结合起来。")
        form.locator("button[type=submit]").click()
        expect(advisor.locator("[data-testid=comments] li")).to_have_count(1)
    assert StudioComment.objects.filter(studio=studio).count() == 3

    # The host reads the liaison log and the comments.
    host = as_user("lz_host")
    host.goto(f"{base}/studios/{studio.pk}/liaison/")
    expect(host.locator("[data-testid=liaison-entry]")).to_contain_text("李老师")
    host.goto(f"{base}/studios/{studio.pk}/plans/{plan.pk}/")
    expect(host.locator("[data-testid=comments]")).to_contain_text("课题研究")
