"""An auditor starts a large export, watches the progress bar move, and downloads the file."""

import threading
import time
from datetime import date, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts import tasks
from accounts.jobs import job_run
from funding import exports
from studios.models import Activity, Studio


def _run_in_a_thread(job_id: int) -> None:
    """What a Celery worker does, beside the live server: the page keeps polling meanwhile."""

    def work():
        from django.db import connection

        try:
            job_run(job_id=job_id)
        finally:
            connection.close()

    threading.Thread(target=work, daemon=True).start()


def test_an_auditor_follows_a_large_export_and_downloads_it(
    demo_site, as_user, monkeypatch, tmp_path
):
    studio = Studio.objects.filter(school__city__code="liuzhou").order_by("pk").first()
    Activity.objects.bulk_create(
        [
            Activity(
                studio=studio,
                kind="online_salon",
                title=f"线上沙龙{i}",
                held_on=date(2025, 1, 1) + timedelta(days=i % 300),
                online=True,
            )
            for i in range(600)
        ]
    )
    # "Large" from the first row; progress every 50 rows, each report a little slow, so the
    # bar is seen on its way; the job runs in a thread as a worker would (eager Celery would
    # make the POST wait for the whole file).
    monkeypatch.setattr(exports, "LARGE_EXPORT_ROWS", 1)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 50)
    monkeypatch.setattr(tasks.run_job, "delay", _run_in_a_thread)
    write = exports.write_workbook

    def slow_write(scope, fileobj, report=None, **kwargs):
        def slow_report(done, total):
            report(done, total)
            time.sleep(0.25)

        return write(scope, fileobj, slow_report if report else None, **kwargs)

    monkeypatch.setattr(exports, "write_workbook", slow_write)

    page = as_user("lz_auditor")
    page.goto(f"{demo_site.url}/exports/")
    expect(page.locator("#id_city")).to_have_value("liuzhou")
    page.locator("[data-testid='audit-export-submit']").click()
    page.wait_for_url("**/jobs/**")
    bar = page.locator("#job-progress progress")
    expect(bar).to_be_visible()

    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        box = page.locator("#job-progress")
        status, value = box.get_attribute("data-status"), bar.get_attribute("value")
        if not seen or seen[-1] != (status, value):
            seen.append((status, value))
        if status in ("done", "failed"):
            break
        page.wait_for_timeout(150)
    assert seen[-1] == ("done", "100"), seen
    moving = {int(v) for s, v in seen if s == "running" and 0 < int(v) < 100}
    assert len(moving) >= 2, seen  # the bar moved at least twice on its way

    link = page.locator("[data-testid='job-download']")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == [s.title for s in exports.SHEETS.values()]
    activities = exports.SHEETS["activities"]
    rows = sum(1 for _ in book[activities.title].iter_rows(values_only=True))
    assert rows >= 600 + 2  # header, 600 salons and more, totals
