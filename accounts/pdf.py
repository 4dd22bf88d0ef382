"""The one way Mingshi makes a PDF: an HTML template under templates/<app>/pdf/ → WeasyPrint.

Templates must put ``lang="zh-CN"`` on <html> (or name the font) so that Chinese glyphs come
from the Simplified Chinese face of the CJK font the setup installs (fonts-noto-cjk).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# Fonts are named explicitly so a machine with several CJK fonts picks the same one.
PDF_FONT_FAMILY = '"Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", serif'


def _html(html: str):
    # WeasyPrint (with Pango) takes about a second to import: only a process that lays out a
    # PDF pays for it, not every web worker, job and manage.py command as it starts.
    from weasyprint import HTML  # noqa: PLC0415

    return HTML(string=html, base_url=str(settings.BASE_DIR))


def render_pdf(template_name: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """Render ``template_name`` with ``context`` (autoescaped) to PDF bytes.

    Files referenced as ``file://`` URLs (photos from MEDIA_ROOT) are read directly; nothing is
    fetched over the network.
    """

    with translation.override(language):
        html = render_to_string(template_name, {"pdf_font_family": PDF_FONT_FAMILY, **context})
    return _html(html).write_pdf()


def render_document(template_name: str, context: dict, *, language: str = "zh-hans"):
    """Lay out one document without writing it, so that several can become one PDF."""

    with translation.override(language):
        html = render_to_string(template_name, {"pdf_font_family": PDF_FONT_FAMILY, **context})
    return _html(html).render()


def combine_documents(documents: list) -> bytes:
    """One PDF of the pages of ``documents``, in order."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
