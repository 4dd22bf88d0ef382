"""Every move of an assessment's states: annual reports, annual assessments, rectifications and
three-year evaluations.

Each is one plain function on :func:`core.workflow.transition` (row lock → source-state guard →
conditional update → audit record with a literal verb); the service that calls it has checked
permission and content first, and sends the notifications. No status is written anywhere else.
"""

from datetime import date, datetime

from django.utils.translation import gettext as _

from accounts.models import User
from core.workflow import TransitionRefused, transition

from .errors import AssessmentError
from .models import (
    AnnualAssessment,
    AnnualReport,
    Rectification,
    RectificationStatus,
    ReportStatus,
    TermEvaluation,
)


def _changed_meanwhile(_state) -> AssessmentError:
    return AssessmentError(_("Someone else has acted on this meanwhile; reload the page."))


# --- annual reports ---------------------------------------------------------------------------


def report_submit(report: AnnualReport, *, actor: User, at: datetime) -> str:
    """Returns the state it left: a returned report that comes back is a resubmission."""
    return transition(
        report,
        permission=("assessments.write_report", report.studio),
        to=ReportStatus.SUBMITTED,
        sources=[ReportStatus.DRAFT, ReportStatus.RETURNED],
        actor=actor,
        verb="assessments.report.submitted",
        changes={"submitted_at": at},
        refused=_changed_meanwhile,
    )


def report_return(report: AnnualReport, *, actor: User, comment: str) -> None:
    transition(
        report,
        permission=("assessments.assess_studio", report.studio),
        to=ReportStatus.RETURNED,
        sources=ReportStatus.SUBMITTED,
        actor=actor,
        verb="assessments.report.returned",
        comment=comment,
        refused=lambda _state: AssessmentError(_("Only a submitted report can be returned.")),
    )


def report_accept(report: AnnualReport, *, actor: User, comment: str) -> None:
    transition(
        report,
        permission=("assessments.assess_studio", report.studio),
        to=ReportStatus.ACCEPTED,
        sources=ReportStatus.SUBMITTED,
        actor=actor,
        verb="assessments.report.accepted",
        comment=comment,
        refused=lambda _state: AssessmentError(_("Only a submitted report can be accepted.")),
    )


# --- the annual assessment ------------------------------------------------------------------


def assessment_decide(
    assessment: AnnualAssessment, *, actor: User, outcome: str, decision: dict, comment: str
) -> None:
    """``decision`` holds the fields written with it: scores, total, comment, assessor, time."""
    transition(
        assessment,
        permission=("assessments.assess_studio", assessment.studio),
        to=AnnualAssessment.Status.DECIDED,
        sources=AnnualAssessment.Status.OPEN,
        actor=actor,
        verb="assessments.assessment.decided",
        comment=comment,
        changes={"outcome": outcome, **decision},
        recorded_as=outcome,
        refused=lambda _state: AssessmentError(_("This assessment has already been decided.")),
    )


# --- rectification ----------------------------------------------------------------------------


def rectification_submit(rectification: Rectification, *, actor: User, report: str, at) -> None:
    transition(
        rectification,
        permission=("assessments.write_report", rectification.assessment.studio),
        to=RectificationStatus.SUBMITTED,
        sources=RectificationStatus.OPEN,
        actor=actor,
        verb="assessments.rectification.submitted",
        changes={"report": report, "submitted_at": at},
        refused=_changed_meanwhile,
    )


def rectification_accept(rectification: Rectification, *, actor: User, comment: str, at) -> None:
    transition(
        rectification,
        permission=("assessments.assess_studio", rectification.assessment.studio),
        to=RectificationStatus.ACCEPTED,
        sources=RectificationStatus.SUBMITTED,
        actor=actor,
        verb="assessments.rectification.accepted",
        comment=comment,
        changes={"decision_comment": comment, "decided_by": actor, "decided_at": at},
        refused=_changed_meanwhile,
    )


def rectification_reject(rectification: Rectification, *, actor: User, comment: str, at) -> None:
    """Not convinced (or the deadline passed unanswered): the studio is revoked next."""
    transition(
        rectification,
        permission=("assessments.assess_studio", rectification.assessment.studio),
        to=RectificationStatus.REVOKED,
        sources=[RectificationStatus.SUBMITTED, RectificationStatus.REVOCATION_PROPOSED],
        actor=actor,
        verb="assessments.rectification.rejected",
        comment=comment,
        changes={"decision_comment": comment, "decided_by": actor, "decided_at": at},
        refused=_changed_meanwhile,
    )


def revocation_propose(rectification: Rectification, *, today: date) -> bool:
    """The deadline passed with no report: revocation is proposed, once (a job may run twice)."""
    if rectification.deadline >= today:
        return False
    try:
        transition(
            rectification,
            to=RectificationStatus.REVOCATION_PROPOSED,
            sources=RectificationStatus.OPEN,
            actor=None,
            verb="assessments.rectification.revocation_proposed",
            comment=rectification.deadline.isoformat(),
            changes={"proposed_at": today},
            idempotency_key=f"rectification-expired:{rectification.pk}",
        )
    except TransitionRefused:
        return False
    return True


# --- the three-year evaluation --------------------------------------------------------------


def term_evaluation_decide(
    evaluation: TermEvaluation, *, actor: User, outcome: str, decision: dict, comment: str
) -> None:
    transition(
        evaluation,
        permission=("assessments.evaluate_term", evaluation.studio),
        to=TermEvaluation.Status.DECIDED,
        sources=TermEvaluation.Status.OPEN,
        actor=actor,
        verb="assessments.term_evaluation.decided",
        comment=comment,
        changes={"outcome": outcome, **decision},
        recorded_as=outcome,
        refused=lambda _state: AssessmentError(
            _("This three-year evaluation has already been decided.")
        ),
    )
