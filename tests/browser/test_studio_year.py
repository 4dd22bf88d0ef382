"""A studio's year in the browser, with the buttons the other journeys leave alone: the host
revises the three-year plan and records then removes an output; a member writes a growth plan
and a semester summary that the host reviews; in Suizhou the annual report is saved, carries
an attachment for a while, is returned, resubmitted, failed, and the studio is revoked when the
rectification does not convince."""

from datetime import date

from playwright.sync_api import expect

from assessments import services
from assessments.models import AnnualAssessment, AnnualReport, Rectification, RectificationStatus
from policies.models import TeamRole
from studios.models import GrowthPlan, Output, SemesterSummary, Studio, StudioPlan
from tests.core.files import PDF
from tests.studios.factories import liuzhou_studio, suizhou_studio


def test_plans_outputs_and_growth_files(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    clock.day = date(2025, 1, 10)
    studio = liuzhou_studio("lz_host")
    host = as_user("lz_host")

    host.goto(f"{base}/studios/{studio.pk}/plans/edit/?kind=three_year")
    host.fill("#id_text", "三年规划：以班级文化建设为主线，每学期开展两次研讨。")
    host.locator("main form[method=post] button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    assert StudioPlan.objects.filter(studio=studio, kind="three_year").exists()

    paper = tmp_path / "案例集.pdf"
    paper.write_bytes(PDF)
    host.goto(f"{base}/studios/{studio.pk}/outputs/")
    form = host.locator("#output-form form")
    form.locator("#id_kind").select_option("resource_pack")
    form.locator("#id_title").fill("主题班会资源包")
    form.locator("#id_produced_on").fill("2025-01-08")
    form.locator("#id_file").set_input_files(str(paper))
    form.locator("button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    output = Output.objects.get(studio=studio, title="主题班会资源包")
    host.locator(
        f"form:has(input[name=output][value='{output.pk}']):has(input[value=delete]) button"
    ).click()
    expect(host.locator(".ms-messages")).to_be_visible()
    assert not Output.objects.filter(pk=output.pk).exists()

    member = studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk").first().user
    page = as_user(member.username)
    page.goto(f"{base}/growth/")
    plan = page.locator("form:has(input[name=action][value=plan])")
    plan.locator("textarea").fill("三年内成长为县级骨干班主任。")
    plan.locator("button[type=submit]").click()
    expect(page.locator(".ms-messages")).to_be_visible()
    assert GrowthPlan.objects.filter(person=member).exists()
    page.locator("details:has(input[value=summary]) > summary").first.click()
    summary = page.locator("form:has(input[name=action][value=summary])").first
    summary.locator("textarea").first.fill("本学期参加工作室活动四次，开设一节班会示范课。")
    summary.locator("input[type=date]").first.fill("2025-01-08")
    summary.locator("input[name$=report_place]").fill("学校会议室")
    summary.locator("button[type=submit]").click()
    expect(page.locator(".ms-messages")).to_be_visible()
    written = SemesterSummary.objects.get(person=member)

    host.goto(f"{base}/studios/{studio.pk}/growth/")
    review = host.locator(f"#summary-{written.pk} form")
    review.locator("textarea").fill("总结具体，继续保持。")
    review.locator("button[type=submit]").click()
    expect(host.locator(".ms-messages")).to_be_visible()
    written.refresh_from_db()
    assert written.reviewed_at is not None


def test_a_report_returned_resubmitted_failed_and_the_studio_revoked(
    demo_site, as_user, clock, tmp_path
):
    base = demo_site.url
    studio = suizhou_studio("sz_host")
    clock.day = date(2024, 12, 20)
    report, _created = services.report_open(studio=studio, year=2024, today=clock.day)
    url = f"{base}/assessments/reports/{report.pk}/"

    # The host drafts the report, attaches a file, removes it again and submits.
    host = as_user("sz_host")
    host.goto(url)
    host.fill("#id_work_done", "全年开展培训两次、专题研讨多次。")
    host.fill("#id_results", "形成班会课案例集。")
    host.fill("#id_member_growth", "一名成员获县级表彰。")
    for field in host.locator("[data-testid=report-form] input[type=number]").all():
        field.fill("1")
    # Suizhou's host rule: the host stays a head teacher for the term, confirmed each year.
    host.check("[data-testid=obligation-yes]")
    host.click("button[name=action][value=save]")
    expect(host.locator(".ms-messages")).to_be_visible()
    scan = tmp_path / "活动记录.pdf"
    scan.write_bytes(PDF)
    host.fill("input[name=title]", "活动记录")
    host.set_input_files("input[name=file]", str(scan))
    host.click("button[name=action][value=attach]")
    expect(host.locator("button[name=action][value=detach]")).to_have_count(1)
    host.click("button[name=action][value=detach]")
    expect(host.locator("button[name=action][value=detach]")).to_have_count(0)
    host.click("button[name=action][value=submit]")
    expect(host.locator("[data-testid=report-status]")).not_to_have_text("草稿")
    report.refresh_from_db()
    submitted = report.status

    # The officer returns it; the host submits again; the officer accepts and fails it.
    clock.day = date(2025, 1, 6)
    officer = as_user("sz_ce")
    officer.goto(url)
    officer.fill("#id_comment", "请补充成员成长的具体数据。")
    officer.click("button[name=action][value=return]")
    expect(officer.locator(".ms-messages")).to_be_visible()
    report.refresh_from_db()
    assert report.status != submitted
    host.goto(url)
    host.fill("#id_member_growth", "一名成员获县级表彰，两名成员开设区级公开课。")
    host.click("button[name=action][value=submit]")
    expect(host.locator(".ms-messages")).to_be_visible()
    report.refresh_from_db()
    assert report.status == submitted

    officer.goto(url)
    officer.locator("[data-testid='accept-report']").click()
    officer.locator("[data-testid='outcome-fail']").check()
    officer.fill("#id_comment", "全年未开展跨区域交流活动。")
    officer.fill("#id_required_actions", "补开一次跨区域交流活动，并提交整改报告。")
    officer.locator("[data-testid='decide']").click()
    expect(officer.locator("[data-testid='rectification-status']")).to_be_visible()
    rectification = Rectification.objects.get(assessment__studio=studio)

    clock.day = date(2025, 2, 20)
    host.goto(officer.url)
    host.fill("#id_report", "已联系随县工作室，拟于下学期开展交流。")
    host.locator("[data-testid='submit-rectification']").click()
    expect(host.locator("[data-testid='rectification-report-form']")).to_have_count(0)

    # Not convincing: the officer revokes the studio.
    officer.reload()
    officer.fill("#id_decision", "整改未落实，撤销工作室。")
    officer.locator("[data-testid='revoke']").click()
    expect(officer.locator("[data-testid='rectification-decision']")).to_have_count(0)
    rectification.refresh_from_db()
    studio.refresh_from_db()
    assert rectification.status == RectificationStatus.REVOKED
    assert studio.status == "revoked" and studio.revoked_on == clock.day
    assert AnnualReport.objects.filter(pk=report.pk).exists()
    assert Studio.objects.filter(pk=studio.pk, status="revoked").exists()


def test_liuzhou_assesses_with_experts_without_a_report(demo_site, as_user, clock):
    """Liuzhou's bureau opens the assessment itself, an expert scores, the bureau decides."""
    base = demo_site.url
    studio = liuzhou_studio("lz_host")
    clock.day = date(2025, 1, 6)
    bureau = as_user("lz_city")
    bureau.goto(f"{base}/assessments/?year=2024")
    bureau.locator(f"tr[data-studio='{studio.pk}'] form button[type=submit]").click()
    bureau.wait_for_url(f"{base}/assessments/*/")
    assessment = AnnualAssessment.objects.get(studio=studio, year=2024)

    expert = as_user("lz_expert")
    expert.goto(f"{base}/assessments/")
    expert.locator(f"[data-testid=to-score] a[href$='/assessments/{assessment.pk}/']").click()
    for field in expert.locator("[data-testid=scores-form] input[type=number]").all():
        field.fill(field.get_attribute("max"))
    expert.fill("#id_score_comment", "材料完整，成效明显。")
    expert.click("button[name=action][value=score]")
    expect(expert.locator(".ms-messages")).to_be_visible()

    bureau.goto(f"{base}/assessments/{assessment.pk}/")
    bureau.fill("#id_comment", "同意专家评分。")
    bureau.locator("[data-testid='decide']").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.outcome == "commended"
