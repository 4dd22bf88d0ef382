"""Background jobs: the packet is built in a job with progress, for its owner only."""

import pytest
from django.urls import reverse

from accounts.jobs import job_run
from accounts.models import Job, JobStatus
from applications.models import ApplicationStatus
from tests.applications.factories import advance, open_call, submitted, teacher_at
from tests.core.files import assert_served

pytestmark = pytest.mark.django_db


def test_packet_job_reports_progress_and_serves_the_file_to_its_owner_only(
    demo, client_for, django_capture_on_commit_callbacks
):
    call = open_call()
    for i, school in enumerate(["liucheng-sx", "luzhai-sx"]):
        advance(submitted(call, teacher_at(school, f"packet{i}")), ApplicationStatus.AT_CITY)
    client = client_for("lz_city")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applications:call_packet", args=[call.pk]))
    job = Job.objects.get()
    assert response.url == reverse("accounts:job_detail", args=[job.pk])
    assert (job.status, job.progress, job.total) == (JobStatus.DONE, 2, 2)
    page = client.get(reverse("accounts:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-status="done"' in page.content.decode()
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    assert_served(download, "application/pdf")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert (
        client_for("lz_auditor").get(reverse("accounts:job_detail", args=[job.pk])).status_code
        == 404
    )
    # running it again (a retried task) does nothing
    assert job_run(job_id=job.pk) == "skipped"


def test_a_job_refuses_an_owner_who_lost_the_right(demo):
    from accounts.jobs import job_start
    from accounts.models import RoleAssignment

    call = open_call()
    owner = demo.user("lz_city")
    job = job_start(
        actor=owner, kind="applications.call_packet", title="packet", params={"call": call.pk}
    )
    RoleAssignment.objects.filter(user=owner).delete()
    assert job_run(job_id=job.pk) == "refused"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error
