"""The journey the product exists for, in a real browser: Liuzhou 2024, from the form to the
plaque. Teacher → school → county → city → experts → selection → publication → PDF."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import Role, RoleAssignment, User
from accounts.services import role_assign
from applications.models import Application, ApplicationStatus
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

OPINIONS = {
    "lz_school": "该同志师德高尚，班主任工作成绩突出，同意推荐。",
    "lz_county": "经县教育局审核，材料属实，同意上报。",
    "lz_city": "经市教育局审核，进入专家评审。",
}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_liuzhou_journey_from_form_to_plaque(demo_site, as_user, clock, tmp_path):
    base = demo_site.url
    call = open_call("liuzhou-2024", studio_count=1)

    # 1. The teacher fills the official form, with the tables and a photo, and submits.
    page = as_user("lz_teacher")
    open_the_form(page, base, call.pk)
    fill_host_block(page, tmp_path, name="韦丽华", paired_county="柳城县")
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
    fill_member_rows(page, 1, 6)
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

    # 3. The bureau assigns a second expert, who declines for a conflict of interest, and
    #    the demo expert, who scores.
    bureau = as_user("lz_city")
    second = User.objects.create_user("lz_expert_2", full_name="覃专家", email="e2@lz.example.cn")
    second.set_password(settings.MINGSHI_DEMO_PASSWORD)
    second.save()
    bureau_org = RoleAssignment.objects.filter(user__username="lz_city").first().organisation
    role_assign(actor=None, user=second, role=Role.EXPERT, organisation=bureau_org)
    bureau.goto(f"{base}/calls/{call.pk}/experts/")
    bureau.locator(f"input[name=experts][value='{second.pk}']").check(force=True)
    bureau.locator(f"input[name=applications][value='{application.pk}']").check(force=True)
    bureau.locator("#assign-form button[type=submit]").click()
    declining = as_user("lz_expert_2")
    declining.goto(f"{base}/experts/")
    declining.locator("a[href*='/experts/assignments/']").first.click()
    declining.locator("details:has(#conflict-form) > summary").click()
    declining.fill("#conflict-form textarea", "申报人是本人的学生。")
    declining.locator("#conflict-form button[type=submit]").click()
    expect(declining.locator(".ms-messages")).to_be_visible()
    expert_pk = User.objects.get(username="lz_expert").pk
    assign_and_score(bureau, as_user("lz_expert"), base, call.pk, application.pk, expert_pk)

    # 4. The bureau selects from the ranking and publishes.
    select(bureau, base, call.pk, application.pk)
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
