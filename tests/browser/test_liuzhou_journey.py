"""The journey the product exists for, in a real browser: Liuzhou 2024, from the form to the
plaque. Teacher → school → county → city → experts → selection → publication → PDF."""

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from applications.models import Application, ApplicationStatus
from studios.models import Studio
from tests.applications.factories import PNG, open_call

OPINIONS = {
    "lz_school": "该同志师德高尚，班主任工作成绩突出，同意推荐。",
    "lz_county": "经县教育局审核，材料属实，同意上报。",
    "lz_city": "经市教育局审核，进入专家评审。",
}


def approve_in_queue(page, base, host, opinion):
    page.goto(f"{base}/review/")
    page.get_by_role("link", name=host).click()
    page.fill("#id_opinion", opinion)
    page.click("button[name=decision][value=approve]")
    expect(page.locator(".ms-messages")).to_be_visible()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_liuzhou_journey_from_form_to_plaque(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    call = open_call("liuzhou-2024", studio_count=1)

    # 1. The teacher fills the official form, with the tables and a photo, and submits.
    page = as_user("lz_teacher")
    page.goto(f"{base}/calls/{call.pk}/")
    page.locator("form[action$='/apply/'] button").click()
    page.wait_for_url("**/edit/")
    page.fill("#id_host_name", "韦丽华")
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_month", "1980-05")
    page.select_option("#id_party_member", "true")
    page.fill("#id_professional_title", "高级教师")
    page.fill("#id_post", "德育主任")
    page.fill("#id_head_teacher_years", "16")
    page.fill("#id_research_direction", "班级文化建设")
    page.fill("#id_phone", "13877200000")
    page.select_option("#id_paired_county", label="柳城县")
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_photo", str(photo))
    page.click("[data-add-row=advisors]")
    page.fill("#id_advisors-0-name", "黄教授")
    page.fill("#id_advisors-0-work_unit", "广西师范大学")
    for _ in range(5):
        page.click("[data-add-row=members]")
    # the policy's five rows are the most the table takes
    page.click("[data-add-row=members]")
    expect(page.locator("[data-formset=members] tr[data-row]")).to_have_count(5)
    # a row removed in the page is gone on save; the others keep what was typed
    page.fill("#id_members-0-name", "写错的一行")
    page.locator("[data-formset=members] tr[data-row]").nth(0).locator("[data-remove-row]").click()
    page.click("[data-add-row=members]")
    for i in range(1, 6):
        page.fill(f"#id_members-{i}-name", f"成员{i}")
        page.fill(f"#id_members-{i}-birth_month", "1988-03")
        page.fill(f"#id_members-{i}-head_teacher_years", "7")
    page.fill("#id_achievements", "近五年获市级优秀班主任称号。")
    page.fill("#id_plan", "指导思想：立德树人。工作目标：培养骨干班主任。")
    page.click("button[name=save]")
    expect(page.locator("#id_members-4-name")).to_have_value("成员5")
    assert "写错的一行" not in page.content()
    page.click("button[name=submit]")
    page.wait_for_url(f"{base}/applications/*/")
    application = Application.objects.get(call=call)
    assert application.status == ApplicationStatus.AT_SCHOOL
    assert application.team.filter(role="member").count() == 5

    # 2. School, county and city approve through their queues, each with an opinion.
    for username in ("lz_school", "lz_county", "lz_city"):
        approve_in_queue(as_user(username), base, "韦丽华", OPINIONS[username])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPERT_REVIEW

    # 3. The bureau assigns the expert, who scores.
    bureau = as_user("lz_city")
    bureau.goto(f"{base}/calls/{call.pk}/experts/")
    bureau.locator("input[name=experts]").first.check(force=True)
    bureau.locator(f"input[name=applications][value='{application.pk}']").check(force=True)
    bureau.locator("#assign-form button[type=submit]").click()
    expert = as_user("lz_expert")
    expert.goto(f"{base}/experts/")
    expert.locator("a[href*='/experts/assignments/']").first.click()
    for field in expert.locator("#score-form input[type=number]").all():
        field.fill("25")
    expert.locator("#score-form button[type=submit]").click()
    expect(expert.locator(".ms-messages")).to_be_visible()

    # 4. The bureau selects from the ranking and publishes.
    bureau.goto(f"{base}/calls/{call.pk}/ranking/")
    bureau.locator(f"input[name=selected][value='{application.pk}']").check(force=True)
    bureau.locator("#selection-form button[type=submit]").click()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SELECTED
    clock.day = clock.day.replace(month=9, day=1)
    bureau.goto(f"{base}/calls/{call.pk}/")
    bureau.locator("form[action$='/publish/'] button").click()
    studio = Studio.objects.get(application=application)
    assert studio.name == "柳州市韦丽华名班主任工作室"

    # 5. Anyone can verify the plaque; the PDF holds the host and the three opinions.
    bureau.goto(f"{base}/plaques/verify/?number={studio.plaque_number}")
    expect(bureau.get_by_text(studio.name).first).to_be_visible()
    teacher = as_user("lz_teacher")
    teacher.goto(f"{base}/applications/{application.pk}/")
    with teacher.expect_download() as download:
        teacher.locator(f"a[href$='/applications/{application.pk}/pdf/']").first.click()
    pdf = Path(tmp_path / "application.pdf")
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    assert "韦丽华" in flat
    for opinion in OPINIONS.values():
        assert "".join(opinion.split()) in flat
