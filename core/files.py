"""Responses that hand a file to the browser: uploads we stored and documents we made.

Every one says what the file is from what we hold (the stored bytes, or the type of the
document we generated), never from the uploader's name or browser; forbids sniffing
(``X-Content-Type-Options: nosniff``); and carries its own Content-Security-Policy that
sandboxes the document and loads nothing (``sandbox; default-src 'none'``), so that even a
file that got past the upload check cannot run script in our origin. Only images and PDFs
may be shown in the browser (``inline``); everything else is always a download.

The site-wide policy of django-csp's middleware (for HTML pages) leaves these responses
alone: the middleware never replaces a Content-Security-Policy header already on the
response, and the ``_csp_exempt`` flags set here say the same thing explicitly.
"""

from __future__ import annotations

from pathlib import PurePath

from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header

from .uploads import BY_SUFFIX, KINDS, OLE_MAGIC, Kind

OCTET_STREAM = "application/octet-stream"
# Nothing runs, nothing loads; an image or a PDF shown in place may style its own viewer page.
CSP_DOWNLOAD = "sandbox; default-src 'none'"
CSP_INLINE = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
INLINE_TYPES = {kind.content_type for kind in KINDS.values() if kind.inline}


def protect(response, *, content_type: str, filename: str, inline: bool = False):
    """Give ``response`` the headers every file response carries; inline only for images/PDFs."""
    inline = inline and content_type in INLINE_TYPES
    # A name comes from what people typed (a title): no line breaks or controls in a header.
    filename = "".join(c if c.isprintable() else " " for c in filename or "").strip()
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition_header(not inline, filename or "download")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CSP_INLINE if inline else CSP_DOWNLOAD
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # django-csp: this response has its own policy (it also never overwrites one that is set).
    response._csp_exempt = True
    response._csp_exempt_ro = True
    return response


def stored_kind(head: bytes, stored_name: str) -> Kind | None:
    """What a stored file is, from its first bytes (the zip family told apart by its suffix,
    which the upload check made agree with the content)."""
    by_suffix = BY_SUFFIX.get(_suffix(stored_name))
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"PK\x03\x04"):
        if by_suffix is not None and by_suffix.code in {"docx", "xlsx", "pptx", "zip"}:
            return by_suffix
        return KINDS["zip"]
    if head.startswith(OLE_MAGIC) and by_suffix is KINDS["doc"]:
        return by_suffix
    return None


def stored_file_response(field_file, filename: str, *, inline: bool = False) -> FileResponse:
    """Stream a stored file under ``filename``; a row whose file is gone is a 404.

    The type comes from the stored bytes: a file of no kind we accept (an old upload from
    before the content check, say) goes out as ``application/octet-stream``, to be saved.
    """
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    head = handle.read(8)
    handle.seek(0)
    kind = stored_kind(head, field_file.name)
    content_type = kind.content_type if kind else OCTET_STREAM
    response = FileResponse(handle, content_type=content_type)
    return protect(response, content_type=content_type, filename=filename, inline=inline)


def file_download(
    content: bytes = b"", *, filename: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """A document we made (a PDF, a workbook): ``content`` now, or written into the response."""
    response = HttpResponse(content)
    return protect(response, content_type=content_type, filename=filename, inline=inline)


def stream_download(handle, *, filename: str, content_type: str) -> FileResponse:
    """A document we made into a file ``handle`` (a temporary file), always saved, not shown."""
    response = FileResponse(handle, content_type=content_type)
    return protect(response, content_type=content_type, filename=filename)


def _suffix(name: str) -> str:
    return PurePath(name or "").suffix.lower()
