"""Steps shared by the browser journeys."""

from playwright.sync_api import expect

from tests.applications.factories import PNG


def open_the_form(page, base: str, call_pk: int) -> None:
    """The teacher presses 申报 on the call's page and lands on the empty form."""
    page.goto(f"{base}/calls/{call_pk}/")
    page.locator("form[action$='/apply/'] button").click()
    page.wait_for_url("**/edit/")


def fill_host_block(page, tmp_path, *, name: str, paired_county: str | None = None) -> None:
    page.fill("#id_host_name", name)
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_month", "1980-05")
    page.select_option("#id_party_member", "true")
    page.fill("#id_professional_title", "高级教师")
    page.fill("#id_post", "德育主任")
    page.fill("#id_head_teacher_years", "16")
    page.fill("#id_research_direction", "班级文化建设")
    page.fill("#id_phone", "13877200000")
    if paired_county:
        page.select_option("#id_paired_county", label=paired_county)
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    page.set_input_files("#id_photo", str(photo))
    page.fill("#id_achievements", "近五年获市级优秀班主任称号。")
    page.fill("#id_plan", "指导思想：立德树人。工作目标：培养骨干班主任。")
    fill_city_parts(page)


def fill_city_parts(page) -> None:
    """What the city's own form adds: its further sections (x_…) and the host's undertakings."""
    for area in page.locator("textarea[name^='x_']").all():
        area.fill("近五年主持市级德育课题一项。")
    for box in page.locator("input[type=checkbox][name^='undertaking_']").all():
        box.check()


def fill_member_rows(page, first: int, last: int) -> None:
    """Each row's columns that the city's members table has (Liuzhou's has no years column)."""
    for i in range(first, last):
        page.fill(f"#id_members-{i}-name", f"成员{i}")
        for field, value in (("birth_month", "1988-03"), ("head_teacher_years", "7")):
            cell = page.locator(f"#id_members-{i}-{field}")
            if cell.count():
                cell.fill(value)


def approve_in_queue(page, base: str, host: str, opinion: str) -> None:
    page.goto(f"{base}/review/")
    page.get_by_role("link", name=host).click()
    page.fill("#id_opinion", opinion)
    page.click("button[name=decision][value=approve]")
    expect(page.locator(".ms-messages")).to_be_visible()


def assign_and_score(
    bureau, expert, base: str, call_pk: int, application_pk: int, expert_pk: int | None = None
) -> None:
    bureau.goto(f"{base}/calls/{call_pk}/experts/")
    boxes = bureau.locator("input[name=experts]")
    (boxes.locator(f"xpath=self::*[@value='{expert_pk}']") if expert_pk else boxes).first.check(
        force=True
    )
    bureau.locator(f"input[name=applications][value='{application_pk}']").check(force=True)
    bureau.locator("#assign-form button[type=submit]").click()
    expert.goto(f"{base}/experts/")
    expert.locator("a[href*='/experts/assignments/']").first.click()
    for field in expert.locator("#score-form input[type=number]").all():
        field.fill("25")
    expert.locator("#score-form button[type=submit]").click()
    expect(expert.locator(".ms-messages")).to_be_visible()


def select(bureau, base: str, call_pk: int, application_pk: int) -> None:
    bureau.goto(f"{base}/calls/{call_pk}/ranking/")
    bureau.locator(f"input[name=selected][value='{application_pk}']").check(force=True)
    bureau.locator("#selection-form button[type=submit]").click()
