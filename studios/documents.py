"""Studio documents: the plaque certificate (授牌证书), rendered through the one render_pdf."""

from datetime import date

from accounts.pdf import render_pdf

from .models import Studio


def zh_date(day: date) -> str:
    """A date as official Chinese documents write it: 2024年9月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def plaque_certificate_pdf(studio: Studio) -> bytes:
    """An A4 landscape certificate: the studio's name, host, school, plaque number and term,
    issued by the call's municipal bureau on the day the results were published."""
    application = studio.application
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
        },
    )
