"""Assessment documents: the result letter of an annual assessment (年度考核结果通知书)."""

from django.utils import timezone

from accounts.pdf import render_pdf
from studios.documents import zh_date

from .models import AnnualAssessment, Outcome
from .selectors import assessing_body

# The letter is an official document in Chinese, whatever the reader's interface language.
OUTCOME_ZH = {Outcome.COMMENDED: "优秀（予以表彰）", Outcome.PASS: "合格", Outcome.FAIL: "不合格"}


def result_letter_pdf(assessment: AnnualAssessment) -> bytes:
    """One A4 page: the studio, the year, the outcome (and total on a scored policy), the
    assessor's comment, rectification or revocation where it followed, the issuing body and
    the day of the decision."""
    studio = assessment.studio
    body = assessing_body(studio)
    rectification = getattr(assessment, "rectification", None)
    return render_pdf(
        "assessments/pdf/result_letter.html",
        {
            "assessment": assessment,
            "studio": studio,
            "outcome": OUTCOME_ZH.get(assessment.outcome, ""),
            "failed": assessment.outcome == Outcome.FAIL,
            "rectification": rectification,
            "deadline": zh_date(rectification.deadline) if rectification else "",
            "revoked_on": zh_date(studio.revoked_on) if studio.revoked_on else "",
            "issuer": body.name if body is not None else "",
            "issued_on": zh_date(timezone.localdate(assessment.decided_at))
            if assessment.decided_at
            else "",
        },
    )


def letter_filename(assessment: AnnualAssessment) -> str:
    return f"{assessment.studio.name}-{assessment.year}年度考核结果通知书.pdf"
