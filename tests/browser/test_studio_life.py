"""A host logs an on-site seminar with attendance and a photo; a member confirms their
attendance; the bureau's compliance grid turns that quota's cell from amber to green."""

from datetime import date

from playwright.sync_api import expect

from studios.models import Attendance
from tests.applications.factories import PNG
from tests.studios.factories import liuzhou_studio


def test_host_logs_a_seminar_member_confirms_grid_turns_green(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    studio = liuzhou_studio("lz_host")
    # The last day of the autumn semester: without an on-site seminar the studio is behind.
    clock.day = date(2025, 1, 31)
    cell = f"tr:has(a[href='/studios/{studio.pk}/']) td[data-quota='onsite-seminar']"
    bureau = as_user("lz_city")
    bureau.goto(f"{base}/compliance/")
    expect(bureau.locator(cell)).to_have_attribute("data-state", "behind")

    host = as_user("lz_host")
    host.goto(f"{base}/studios/{studio.pk}/")
    host.locator(f"a[href='/studios/{studio.pk}/activities/new/']").first.click()
    host.select_option("#id_kind", "onsite_seminar")
    host.fill("#id_held_on", "2025-01-20")
    host.fill("#id_title", "班主任工作现场专题研讨会")
    host.fill("#id_place", "柳城县实验小学报告厅")
    host.fill("#id_summary", "围绕班级常规管理开展现场研讨。")
    member = studio.memberships.filter(role="member").order_by("pk").first()
    absent = studio.memberships.filter(role="member").order_by("pk").last()
    host.select_option(f"#att-{absent.pk}", "leave")
    host.fill(f"input[name='att-{absent.pk}-reason']", "学校期末监考")
    photo = tmp_path / "seminar.png"
    photo.write_bytes(PNG)
    host.select_option("select[name='ev-0-kind']", "photo")
    host.fill("input[name='ev-0-title']", "现场照片")
    host.set_input_files("input[name='ev-0-file']", str(photo))
    host.locator("main form button[type=submit]").last.click()
    expect(host.locator(".ms-messages")).to_be_visible()
    attendance = Attendance.objects.get(membership=member)
    assert attendance.status == "present" and attendance.activity.evidence.count() == 1

    # The host corrects the title afterwards; attendance and evidence stay.
    activity = attendance.activity
    host.goto(f"{base}/studios/{studio.pk}/activities/{activity.pk}/")
    host.locator(f"a[href$='/activities/{activity.pk}/edit/']").click()
    host.fill("#id_title", "班主任常规管理现场专题研讨会")
    host.locator("main form button[type=submit]").last.click()
    expect(host.locator(".ms-messages")).to_be_visible()
    activity.refresh_from_db()
    assert activity.title == "班主任常规管理现场专题研讨会" and activity.evidence.count() == 1

    # The member confirms what the host recorded.
    page = as_user(member.user.username)
    page.goto(f"{base}/attendance/")
    page.locator(f"[data-testid='confirm-{attendance.pk}']").click()
    attendance.refresh_from_db()
    assert attendance.confirmed_at is not None

    bureau.goto(f"{base}/compliance/")
    expect(bureau.locator(cell)).to_have_attribute("data-state", "on_track")
