"""The municipal administrator uploads a large school list: the check runs in the background
with a progress bar, the preview opens by itself, the confirmation saves in the background too,
and the import page says how many were imported. A bomb is refused on the form at once."""

import io
import threading
import time

from openpyxl import Workbook
from playwright.sync_api import expect

from accounts import imports as account_imports
from accounts import tasks
from accounts.jobs import job_run
from accounts.models import Organisation
from tests.core import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = 40


def _run_in_a_thread(job_id: int) -> None:
    """What a Celery worker does, beside the live server: the page keeps polling meanwhile."""

    def work():
        from django.db import connection

        try:
            job_run(job_id=job_id)
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True).start()


def _schools() -> bytes:
    book = Workbook()
    book.active.append(["学校名称", "学校代码", "所属区县代码", "学段"])
    for i in range(ROWS):
        book.active.append([f"新建学校{i}", f"big-{i}", "liucheng", "小学"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _follow(page) -> list[tuple[str, str]]:
    """The progress box's (status, value) as the page shows them, until it gives way."""
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        box = page.locator("#import-progress")
        if not box.count():
            break  # the page reloaded into the preview or the result
        try:
            status = box.get_attribute("data-status", timeout=500)
            value = box.locator("progress").get_attribute("value", timeout=500)
        except Exception:  # swapped or reloaded between the two reads
            continue
        if not seen or seen[-1] != (status, value):
            seen.append((status, value))
        page.wait_for_timeout(100)
    return seen


def test_a_large_import_runs_in_the_background_from_upload_to_saved(
    demo_site, as_user, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.MINGSHI_IMPORT_BACKGROUND_ROWS = 10
    monkeypatch.setattr(account_imports, "PROGRESS_EVERY", 5)
    monkeypatch.setattr(tasks.run_job, "delay", _run_in_a_thread)
    real_row = account_imports.BureauImportResource.import_row

    def slow_row(self, *args, **kwargs):  # slow enough for the bar to be seen moving
        time.sleep(0.1)  # 40 rows ≈ 4 s: several of the page's 1 s polls see it moving
        return real_row(self, *args, **kwargs)

    monkeypatch.setattr(account_imports.BureauImportResource, "import_row", slow_row)

    page = as_user("lz_city")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_site.url}/imports/")
    expect(page.locator("[data-testid='import-limits']")).to_contain_text("5000")
    page.check("input[name=kind][value=schools]")
    page.set_input_files(
        "#id_file", files=[{"name": "学校.xlsx", "mimeType": XLSX, "buffer": _schools()}]
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/imports/jobs/**")
    expect(page.locator("h1")).to_contain_text("导入预览")
    expect(page.locator("#import-progress")).to_contain_text("不会保存")
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    seen = _follow(page)
    moving = {int(v) for s, v in seen if s == "running" and 0 < int(v) < 100}
    assert len(moving) >= 2, seen  # the bar moved on its way
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    # The same page is now the preview: every row new, nothing saved yet.
    expect(page.locator("[data-testid='import-summary']")).to_contain_text(str(ROWS))
    assert page.locator("tr[data-action='new']").count() == ROWS
    assert not Organisation.objects.filter(code__startswith="big-").exists()

    page.locator("[data-testid='confirm-import']").click()
    page.wait_for_url("**/imports/jobs/**")
    expect(page.locator("h1")).to_contain_text("导入")
    _follow(page)
    page.wait_for_url(f"{demo_site.url}/imports/")
    expect(page.locator("main")).to_contain_text(f"{ROWS}")
    assert Organisation.objects.filter(code__startswith="big-").count() == ROWS


def test_a_bomb_is_refused_on_the_form_at_once(demo_site, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = as_user("lz_city")
    page.goto(f"{demo_site.url}/imports/")
    page.check("input[name=kind][value=schools]")
    bomb = xlsx.huge_string_bomb(400)
    page.set_input_files(
        "#id_file", files=[{"name": "学校.xlsx", "mimeType": XLSX, "buffer": bomb}]
    )
    started = time.monotonic()
    page.locator("main form button[type=submit]").click()
    error = page.locator(".ms-field-error[role=alert]")
    expect(error).to_contain_text("工作簿过大")
    expect(error).to_contain_text("16.0")
    assert time.monotonic() - started < 5  # the page answers at once (the check: tests/core)
