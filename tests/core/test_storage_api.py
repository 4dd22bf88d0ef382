"""Files through the storage API only: with Django's in-memory storage as the default, every
file path of the product still works (uploads, the PDFs WeasyPrint lays out with the photo in
them, the packet, downloads, a preview waiting for its confirmation, a background export), each
file is in that storage and nothing reaches MEDIA_ROOT. So the same code runs on S3-compatible
object storage shared by several web nodes (docs/DEPLOY.md, "Shared file storage").

A static check beside it finds any code in the apps that reaches for MEDIA_ROOT or a stored
file's path on disk: such code would pass here only by luck and fail on the second node.
"""

import ast
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.db import models
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from accounts.models import Job, JobStatus
from applications import workflow
from applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    RenderedPacket,
    RenderedPdf,
    ReviewStep,
)
from funding import exports
from tests.applications.factories import DURING, advance, draft, open_call, pdf_file
from tests.applications.test_views import form_data
from tests.core import files

pytestmark = pytest.mark.django_db

ROOT = Path(django_settings.BASE_DIR)
# The product's code: the apps and their management commands. config/ sets MEDIA_ROOT (that is
# configuration, read by FileSystemStorage alone); tests/ and bench/ arrange files on purpose.
APP_PACKAGES = [
    "core",
    "accounts",
    "policies",
    "applications",
    "studios",
    "assessments",
    "funding",
    "demo",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHOTO_SIZE = (90, 120)  # not the factories' photo, so the PDF's image is this upload's


@pytest.fixture(autouse=True)
def memory_storage(settings, tmp_path, monkeypatch):
    """The default storage in memory, MEDIA_ROOT an empty folder that must stay empty."""
    monkeypatch.setattr("core.clock.today", lambda: DURING)
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    storage = storages["default"]
    assert isinstance(storage, InMemoryStorage)
    # FileFields hold the lazy default_storage, which the settings change pointed here.
    assert Application._meta.get_field("photo").storage is default_storage
    default_storage._setup()
    assert default_storage._wrapped is storage
    yield storage
    left = sorted(str(p.relative_to(media)) for p in media.rglob("*"))
    assert left == [], f"written under MEDIA_ROOT, past the storage API: {left}"


def stored_names(storage, path: str = "") -> list[str]:
    """Every file name in ``storage`` under ``path``, walked through listdir."""
    try:
        folders, names = storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}{name}" for name in names]
    for folder in folders:
        found += stored_names(storage, f"{path}{folder}/")
    return found


def read(storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return handle.read()


def pdf_image_sizes(content: bytes) -> list[tuple[int, int]]:
    return [
        image.image.size for page in PdfReader(io.BytesIO(content)).pages for image in page.images
    ]


def test_an_application_journey_keeps_every_file_in_the_storage(
    demo, client_for, memory_storage, django_capture_on_commit_callbacks
):
    teacher = demo.user("lz_teacher")
    call = open_call(title="存储检查")
    application = draft(call, teacher)
    client = client_for("lz_teacher")

    # The photo and an attachment, uploaded through the pages.
    photo = files.png(size=PHOTO_SIZE, colour=(20, 160, 90))
    response = client.post(
        reverse("applications:application_edit", args=[application.pk]),
        {
            **form_data(application),
            "photo": files.upload("照片.png", photo, "image/png"),
            "save": "1",
        },
    )
    assert response.status_code == 302, response.content[:500]
    application.refresh_from_db()
    assert memory_storage.exists(application.photo.name)
    with Image.open(io.BytesIO(read(memory_storage, application.photo.name))) as stored:
        assert stored.size == PHOTO_SIZE
    response = client.post(
        reverse("applications:application_attach", args=[application.pk]),
        {"title": "获奖证书", "file": files.upload("证书.pdf", files.pdf(1), "application/pdf")},
    )
    assert response.status_code == 302
    attachment = ApplicationAttachment.objects.get(application=application)
    assert memory_storage.exists(attachment.file.name)

    # Downloads stream what the storage holds.
    served = client.get(reverse("applications:application_photo", args=[application.pk]))
    files.assert_served(served, "image/png", inline=True)
    assert b"".join(served.streaming_content) == read(memory_storage, application.photo.name)
    served = client.get(
        reverse("applications:application_attachment", args=[application.pk, attachment.pk])
    )
    assert b"".join(served.streaming_content) == read(memory_storage, attachment.file.name)

    # The official form, laid out by WeasyPrint with the photo read from the storage, and
    # stored there; the second download serves the stored copy.
    application = workflow.submit(actor=teacher, application=application, today=DURING)
    school = client_for("lz_school")
    application = workflow.approve(
        actor=demo.user("lz_school"),
        application=application,
        opinion="同意推荐。",
        stamped_scan=pdf_file("盖章页.pdf"),
    )
    scan = ReviewStep.objects.get(application=application, stamped_scan__gt="").stamped_scan
    assert memory_storage.exists(scan.name)
    response = school.get(reverse("applications:application_pdf", args=[application.pk]))
    files.assert_served(response, "application/pdf")
    content = response.getvalue()
    assert PHOTO_SIZE in pdf_image_sizes(content)  # the photo is printed, not left out
    [rendered] = RenderedPdf.objects.filter(application=application)
    assert read(memory_storage, rendered.file.name) == content
    again = school.get(reverse("applications:application_pdf", args=[application.pk]))
    assert again.getvalue() == content

    # The call's packet: the stored forms and the stamped scan merged, stored again.
    advance(application, ApplicationStatus.AT_CITY)
    packet = client_for("lz_city").get(reverse("applications:call_packet", args=[call.pk]))
    files.assert_served(packet, "application/pdf")
    merged = packet.getvalue()
    assert PHOTO_SIZE in pdf_image_sizes(merged)
    assert len(PdfReader(io.BytesIO(merged)).pages) > len(PdfReader(io.BytesIO(content)).pages)
    stored_packet = RenderedPacket.objects.get(call=call)
    assert read(memory_storage, stored_packet.file.name) == merged

    names = stored_names(memory_storage)
    for field_file in (application.photo, attachment.file, scan, stored_packet.file):
        assert field_file.name in names


def test_an_import_waits_in_the_storage_between_preview_and_confirmation(
    demo, client_for, memory_storage
):
    from tests.funding.test_imports import SCHOOL_HEADERS, SCHOOLS, confirm, upload, workbook

    city = demo.user("lz_city")
    client = client_for("lz_city")
    preview = upload(client, "schools", workbook(SCHOOL_HEADERS, SCHOOLS))
    assert preview.status_code == 200 and preview.context["token"]
    [waiting] = stored_names(memory_storage, f"imports/{city.pk}/")
    assert waiting.endswith(".xlsx")
    assert load_workbook(io.BytesIO(read(memory_storage, waiting))).active["A2"].value

    confirmed = confirm(client, preview)
    assert confirmed.status_code == 302
    assert demo.org("liucheng-sx2").name == "柳城县第二实验小学"
    assert stored_names(memory_storage, "imports/") == []  # confirmed: the upload is gone


def test_a_background_export_is_stored_and_downloaded_through_the_storage(
    demo, client_for, memory_storage, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "LARGE_EXPORT_ROWS", 0)  # every workbook in the background
    client = client_for("lz_auditor_liucheng")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("funding:audit_export"), {"city": "liuzhou", "county": "liucheng"}
        )
    job = Job.objects.get()
    assert response.url == reverse("accounts:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE, job.error
    assert memory_storage.exists(job.result.name)
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    files.assert_served(download, XLSX)
    content = b"".join(download.streaming_content)
    assert content == read(memory_storage, job.result.name)
    assert load_workbook(io.BytesIO(content)).sheetnames


# --- the static check ------------------------------------------------------------------------


def file_field_names() -> set[str]:
    """The attribute names of every FileField of the project's models (photo, file, …)."""
    return {
        field.name
        for model in apps.get_models()
        if model.__module__.split(".")[0] in APP_PACKAGES
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def _last_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):  # storages["default"].path(...) / field.storage.path(...)
        return _last_name(node.func)
    if isinstance(node, ast.Subscript):
        return _last_name(node.value)
    return ""


def direct_file_access(source: str, stored: set[str]) -> list[tuple[int, str]]:
    """What in ``source`` bypasses the storage API: MEDIA_ROOT read in any way, a stored file's
    or a storage's ``.path``, or a storage class bound to the server's disk."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "MEDIA_ROOT":
            found.append((node.lineno, "settings.MEDIA_ROOT"))
        elif isinstance(node, ast.Name) and node.id == "MEDIA_ROOT":
            found.append((node.lineno, "MEDIA_ROOT"))
        elif isinstance(node, ast.Constant) and node.value == "MEDIA_ROOT":
            found.append((node.lineno, 'getattr(settings, "MEDIA_ROOT")'))
        elif isinstance(node, ast.Attribute) and node.attr == "path":
            owner = _last_name(node.value)
            if owner in stored or owner in {"storage", "default_storage", "storages"}:
                found.append((node.lineno, f"{owner}.path"))
        elif isinstance(node, ast.Name | ast.Attribute) and "FileSystemStorage" in (
            node.id if isinstance(node, ast.Name) else node.attr
        ):
            found.append((node.lineno, "FileSystemStorage"))
        elif isinstance(node, ast.alias) and node.name.endswith("FileSystemStorage"):
            found.append((node.lineno, "import FileSystemStorage"))
    return sorted(found)


def test_the_check_finds_what_it_looks_for():
    stored = {"photo", "file"}
    bad = """
from django.conf import settings
from django.core.files.storage import FileSystemStorage
folder = settings.MEDIA_ROOT / "x"
where = getattr(settings, "MEDIA_ROOT")
disk = application.photo.path
also = row.file.storage.path(row.file.name)
again = default_storage.path("a")
"""
    kinds = [what for _line, what in direct_file_access(bad, stored)]
    assert kinds == [
        "import FileSystemStorage",
        "settings.MEDIA_ROOT",
        'getattr(settings, "MEDIA_ROOT")',
        "photo.path",
        "storage.path",
        "default_storage.path",
    ]
    fine = """
path = request.path
columns = [column.path for column in self.columns]
with application.photo.open("rb") as handle:
    data = handle.read()
message = "copy MEDIA_ROOT by hand"  # words about it are not a use
"""
    assert direct_file_access(fine, stored) == []


def test_no_app_code_touches_media_root_or_a_stored_files_path():
    stored = file_field_names()
    assert {"photo", "file", "result", "receipt", "stamped_scan"} <= stored
    offences = []
    for package in APP_PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            for line, what in direct_file_access(source.read_text(encoding="utf-8"), stored):
                offences.append(f"{source.relative_to(ROOT)}:{line}: {what}")
    assert offences == [], "files must go through the storage API:\n" + "\n".join(offences)
