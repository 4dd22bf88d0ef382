"""100,000 activities through the background job: every row arrives, progress is reported
along the way, and the file is a real workbook (rows stream; memory is measured in bench/)."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from accounts.jobs import job_start
from accounts.models import Job, JobStatus
from funding import exports
from studios.models import Activity
from tests.studios.factories import liuzhou_studio

pytestmark = pytest.mark.django_db

ROWS = 100_000


def test_a_hundred_thousand_activities_export_through_the_job(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    studio = liuzhou_studio("lz_host")
    start = date(2024, 9, 1)
    for first in range(0, ROWS, 10_000):
        Activity.objects.bulk_create(
            [
                Activity(
                    studio=studio,
                    kind="thematic_seminar",
                    title=f"专题研讨第{i}期",
                    held_on=start + timedelta(days=i % 1000),
                    place="报告厅",
                )
                for i in range(first, first + 10_000)
            ],
            batch_size=5_000,
        )
    auditor = demo.user("lz_auditor_liucheng")
    scope = exports.scope_for_user(auditor)
    assert exports.estimate_rows(scope) >= exports.LARGE_EXPORT_ROWS  # a background job

    reports = []
    real_write = exports.write_workbook

    def spy(scope, fileobj, report=None, **kwargs):
        def recording(done, total):
            reports.append((done, total))
            report(done, total)

        return real_write(scope, fileobj, recording, **kwargs)

    monkeypatch.setattr(exports, "write_workbook", spy)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            actor=auditor, kind="funding.audit_export", title="large", params=scope.params()
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == job.total >= ROWS
    # progress every PROGRESS_EVERY rows, rising
    assert len(reports) >= ROWS // exports.PROGRESS_EVERY
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)

    with job.result.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    sheet = exports.SHEETS["activities"]
    rows = book[sheet.title].iter_rows(values_only=True)
    header = next(rows)
    assert list(header) == [c.header for c in sheet.columns]
    data = 0
    totals = None
    for row in rows:
        if row[0] == sheet.total_label:
            totals = row
        else:
            data += 1
    assert data == ROWS == Activity.objects.filter(studio=studio).count()
    assert totals[[c.header for c in sheet.columns].index("活动主题")] == ROWS
    assert Job.objects.get(pk=job.pk).result_name.endswith(".xlsx")
