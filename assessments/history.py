"""The phrases of assessments' audit verbs and the labels of its states (see accounts.history)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.history import register_states, register_verbs

from .models import (
    AnnualAssessment,
    AnnualReport,
    Outcome,
    Rectification,
    RectificationStatus,
    ReportStatus,
    TermEvaluation,
)

register_states(AnnualReport, ReportStatus.choices)
register_states(AnnualAssessment, [*AnnualAssessment.Status.choices, *Outcome.choices])
register_states(Rectification, RectificationStatus.choices)
register_states(
    TermEvaluation,
    [
        *TermEvaluation.Status.choices,
        *TermEvaluation.Result.choices,
        ("submitted", pgettext_lazy("state", "Scored")),
        ("excluded", pgettext_lazy("state", "Host excluded")),
    ],
)

register_verbs(
    {
        "assessments.report.opened": _("opened the annual report"),
        "assessments.report.saved": _("saved the annual report"),
        "assessments.report.attached": _("attached a file to the annual report"),
        "assessments.report.detached": _("removed a file from the annual report"),
        "assessments.report.submitted": _("submitted the annual report"),
        "assessments.report.returned": _("returned the annual report for revision"),
        "assessments.report.accepted": _("accepted the annual report"),
        "assessments.report.deadline_soon": _("the annual report is due soon"),
        "assessments.assessment.opened": _("opened the annual assessment"),
        "assessments.assessment.score": _("asked the experts to score the annual assessment"),
        "assessments.assessment.scored": _("scored the annual assessment"),
        "assessments.assessment.decided": _("decided the annual assessment: “%(to)s”"),
        "assessments.rectification.opened": _("required a rectification"),
        "assessments.rectification.submitted": _("submitted the rectification"),
        "assessments.rectification.accepted": _("accepted the rectification"),
        "assessments.rectification.rejected": _("rejected the rectification"),
        "assessments.rectification.revocation_proposed": _("proposed revoking the studio"),
        "assessments.rectification.deadline_soon": _("the rectification is due soon"),
        "assessments.term_evaluation.opened": _("opened the three-year evaluation"),
        "assessments.term_evaluation.expert_assigned": _("assigned an expert to the evaluation"),
        "assessments.term_evaluation.scored": _("scored the three-year evaluation"),
        "assessments.term_evaluation.scoring_complete": _(
            "recorded that every expert has scored the evaluation"
        ),
        "assessments.term_evaluation.decided": _("decided the three-year evaluation: “%(to)s”"),
        "assessments.host.excluded": _("excluded the host from hosting a studio"),
    }
)
