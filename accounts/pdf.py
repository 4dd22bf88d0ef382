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
    return _html(html).write_pdf(**PDF_OPTIONS)


def renderer_signature() -> str:
    """What besides the HTML decides the bytes of a PDF: the engine's version and options."""
    import weasyprint  # noqa: PLC0415

    options = ",".join(f"{key}={value!r}" for key, value in sorted(PDF_OPTIONS.items()))
    return f"weasyprint {weasyprint.__version__}; {options}; {PDF_FONT_FAMILY}"


def render_pdf(template_name: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """Render ``template_name`` with ``context`` (autoescaped) to PDF bytes.

    Files referenced as ``file://`` URLs (photos from MEDIA_ROOT) are read directly; nothing is
    fetched over the network.
    """

    return html_pdf(render_html(template_name, context, language=language))
