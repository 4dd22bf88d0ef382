"""Studio documents: the plaque certificate (授牌证书), rendered through the one render_pdf."""

import base64
import io
from datetime import date

from django.urls import reverse

from accounts.pdf import render_pdf
from core.http import absolute_url

from .models import Studio

# The QR code's printed size, and the most pixels it needs: the certificate's images are kept
# at no more than 300 dpi (accounts.pdf.PDF_OPTIONS), and 35 mm at 300 dpi is 413 pixels.
QR_SIZE_MM = 35
QR_MAX_PIXELS = 413


def zh_date(day: date) -> str:
    """A date as official Chinese documents write it: 2024年9月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def verification_url(studio: Studio) -> str:
    """The address a plaque's QR code opens: its public verification page, by the plaque's
    unguessable code (not its number, which runs in order)."""
    return absolute_url(reverse("studios:plaque_check", args=[studio.verification_code]))


def qr_png(text: str) -> bytes:
    """``text`` as a QR code, PNG, black on white with the standard quiet zone of 4 modules.

    Level M corrects 15% of the code: enough for a plaque photographed at an angle or a print
    slightly worn. Each module is a whole number of pixels, at most ``QR_MAX_PIXELS`` across,
    so that the PDF keeps the image as it is; the template asks for it to be drawn without
    smoothing (``image-rendering: pixelated``) so that the modules print with sharp edges.
    """
    # qrcode is loaded when a code is drawn, not by every process as it starts.
    import qrcode  # noqa: PLC0415
    from qrcode.constants import ERROR_CORRECT_M  # noqa: PLC0415

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    code.box_size = max(1, QR_MAX_PIXELS // (code.modules_count + 2 * code.border))
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def plaque_certificate_pdf(studio: Studio) -> bytes:
    """An A4 landscape certificate: the studio's name, host, school, plaque number and term,
    issued by the call's municipal bureau on the day the results were published, with the QR
    code of its verification page."""
    application = studio.application
    url = verification_url(studio)
    return render_pdf(
        "studios/pdf/plaque_certificate.html",
        {
            "studio": studio,
            "host_name": application.host_name,
            "school_name": studio.school.name,
            "term": f"{zh_date(studio.term_start)}—{zh_date(studio.term_end)}",
            "bureau_name": studio.call.bureau.name,
            "issued_on": zh_date(studio.published_on),
            "expert_review": studio.policy.expert_review,
            "public_notice": studio.policy.public_notice,
            "verification_url": url,
            "verification_qr": "data:image/png;base64,"
            + base64.b64encode(qr_png(url)).decode("ascii"),
            "qr_size_mm": QR_SIZE_MM,
        },
    )
