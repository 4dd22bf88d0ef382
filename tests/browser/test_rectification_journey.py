"""限期整改 in the browser: the continuing-education officer fails a studio on its annual report,
the host submits a rectification report, the officer accepts it."""

from datetime import date

from playwright.sync_api import expect

from assessments import services
from assessments.models import AnnualAssessment, Rectification, RectificationStatus
from tests.assessments.test_annual import full_scores
from tests.studios.factories import suizhou_studio


def test_officer_fails_host_rectifies_officer_accepts(demo_site, as_user, clock):
    base = demo_site.url
    studio = suizhou_studio("sz_host")
    clock.day = date(2024, 12, 20)
    report, _created = services.report_open(studio=studio, year=2024, today=clock.day)
    services.report_save(
        actor=studio.host,
        report=report,
        work_done="全年开展培训两次、专题研讨多次。",
        results="形成班会课案例集。",
        member_growth="一名成员获县级表彰。",
        self_scores=full_scores(studio, "0.7"),
        host_still_head_teacher=True,
    )
    services.report_submit(actor=studio.host, report=report, today=clock.day)

    # The officer accepts the report and fails the studio, with required actions.
    clock.day = date(2025, 1, 6)
    officer = as_user("sz_ce")
    officer.goto(f"{base}/assessments/?year=2024")
    officer.locator(f"tr[data-studio='{studio.pk}'] td[data-col='report'] a").click()
    officer.locator("[data-testid='accept-report']").click()
    officer.locator("[data-testid='outcome-fail']").check()
    officer.fill("#id_comment", "全年未开展跨区域交流活动。")
    officer.fill("#id_required_actions", "补开一次跨区域交流活动，并提交整改报告。")
    officer.locator("[data-testid='decide']").click()
    expect(officer.locator("[data-testid='rectification-status']")).to_be_visible()
    rectification = Rectification.objects.get(assessment__studio=studio)
    assert rectification.status == RectificationStatus.OPEN
    assert rectification.deadline == date(2025, 3, 7)
    assert AnnualAssessment.objects.get(studio=studio).outcome == "fail"

    # The host finds it in their list and reports what was rectified.
    clock.day = date(2025, 2, 20)
    host = as_user("sz_host")
    host.goto(f"{base}/assessments/")
    host.locator("[data-testid='host-reports'] a[href*='/assessments/']").last.click()
    host.fill("#id_report", "2月15日与随县名班主任工作室联合开展跨区域交流活动，附活动记录。")
    host.locator("[data-testid='submit-rectification']").click()
    expect(host.locator("[data-testid='rectification-report-form']")).to_have_count(0)
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SUBMITTED

    # The officer accepts it: the studio carries on.
    officer.reload()
    officer.fill("#id_decision", "整改到位，予以认可。")
    officer.locator("[data-testid='accept-rectification']").click()
    expect(officer.locator("[data-testid='rectification-decision']")).to_have_count(0)
    rectification.refresh_from_db()
    studio.refresh_from_db()
    assert rectification.status == RectificationStatus.ACCEPTED
    assert studio.status == "active"
