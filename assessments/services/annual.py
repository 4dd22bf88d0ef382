"""The annual assessment: opened for a studio and year, scored by experts where the policy says so,
decided by the assessing body.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from policies.models import AssessmentScale, Policy
from studios.models import Studio, StudioStatus

from .. import workflow
from ..errors import AssessmentError
from ..models import (
    AnnualAssessment,
    AnnualReport,
    Commendation,
    ExpertScore,
    Outcome,
)
from ..obligations import obligation_flagged
from ..selectors import assessors_of, experts_of
from .rectification import rectification_open, studio_revoke
from .shared import _assessor_may_act, _clean_scores, _locked_assessment, _moment, _total


@transaction.atomic
def assessment_open(*, actor: User, studio: Studio, year: int) -> AnnualAssessment:
    """Open the year's assessment of ``studio`` (on its report, when there is one). Idempotent."""
    _assessor_may_act(actor, studio)
    if studio.status != StudioStatus.ACTIVE:
        raise AssessmentError(_("The studio is no longer active."))
    report = AnnualReport.objects.filter(studio=studio, year=year).first()
    assessment, created = AnnualAssessment.objects.get_or_create(
        studio=studio, year=year, defaults={"report": report}
    )
    if not created:
        if assessment.report_id is None and report is not None:
            AnnualAssessment.objects.filter(pk=assessment.pk, report__isnull=True).update(
                report=report
            )
            assessment.report = report
        return assessment
    audit_record(
        actor=actor,
        obj=assessment,
        verb="assessments.assessment.opened",
        to_state=AnnualAssessment.Status.OPEN,
    )
    if studio.policy.annual_assessment_with_experts:
        notify(
            experts_of(studio),
            verb="assessments.assessment.score",
            title=lambda: (
                _("Score the %(year)s annual assessment of %(studio)s")
                % {"year": year, "studio": studio.name}
            ),
            url=assessment.get_absolute_url(),
            obj=assessment,
            dedupe_key=f"assessment-score:{assessment.pk}",
        )
    return assessment


@transaction.atomic
def expert_score_submit(
    *, actor: User, assessment: AnnualAssessment, scores: dict, comment: str = ""
) -> ExpertScore:
    """An expert of the city scores every annual indicator. Submitted scores are final."""
    assessment = _locked_assessment(assessment)
    if not can(actor, "assessments.score_annual_assessment", assessment):
        raise AssessmentError(_("You may not score this assessment."))
    cleaned = _clean_scores(assessment.studio.policy, scores, complete=True)
    score, created = ExpertScore.objects.get_or_create(
        assessment=assessment, expert=actor, defaults={"scores": {}}
    )
    if score.submitted_at is not None:
        raise AssessmentError(_("You have already submitted your scores."))
    score.scores = cleaned
    score.total = _total(cleaned)
    score.comment = comment.strip()
    score.submitted_at = timezone.now()
    score.save(update_fields=["scores", "total", "comment", "submitted_at"])
    audit_record(
        actor=actor,
        obj=assessment,
        verb="assessments.assessment.scored",
        to_state=assessment.status,
        comment=str(score.total),
    )
    studio = assessment.studio
    notify(
        assessors_of(studio),
        verb="assessments.assessment.scored",
        title=lambda: (
            _("An expert scored %(studio)s (%(year)s)")
            % {"studio": studio.name, "year": assessment.year}
        ),
        url=assessment.get_absolute_url(),
        obj=assessment,
    )
    return score


def outcome_for_total(policy: Policy, total: Decimal) -> str:
    """A scored policy's outcome: commended from the commend score, pass from the pass score."""
    if policy.annual_commend_score is not None and total >= policy.annual_commend_score:
        return Outcome.COMMENDED
    if policy.annual_pass_score is not None and total >= policy.annual_pass_score:
        return Outcome.PASS
    return Outcome.FAIL


def _check_reasons(
    assessment: AnnualAssessment, outcome: str, comment: str, required_actions: str
) -> None:
    """What a decision must say: why a studio failed and what it must rectify; why it passes
    when its host did not confirm the policy's head-teacher obligation."""
    if outcome == Outcome.FAIL and not comment:
        raise AssessmentError(_("Say why the studio failed."))
    # the seed 《建设与管理办法》 do not make a host who stopped being a head teacher an automatic
    # fail (第十七条 knows only 合格/不合格 and rectification): a pass stands, with the reason.
    if outcome != Outcome.FAIL and obligation_flagged(assessment.report) and not comment:
        raise AssessmentError(
            _(
                "The host did not confirm being still a head teacher, as this policy requires "
                "for the whole term: say in the comment why the studio passes nonetheless."
            )
        )
    policy = assessment.studio.policy
    if outcome == Outcome.FAIL and policy.rectification_on_fail and not required_actions.strip():
        raise AssessmentError(_("Say what the studio must do to rectify."))


@transaction.atomic
def assessment_decide(
    *,
    actor: User,
    assessment: AnnualAssessment,
    outcome: str = "",
    scores: dict | None = None,
    comment: str = "",
    required_actions: str = "",
    deadline: date | None = None,
    today: date,
) -> AnnualAssessment:
    """The assessing body decides the year, on the policy's scale.

    Pass/fail: ``outcome`` is pass or fail. Scored: ``scores`` on every annual indicator give the
    total, and the total against the policy's pass and commend scores gives the outcome (an
    ``outcome`` given as well must agree). Where experts take part, at least one has scored.
    A fail needs a comment. Then, from the policy: a commended studio's host gets a
    commendation; a fail opens a rectification (``required_actions``, ``deadline``) where the
    policy gives one, and otherwise revokes the studio at once.
    """
    assessment = _locked_assessment(assessment)
    studio = assessment.studio
    policy = studio.policy
    _assessor_may_act(actor, studio)
    if assessment.status != AnnualAssessment.Status.OPEN:
        raise AssessmentError(_("This assessment has already been decided."))
    if studio.status != StudioStatus.ACTIVE:
        raise AssessmentError(_("The studio is no longer active."))
    total = None
    cleaned: dict = {}
    if policy.annual_assessment_scale == AssessmentScale.PASS_FAIL:
        if outcome not in (Outcome.PASS, Outcome.FAIL):
            raise AssessmentError(_("This policy's annual assessment is pass or fail."))
    else:
        if (
            policy.annual_assessment_with_experts
            and not assessment.expert_scores.filter(submitted_at__isnull=False).exists()
        ):
            raise AssessmentError(_("No expert has scored this studio yet."))
        cleaned = _clean_scores(policy, scores or {}, complete=True)
        total = _total(cleaned)
        derived = outcome_for_total(policy, total)
        if outcome and outcome != derived:
            raise AssessmentError(
                _("A total of %(total)s gives “%(outcome)s” under this policy.")
                % {"total": total, "outcome": Outcome(derived).label}
            )
        outcome = derived
    comment = comment.strip()
    _check_reasons(assessment, outcome, comment, required_actions)

    workflow.assessment_decide(
        assessment,
        actor=actor,
        outcome=outcome,
        decision={
            "scores": cleaned,
            "total": total,
            "comment": comment,
            "assessor": actor,
            "decided_at": _moment(today),
        },
        comment=comment if total is None else f"{total} · {comment}".strip(" ·"),
    )
    notify(
        [studio.host],
        verb="assessments.assessment.decided",
        title=lambda: (
            _("%(studio)s, annual assessment %(year)s: %(outcome)s")
            % {"studio": studio.name, "year": assessment.year, "outcome": Outcome(outcome).label}
        ),
        body=comment,
        url=assessment.get_absolute_url(),
        obj=assessment,
    )
    if outcome == Outcome.COMMENDED:
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Commended in the %(year)s annual assessment") % {"year": assessment.year}
        Commendation.objects.get_or_create(
            person=studio.host, studio=studio, title=title, year=assessment.year
        )
    elif outcome == Outcome.FAIL:
        if policy.rectification_on_fail:
            rectification_open(
                actor=actor,
                assessment=assessment,
                required_actions=required_actions,
                deadline=deadline,
                today=today,
            )
        else:
            studio_revoke(
                actor=actor,
                studio=studio,
                day=today,
                reason=_("Failed the %(year)s annual assessment") % {"year": assessment.year},
            )
    return assessment
