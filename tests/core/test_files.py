"""core.files: what a file response says about the file, whoever uploaded it."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import Http404
from django.test import RequestFactory

from core.files import (
    CSP_DOWNLOAD,
    CSP_INLINE,
    file_download,
    protect,
    stored_file_response,
    stream_download,
)
from tests.core import files

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Stored:
    """A FieldFile stand-in over a real storage: a name and open()."""

    def __init__(self, storage, name):
        self.storage, self.name = storage, name

    def __bool__(self):
        return bool(self.name)

    def open(self, mode="rb"):
        return self.storage.open(self.name, mode)


@pytest.fixture
def store(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    def put(name, content):
        return Stored(storage, storage.save(name, ContentFile(content)))

    return put


@pytest.mark.parametrize(
    "stored_name, content, content_type, inline",
    [
        ("a.png", files.png(), "image/png", True),
        ("a.jpg", files.jpeg(), "image/jpeg", True),
        ("a.pdf", files.PDF, "application/pdf", True),
        ("a.docx", files.docx(), DOCX, False),
        ("a.xlsx", files.xlsx(), XLSX, False),
        ("a.doc", files.doc(), "application/msword", False),
        ("a.zip", files.plain_zip(), "application/zip", False),
    ],
)
def test_the_type_comes_from_the_stored_bytes(store, stored_name, content, content_type, inline):
    response = stored_file_response(store(stored_name, content), "下载", inline=True)
    files.assert_served(response, content_type, inline=inline)
    assert response["Content-Security-Policy"] == (CSP_INLINE if inline else CSP_DOWNLOAD)
    assert b"".join(response.streaming_content) == content


def test_what_is_not_what_its_name_says_is_an_opaque_download(store):
    """HTML stored under .png (before the content check, say) is neither shown nor sniffed."""
    html = b"<html><script>alert(document.cookie)</script></html>"
    response = stored_file_response(store("old.png", html), "old.png", inline=True)
    files.assert_served(response, "application/octet-stream", inline=False)
    # the uploader's name never chooses the type
    response = stored_file_response(store("x.html", files.PDF), "x.html")
    files.assert_served(response, "application/pdf")


def test_a_missing_file_is_404(store, tmp_path):
    with pytest.raises(Http404):
        stored_file_response(Stored(FileSystemStorage(location=tmp_path), ""), "x")
    with pytest.raises(Http404):
        stored_file_response(Stored(FileSystemStorage(location=tmp_path), "gone.pdf"), "x")


def test_documents_we_make_are_served_the_same_way(tmp_path):
    files.assert_served(
        file_download(files.PDF, filename="证书.pdf", content_type="application/pdf", inline=True),
        "application/pdf",
        inline=True,
    )
    workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # a workbook is never shown in place, even if asked
    files.assert_served(
        file_download(filename="表.xlsx", content_type=workbook, inline=True), workbook
    )
    handle = (tmp_path / "export.xlsx").open("w+b")
    handle.write(files.xlsx())
    handle.seek(0)
    streamed = stream_download(handle, filename="表.xlsx", content_type=workbook)
    files.assert_served(streamed, workbook)


def test_a_typed_title_with_line_breaks_is_a_file_name_not_a_500():
    response = file_download(
        b"x", filename='a";\r\nSet-Cookie: x=1.pdf', content_type="application/pdf"
    )
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert "Set-Cookie" not in response
    assert file_download(b"x", filename="\x00\n", content_type="application/pdf")[
        "Content-Disposition"
    ].endswith('filename="download"')


def test_the_site_wide_csp_middleware_leaves_a_file_responses_policy_alone(settings):
    """django-csp 4 sets its policy only where no Content-Security-Policy header is set (and
    not on responses marked exempt): file responses keep their sandbox; pages get the site's."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'"]}
    }
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp/"}
    }
    request = RequestFactory().get("/evidence/1/")
    download = file_download(files.PDF, filename="a.pdf", content_type="application/pdf")
    served = CSPMiddleware(lambda r: download)(request)
    assert served["Content-Security-Policy"] == CSP_DOWNLOAD
    assert "Content-Security-Policy-Report-Only" not in served

    page = CSPMiddleware(lambda r: HttpResponse("<p>page</p>"))(RequestFactory().get("/"))
    assert "script-src 'self'" in page["Content-Security-Policy"]

    # even without the exempt flags, the header already set wins
    bare = HttpResponse(b"x")
    protect(bare, content_type="image/png", filename="a.png", inline=True)
    del bare._csp_exempt
    assert CSPMiddleware(lambda r: bare)(request)["Content-Security-Policy"] == CSP_INLINE
