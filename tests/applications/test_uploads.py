"""Uploads of calls and applications: checked by content, stored re-encoded, refused cleanly."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from applications import services
from applications.models import ApplicationAttachment, CallAttachment
from tests.core import files

from .factories import DURING, draft, open_call

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HOSTILE_PNG = b"\x89PNG\r\n\x1a\n<svg><script>alert(1)</script></svg>"
TRAILING = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("core.clock.today", lambda: DURING)


def stored_bytes(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def test_the_hosts_photo_is_stored_re_encoded(demo):
    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    original = files.png(size=(30, 40)) + TRAILING
    services.application_save_draft(
        actor=teacher,
        application=application,
        host={},
        advisors=[],
        members=[],
        photo=files.upload("me.png", original, "image/png"),
    )
    application.refresh_from_db()
    data = stored_bytes(application.photo)
    assert data.startswith(b"\x89PNG") and b"<script>" not in data


def test_the_photo_must_be_an_image(demo):
    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    before = application.photo.name
    for name, content in (
        ("me.png", HOSTILE_PNG),
        ("me.pdf", files.PDF),
        ("me.jpg", files.PDF),
        ("me.svg", b"<svg onload='alert(1)'/>"),
    ):
        with pytest.raises(services.ApplicationError):
            services.application_save_draft(
                actor=teacher,
                application=application,
                host={"host_name": "改了的名字"},
                advisors=[],
                members=[],
                photo=files.upload(name, content),
            )
    application.refresh_from_db()
    assert application.photo.name == before and application.host_name != "改了的名字"


def test_a_refused_photo_is_a_form_error_and_changes_nothing(demo, client_for):
    from tests.applications.test_views import form_data

    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    before = application.photo.name
    client = client_for("lz_teacher")
    # a real JPEG with an HTML page behind it, named as both: refused by its name
    hostile = files.upload("x.html.jpg", files.jpeg() + TRAILING, "image/jpeg")
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {**form_data(application, host_name="别的名字"), "photo": hostile, "save": "1"},
    )
    assert response.status_code == 400
    assert "x.html.jpg" in str(response.context["host_form"].errors["photo"])
    application.refresh_from_db()
    assert application.photo.name == before and application.host_name != "别的名字"


def test_application_attachments_are_checked_through_the_page(demo, client_for):
    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    client = client_for("lz_teacher")
    url = reverse("applications:application_attach", args=[application.pk])
    for name, content in (
        ("证书.pdf", b"<!DOCTYPE html><script>alert(1)</script>"),  # HTML renamed .pdf
        ("计划.docx", b"PK\x03\x04 not a docx"),
        ("计划.docx", files.zip_bomb_docx(megabytes=110)),
        ("获奖.png", HOSTILE_PNG),
    ):
        response = client.post(url, {"title": "", "file": files.upload(name, content)})
        assert response.status_code == 302
        shown = [str(m) for m in response.wsgi_request._messages]
        assert any(name in m for m in shown), shown
    assert not ApplicationAttachment.objects.exists()

    response = client.post(url, {"title": "计划", "file": files.upload("计划.docx", files.docx())})
    attachment = ApplicationAttachment.objects.get()
    assert attachment.original_name == "计划.docx"
    download = client.get(
        reverse("applications:application_attachment", args=[application.pk, attachment.pk])
    )
    files.assert_served(download, DOCX)


def test_call_attachments_are_checked_and_served_as_downloads(demo, client_for):
    call = open_call()
    bureau = demo.user("lz_city")
    with translation.override("en"), pytest.raises(services.ApplicationError, match="web page"):
        services.call_attach(
            actor=bureau,
            call=call,
            title="通知",
            upload=files.upload("通知.pdf", b"<html><script>alert(1)</script></html>"),
        )
    assert not CallAttachment.objects.exists()
    attachment = services.call_attach(
        actor=bureau, call=call, title="通知", upload=files.upload("通知.docx", files.docx())
    )
    response = client_for("lz_teacher").get(
        reverse("applications:call_attachment", args=[call.pk, attachment.pk])
    )
    files.assert_served(response, DOCX)
    poster = files.upload("海报.png", files.png() + TRAILING)
    picture = services.call_attach(actor=bureau, call=call, title="海报", upload=poster)
    assert b"<script>" not in stored_bytes(picture.file)
    # an image of a call is a download too: only the views that show images ask for inline
    response = client_for("lz_teacher").get(
        reverse("applications:call_attachment", args=[call.pk, picture.pk])
    )
    files.assert_served(response, "image/png")


def test_an_old_file_that_is_not_what_it_says_goes_out_as_an_opaque_download(demo, client_for):
    """A file stored before the content check (here: HTML named .png) is never shown."""
    from django.core.files.base import ContentFile

    teacher = demo.user("lz_teacher")
    application = draft(open_call(), teacher)
    application.photo.save("old.png", ContentFile(b"<html><script>alert(1)</script></html>"))
    response = client_for("lz_teacher").get(
        reverse("applications:application_photo", args=[application.pk])
    )
    files.assert_served(response, "application/octet-stream")


# --- the admin takes files through the same check -------------------------------------------------


@pytest.fixture
def admin_client(client, demo):
    client.force_login(User.objects.get(username="admin"))
    return client


def test_the_admin_takes_no_file_at_all(admin_client):
    """Files come in through the pages and their checks only: the admin's add form is closed,
    whatever is posted to it."""
    call = open_call()
    url = reverse("admin:applications_callattachment_add")
    response = admin_client.post(
        url,
        {
            "call": call.pk,
            "title": "通知",
            "original_name": "",
            "file": files.upload("通知.png", HOSTILE_PNG),
        },
    )
    assert response.status_code == 403
    assert not CallAttachment.objects.exists()
