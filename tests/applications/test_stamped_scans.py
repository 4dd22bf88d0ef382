"""Each review level's stamped scan (盖章扫描件): uploaded with its opinion, read by whoever
reads the application, and bound into the call's packet after the form."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import documents, renditions, services, workflow
from applications.models import ApplicationStatus, ReviewStep
from tests.core import files
from tests.core.files import assert_served

from .factories import advance, open_call, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pages(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def scan_pdf(pages: int = 2) -> SimpleUploadedFile:
    return SimpleUploadedFile("学校盖章页.pdf", files.pdf(pages), content_type="application/pdf")


def review(client, application, **extra):
    return client.post(
        reverse("applications:application_review", args=[application.pk]),
        {"decision": "approve", "opinion": "同意推荐。", **extra},
        follow=True,
    )


def test_the_school_uploads_its_stamped_page_and_the_county_and_applicant_see_it(demo, client_for):
    application = submitted(open_call(), demo.user("lz_teacher"))

    response = review(client_for("lz_school"), application, stamped_scan=scan_pdf())

    assert response.status_code == 200
    step = ReviewStep.objects.get(application=application, level="school")
    assert step.stamped_scan and step.stamped_scan_name == "学校盖章页.pdf"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_COUNTY
    url = reverse("applications:review_scan", args=[application.pk, step.pk])
    for reader in ("lz_county", "lz_teacher"):
        client = client_for(reader)
        page = client.get(reverse("applications:application_detail", args=[application.pk]))
        assert url in page.content.decode(), f"{reader} sees no link to the scan"
        served = client.get(url)
        assert_served(served, "application/pdf", inline=True)
        assert pages(b"".join(served.streaming_content)) == 2


def test_someone_outside_the_application_cannot_fetch_its_scan(demo, client_for):
    application = submitted(open_call(), demo.user("lz_teacher"))
    review(client_for("lz_school"), application, stamped_scan=scan_pdf())
    step = ReviewStep.objects.get(application=application)
    url = reverse("applications:review_scan", args=[application.pk, step.pk])
    assert client_for("lz_county_luzhai").get(url).status_code == 404
    assert client_for("sz_city").get(url).status_code == 404
    # a step of another application is not found through this one
    other = submitted(open_call(title="另一批"), demo.user("lz_teacher"))
    wrong = reverse("applications:review_scan", args=[other.pk, step.pk])
    assert client_for("lz_teacher").get(wrong).status_code == 404


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("scan.docx", files.docx()),
        SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>"),
        SimpleUploadedFile("scan.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nbroken"),
    ],
    ids=["word", "html-as-pdf", "svg", "broken-png"],
)
def test_a_scan_that_is_not_a_pdf_or_an_image_is_refused_and_nothing_is_decided(
    demo, client_for, upload
):
    application = submitted(open_call(), demo.user("lz_teacher"))

    response = review(client_for("lz_school"), application, stamped_scan=upload)

    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_SCHOOL
    assert not ReviewStep.objects.filter(application=application).exists()


def test_the_workflow_takes_a_scan_at_each_level_and_refuses_a_non_scan(demo):
    application = submitted(open_call(), demo.user("lz_teacher"))
    image = SimpleUploadedFile("county.jpg", files.jpeg(size=(300, 400)), "image/jpeg")
    application = workflow.approve(
        actor=demo.user("lz_school"), application=application, opinion="同意。"
    )
    with pytest.raises(services.ApplicationError):
        workflow.approve(
            actor=demo.user("lz_county"),
            application=application,
            opinion="同意。",
            stamped_scan=SimpleUploadedFile("x.xlsx", files.xlsx()),
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AT_COUNTY
    application = workflow.approve(
        actor=demo.user("lz_county"), application=application, opinion="同意。", stamped_scan=image
    )
    step = ReviewStep.objects.get(application=application, level="county")
    assert step.stamped_scan.name.endswith(".jpg")


def test_the_packet_binds_each_forms_scans_after_it(demo):
    call = open_call()
    application = submitted(call, demo.user("lz_teacher"))
    application = workflow.approve(
        actor=demo.user("lz_school"),
        application=application,
        opinion="同意推荐。",
        stamped_scan=scan_pdf(2),
    )
    application = advance(application, ApplicationStatus.AT_CITY)
    application.refresh_from_db()
    without = pages(documents.application_pdf(application))
    # The packet downloaded at once binds the scans too, not only the background one.
    selection = list(documents.packet_applications(call))
    assert pages(renditions.call_packet_pdf(call, selection)) == without + 2

    done = []
    content = renditions.call_packet_pdf(
        call, documents.packet_applications(call), lambda n, total: done.append(n)
    )
    assert pages(content) == without + 2
    assert done == [1]

    # An image scan is one more page.
    step = ReviewStep.objects.get(application=application, level="county")
    step.stamped_scan.save("county.png", ContentFile(files.png(size=(600, 800))))
    content = renditions.call_packet_pdf(
        call, documents.packet_applications(call), lambda n, total: None
    )
    assert pages(content) == without + 3
