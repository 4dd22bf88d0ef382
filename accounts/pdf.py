"""The one way Mingshi makes a PDF: an HTML template under templates/<app>/pdf/ → WeasyPrint.

Templates must put ``lang="zh-CN"`` on <html> (or name the font) so that Chinese glyphs come
from the Simplified Chinese face of the CJK font the setup installs (fonts-noto-cjk).
"""

import mimetypes
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

# Fonts are named explicitly so a machine with several CJK fonts picks the same one.
PDF_FONT_FAMILY = '"Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", serif'


# A file we stored is named in a PDF's HTML as ``storage:<its name in the default storage>``
# and read back through the storage API while WeasyPrint lays the page out: never a path under
# MEDIA_ROOT (object storage has none, and another web node's disk is not this one's) and never
# a URL the network could serve.
STORAGE_SCHEME = "storage"
# What a PDF may load besides our stored files: images drawn into the HTML (QR codes).
# Anything else (http:, file:, ftp:) is refused, so that text a user typed can never make the
# layout fetch from the network or read a file of the server.
INLINE_SCHEMES = {"data"}


def storage_url(field_file) -> str:
    """The URL that puts ``field_file`` (of a FileField on the default storage) into a PDF."""
    return f"{STORAGE_SCHEME}:{quote(field_file.name)}"


def _url_fetcher():
    # WeasyPrint's fetcher class comes with WeasyPrint, imported when a PDF is laid out.
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415

    class StorageFetcher(URLFetcher):
        """Serves ``storage:`` URLs from the default storage, ``data:`` URLs as they are, and
        refuses the rest (WeasyPrint then leaves that image out and logs why)."""

        def fetch(self, url, headers=None):
            scheme, _, rest = url.partition(":")
            scheme = scheme.lower()
            if scheme == STORAGE_SCHEME:
                name = unquote(rest)
                with default_storage.open(name, "rb") as handle:
                    content = handle.read()
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, content, {"Content-Type": content_type})
            if scheme in INLINE_SCHEMES:
                return super().fetch(url, headers)
            raise ValueError(f"A PDF loads only our stored files and data: URLs, not {url!r}")

    return StorageFetcher()


def pdf_document(html: str):
    """WeasyPrint's document for ``html``, reading our stored files through the storage API
    (the bench lays it out with other options; everything else calls ``html_pdf``)."""
    # WeasyPrint (with Pango) takes about a second to import: only a process that lays out a
    # PDF pays for it, not every web worker, job and manage.py command as it starts.
    from weasyprint import HTML  # noqa: PLC0415

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher())


# What WeasyPrint is asked for, besides the HTML. Stored PDFs carry a digest of their inputs
# (applications.renditions), and this is one of them: changing it lays them out again.
# Images are stored at no more than 300 dpi of their printed size: a phone's photo printed
# 25 × 35 mm keeps ~300 × 410 pixels, which prints as sharp, and a form is ~22% smaller (the
# text is the same; the time within noise: bench/pdf_renditions.py). full_fonts would embed the
# whole CJK font (44 MB a form); fonts are already subset with HarfBuzz.
PDF_OPTIONS: dict = {"optimize_images": True, "dpi": 300}


def render_html(template_name: str, context: dict, *, language: str = "zh-hans") -> str:
    """The HTML that ``render_pdf`` lays out (autoescaped): cheap, so that a stored PDF can be
    checked against what it would be now without laying it out."""

    with translation.override(language):
        return render_to_string(template_name, {"pdf_font_family": PDF_FONT_FAMILY, **context})


def html_pdf(html: str) -> bytes:
    """Lay out ``html`` (from ``render_html``) as PDF bytes."""
    return pdf_document(html).write_pdf(**PDF_OPTIONS)


def renderer_signature() -> str:
    """What besides the HTML decides the bytes of a PDF: the engine's version and options."""
    import weasyprint  # noqa: PLC0415

    options = ",".join(f"{key}={value!r}" for key, value in sorted(PDF_OPTIONS.items()))
    return f"weasyprint {weasyprint.__version__}; {options}; {PDF_FONT_FAMILY}"


def render_pdf(template_name: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """Render ``template_name`` with ``context`` (autoescaped) to PDF bytes.

    Stored files are referenced as ``storage_url(field_file)`` and read through the storage
    API; nothing is fetched over the network or read from the server's disk.
    """

    return html_pdf(render_html(template_name, context, language=language))
