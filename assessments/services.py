"""Writes for annual reports (年度总结与自评), annual assessments (年度考核), rectification
(限期整改) and revocation (撤销/撤牌).

Every rule is read from the studio's policy: who assesses (``annual_assessor``), whether experts
score (``annual_assessment_with_experts``), the scale (pass/fail or scored, with the pass and
commend scores), whether a fail gets a deadline to rectify (``rectification_on_fail``) and how
long (``rectification_days``), and the report window (``annual_report_month``,
``annual_report_days``). No city is named here.

Each write asks ``accounts.permissions.can``, runs in a transaction, guards its source state
with a row lock or a conditional update (two clicks make one transition), records the
transition with ``audit_record`` and tells the people concerned with ``notify``.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationKind, Role, User
from accounts.permissions import can
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify
from core.uploads import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, UploadRefused, checked_upload
from policies.models import AssessmentScale, Indicator, IndicatorScope, Policy
from studios import workflow as studios_workflow
from studios.errors import StudioError
from studios.models import Membership, Studio, StudioStatus
from studios.signals import studio_revoked

from . import workflow
from .errors import AssessmentError
from .models import (
    AnnualAssessment,
    AnnualReport,
    AnnualReportAttachment,
    Commendation,
    ExpertScore,
    Outcome,
    Rectification,
    RectificationStatus,
    ReportStatus,
)
from .permissions import ASSESSOR_ROLE

# Reports, scans and photos the host attaches to the year's report.
REPORT_ATTACHMENT_TYPES = {
    ".pdf",
    ".docx",
    ".doc",
    ".xlsx",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
} & set(ATTACHMENT_TYPES)


# --- who is told -------------------------------------------------------------------------------


def assessing_body(studio: Studio):
    """The organisation the policy names for annual assessments, in the studio's city."""
    return studio.school.city.organisations.filter(kind=studio.policy.annual_assessor).first()


def assessors_of(studio: Studio) -> list[User]:
    body = assessing_body(studio)
    if body is None:
        return []
    return users_with_role(ASSESSOR_ROLE[studio.policy.annual_assessor], body)


def experts_of(studio: Studio) -> list[User]:
    bureau = studio.school.city.organisations.filter(kind=OrganisationKind.MUNICIPAL_BUREAU).first()
    return users_with_role(Role.EXPERT, bureau) if bureau is not None else []


# --- the report window -------------------------------------------------------------------------


def report_window(policy: Policy, year: int) -> tuple[date, date]:
    """The days the year's report may be written: from the 1st of the policy's report month,
    for ``annual_report_days`` days (the last one is the due date)."""
    opens_on = date(year, policy.annual_report_month, 1)
    return opens_on, opens_on + timedelta(days=policy.annual_report_days - 1)


def reports_due(studio: Studio, year: int) -> bool:
    """A studio reports on a year when it is active and its term meets the year's window."""
    opens_on, due_on = report_window(studio.policy, year)
    return (
        studio.status == StudioStatus.ACTIVE
        and studio.term_start <= due_on
        and studio.term_end >= opens_on
    )


def annual_indicators(policy: Policy) -> list[Indicator]:
    return list(policy.indicators.filter(scope=IndicatorScope.ANNUAL).order_by("position", "pk"))


def _clean_scores(policy: Policy, scores: dict, *, complete: bool) -> dict[str, str]:
    """Points per indicator code, each between 0 and the indicator's points. ``complete``
    asks for every indicator."""
    indicators = {i.code: i for i in annual_indicators(policy)}
    unknown = set(scores) - set(indicators)
    if unknown:
        raise AssessmentError(_("Scores were given for indicators this policy does not have."))
    cleaned: dict[str, str] = {}
    for code, indicator in indicators.items():
        raw = scores.get(code)
        if raw in (None, ""):
            if complete:
                raise AssessmentError(
                    _("Give points for “%(indicator)s”.") % {"indicator": indicator.name}
                )
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise AssessmentError(
                _("“%(value)s” is not a number (%(indicator)s).")
                % {"value": raw, "indicator": indicator.name}
            ) from None
        if not value.is_finite() or value < 0 or value > indicator.max_points:
            raise AssessmentError(
                _("Points for “%(indicator)s” lie between 0 and %(max)s.")
                % {"indicator": indicator.name, "max": indicator.max_points}
            )
        cleaned[code] = str(value.quantize(Decimal("0.1")))
    return cleaned


def _moment(today: date):
    """Now, on the application's ``today`` (the same thing, except in a replayed day)."""
    now = timezone.localtime()
    if now.date() == today:
        return now
    return timezone.make_aware(datetime.combine(today, now.time()))


def _total(scores: dict) -> Decimal:
    return sum((Decimal(v) for v in scores.values()), Decimal("0"))


# --- annual reports ----------------------------------------------------------------------------


@transaction.atomic
def report_open(*, studio: Studio, year: int, today: date) -> tuple[AnnualReport, bool]:
    """Open the year's report of ``studio`` and tell its host, once. Idempotent: a second call
    returns the same report and tells no one. The scheduled job calls it; nobody else must."""
    opens_on, due_on = report_window(studio.policy, year)
    if not reports_due(studio, year):
        raise AssessmentError(_("This studio does not report on that year."))
    report, created = AnnualReport.objects.get_or_create(
        studio=studio, year=year, defaults={"opens_on": opens_on, "due_on": due_on}
    )
    key = f"annual-report-opened:{studio.pk}:{year}"
    entry = audit_record(
        actor=None,
        obj=report,
        verb="assessments.report.opened",
        to_state=ReportStatus.DRAFT,
        comment=f"{opens_on.isoformat()} – {due_on.isoformat()}",
        idempotency_key=key,
    )
    if entry is not None:
        notify(
            [studio.host],
            verb="assessments.report.opened",
            title=lambda: (
                _("Write the %(year)s annual report of %(studio)s by %(day)s")
                % {"year": year, "studio": studio.name, "day": due_on.isoformat()}
            ),
            body=gettext_lazy(
                "Work done, results, members' growth and a self-evaluation on the policy's "
                "indicators. The year's activities, attendance and quotas are filled in for you."
            ),
            url=report.get_absolute_url(),
            obj=report,
            dedupe_key=key,
        )
    return report, created


def _locked_report(report: AnnualReport) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update()
        .select_related("studio__policy", "studio__school", "studio__host")
        .get(pk=report.pk)
    )


def _host_may_write(actor: User, report: AnnualReport) -> None:
    if not can(actor, "assessments.write_report", report.studio):
        raise AssessmentError(_("Only the studio's host writes its annual report."))
    if report.studio.status != StudioStatus.ACTIVE:
        raise AssessmentError(_("The studio is no longer active."))
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise AssessmentError(_("The report has been submitted; it can no longer be changed."))


@transaction.atomic
def report_save(
    *,
    actor: User,
    report: AnnualReport,
    work_done: str,
    results: str,
    member_growth: str,
    self_scores: dict,
) -> AnnualReport:
    """The host keeps a draft (or a returned report): text and self-evaluation."""
    report = _locked_report(report)
    _host_may_write(actor, report)
    report.work_done = work_done.strip()
    report.results = results.strip()
    report.member_growth = member_growth.strip()
    report.self_scores = _clean_scores(report.studio.policy, self_scores or {}, complete=False)
    report.save(update_fields=["work_done", "results", "member_growth", "self_scores"])
    audit_record(actor=actor, obj=report, verb="assessments.report.saved", to_state=report.status)
    return report


@transaction.atomic
def report_attach(
    *, actor: User, report: AnnualReport, title: str, upload
) -> AnnualReportAttachment:
    report = _locked_report(report)
    _host_may_write(actor, report)
    try:
        upload = checked_upload(
            upload, accept=REPORT_ATTACHMENT_TYPES, max_bytes=MAX_ATTACHMENT_BYTES
        )
    except UploadRefused as exc:
        raise AssessmentError(str(exc)) from exc
    attachment = AnnualReportAttachment.objects.create(
        report=report,
        title=(title or upload.name).strip()[:200],
        file=upload,
        original_name=upload.name[:200],
        size=upload.size,
    )
    audit_record(
        actor=actor,
        obj=report,
        verb="assessments.report.attached",
        to_state=report.status,
        comment=attachment.title,
    )
    return attachment


@transaction.atomic
def report_detach(*, actor: User, report: AnnualReport, attachment_id: int) -> None:
    report = _locked_report(report)
    _host_may_write(actor, report)
    deleted, _rows = report.attachments.filter(pk=attachment_id).delete()
    if deleted:
        audit_record(
            actor=actor, obj=report, verb="assessments.report.detached", to_state=report.status
        )


@transaction.atomic
def report_submit(*, actor: User, report: AnnualReport, today: date) -> AnnualReport:
    """The host submits the year's report (or resubmits a returned one) to the assessing body.
    It needs the work done, the results and a self-evaluation on every annual indicator."""
    report = _locked_report(report)
    _host_may_write(actor, report)
    if today < report.opens_on:
        raise AssessmentError(_("The report window has not opened yet."))
    problems = []
    if not report.work_done:
        problems.append(_("Describe the work done."))
    if not report.results:
        problems.append(_("Describe the results."))
    if problems:
        raise AssessmentError(" ".join(problems))
    _clean_scores(report.studio.policy, report.self_scores, complete=True)
    before = workflow.report_submit(report, actor=actor, at=_moment(today))
    studio = report.studio
    notify(
        assessors_of(studio),
        verb="assessments.report.submitted",
        title=lambda: (
            (
                _("%(studio)s resubmitted its %(year)s annual report")
                if before == ReportStatus.RETURNED
                else _("%(studio)s submitted its %(year)s annual report")
            )
            % {"studio": studio.name, "year": report.year}
        ),
        url=report.get_absolute_url(),
        obj=report,
    )
    return report


def _assessor_may_act(actor: User, studio: Studio) -> None:
    if not can(actor, "assessments.assess_studio", studio):
        raise AssessmentError(_("Only the body the policy names assesses this studio."))


@transaction.atomic
def report_return(*, actor: User, report: AnnualReport, comment: str, today: date) -> AnnualReport:
    """The assessing body sends a submitted report back to the host, saying what to revise."""
    report = _locked_report(report)
    _assessor_may_act(actor, report.studio)
    if not comment.strip():
        raise AssessmentError(_("Say what the host should revise."))
    workflow.report_return(report, actor=actor, comment=comment.strip())
    notify(
        [report.studio.host],
        verb="assessments.report.returned",
        title=lambda: (
            _("Your %(year)s annual report was returned for revision") % {"year": report.year}
        ),
        body=comment.strip(),
        url=report.get_absolute_url(),
        obj=report,
    )
    return report


@transaction.atomic
def report_accept(
    *, actor: User, report: AnnualReport, comment: str = "", today: date
) -> AnnualAssessment:
    """The assessing body accepts the report; the year's assessment opens on it (and the
    city's experts are asked to score, where the policy has them take part)."""
    report = _locked_report(report)
    _assessor_may_act(actor, report.studio)
    workflow.report_accept(report, actor=actor, comment=comment.strip())
    notify(
        [report.studio.host],
        verb="assessments.report.accepted",
        title=lambda: _("Your %(year)s annual report was accepted") % {"year": report.year},
        body=comment.strip(),
        url=report.get_absolute_url(),
        obj=report,
    )
    return assessment_open(actor=actor, studio=report.studio, year=report.year)


# --- annual assessments ------------------------------------------------------------------------


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


def _locked_assessment(assessment: AnnualAssessment) -> AnnualAssessment:
    return (
        AnnualAssessment.objects.select_for_update()
        .select_related("studio__policy", "studio__school", "studio__host")
        .get(pk=assessment.pk)
    )


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
    if outcome == Outcome.FAIL and not comment:
        raise AssessmentError(_("Say why the studio failed."))
    if outcome == Outcome.FAIL and policy.rectification_on_fail and not required_actions.strip():
        raise AssessmentError(_("Say what the studio must do to rectify."))

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


# --- rectification -----------------------------------------------------------------------------


@transaction.atomic
def rectification_open(
    *,
    actor: User,
    assessment: AnnualAssessment,
    required_actions: str,
    deadline: date | None = None,
    today: date,
) -> Rectification:
    """限期整改: after a fail, where the policy gives a deadline to rectify. The deadline is the
    policy's number of days from today unless one is given."""
    assessment = _locked_assessment(assessment)
    studio = assessment.studio
    _assessor_may_act(actor, studio)
    if not studio.policy.rectification_on_fail:
        raise AssessmentError(_("This policy gives no deadline to rectify."))
    if assessment.status != AnnualAssessment.Status.DECIDED or assessment.outcome != Outcome.FAIL:
        raise AssessmentError(_("Only a failed assessment leads to rectification."))
    if Rectification.objects.filter(assessment=assessment).exists():
        raise AssessmentError(_("A rectification is already under way."))
    if not required_actions.strip():
        raise AssessmentError(_("Say what the studio must do to rectify."))
    deadline = deadline or today + timedelta(days=studio.policy.rectification_days)
    if deadline <= today:
        raise AssessmentError(_("The deadline must lie in the future."))
    rectification = Rectification.objects.create(
        assessment=assessment, deadline=deadline, required_actions=required_actions.strip()
    )
    audit_record(
        actor=actor,
        obj=rectification,
        verb="assessments.rectification.opened",
        to_state=RectificationStatus.OPEN,
        comment=deadline.isoformat(),
    )
    notify(
        [studio.host],
        verb="assessments.rectification.opened",
        title=lambda: (
            _("%(studio)s must rectify by %(day)s")
            % {"studio": studio.name, "day": deadline.isoformat()}
        ),
        body=required_actions.strip(),
        url=assessment.get_absolute_url(),
        obj=rectification,
    )
    return rectification


def _locked_rectification(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update()
        .select_related(
            "assessment__studio__policy", "assessment__studio__school", "assessment__studio__host"
        )
        .get(pk=rectification.pk)
    )


@transaction.atomic
def rectification_submit(
    *, actor: User, rectification: Rectification, report: str, today: date
) -> Rectification:
    """The host reports what was rectified, by the deadline."""
    rectification = _locked_rectification(rectification)
    studio = rectification.assessment.studio
    if not can(actor, "assessments.write_report", studio):
        raise AssessmentError(_("Only the studio's host reports on its rectification."))
    if rectification.status != RectificationStatus.OPEN:
        raise AssessmentError(_("This rectification no longer takes a report."))
    if today > rectification.deadline:
        raise AssessmentError(_("The deadline to rectify has passed."))
    if not report.strip():
        raise AssessmentError(_("Describe what was rectified."))
    workflow.rectification_submit(
        rectification, actor=actor, report=report.strip(), at=_moment(today)
    )
    notify(
        assessors_of(studio),
        verb="assessments.rectification.submitted",
        title=lambda: _("%(studio)s submitted its rectification report") % {"studio": studio.name},
        url=rectification.assessment.get_absolute_url(),
        obj=rectification,
    )
    return rectification


@transaction.atomic
def rectification_accept(
    *, actor: User, rectification: Rectification, comment: str = "", today: date
) -> Rectification:
    """The assessing body accepts the rectification report: the studio carries on."""
    rectification = _locked_rectification(rectification)
    studio = rectification.assessment.studio
    _assessor_may_act(actor, studio)
    if rectification.status != RectificationStatus.SUBMITTED:
        raise AssessmentError(_("Only a submitted rectification report can be accepted."))
    workflow.rectification_accept(
        rectification, actor=actor, comment=comment.strip(), at=_moment(today)
    )
    notify(
        [studio.host],
        verb="assessments.rectification.accepted",
        title=lambda: _("The rectification of %(studio)s was accepted") % {"studio": studio.name},
        body=comment.strip(),
        url=rectification.assessment.get_absolute_url(),
        obj=rectification,
    )
    return rectification


@transaction.atomic
def rectification_reject(
    *, actor: User, rectification: Rectification, comment: str, today: date
) -> Rectification:
    """整改不力: the assessing body rejects the rectification report, or confirms a revocation
    the deadline proposed. The studio is revoked on ``today``."""
    rectification = _locked_rectification(rectification)
    studio = rectification.assessment.studio
    _assessor_may_act(actor, studio)
    if rectification.status not in (
        RectificationStatus.SUBMITTED,
        RectificationStatus.REVOCATION_PROPOSED,
    ):
        raise AssessmentError(
            _("A studio is revoked on a rectification report, or once its deadline has passed.")
        )
    if not comment.strip():
        raise AssessmentError(_("Say why the studio is revoked."))
    workflow.rectification_reject(
        rectification, actor=actor, comment=comment.strip(), at=_moment(today)
    )
    studio_revoke(actor=actor, studio=studio, day=today, reason=comment.strip())
    return rectification


@transaction.atomic
def revocation_propose(*, rectification: Rectification, today: date) -> bool:
    """The deadline passed with no rectification report: propose revocation to the assessing
    body (never revoke silently). A conditional update, so the job acts once."""
    if not workflow.revocation_propose(rectification, today=today):
        return False
    rectification = Rectification.objects.select_related(
        "assessment__studio__policy", "assessment__studio__school", "assessment__studio__host"
    ).get(pk=rectification.pk)
    studio = rectification.assessment.studio
    key = f"rectification-expired:{rectification.pk}"
    notify(
        assessors_of(studio),
        verb="assessments.rectification.revocation_proposed",
        title=lambda: (
            _("%(studio)s did not rectify by %(day)s: revocation proposed, your decision")
            % {"studio": studio.name, "day": rectification.deadline.isoformat()}
        ),
        url=rectification.assessment.get_absolute_url(),
        obj=rectification,
        dedupe_key=key,
    )
    notify(
        [studio.host],
        verb="assessments.rectification.revocation_proposed",
        title=lambda: _("The deadline to rectify %(studio)s has passed") % {"studio": studio.name},
        body=gettext_lazy("The assessing body will decide whether the studio is revoked."),
        url=rectification.assessment.get_absolute_url(),
        obj=rectification,
        dedupe_key=key,
    )
    return True


# --- revocation --------------------------------------------------------------------------------


@transaction.atomic
def studio_revoke(*, actor: User, studio: Studio, day: date, reason: str) -> Studio:
    """撤销/撤牌: the studio's term ends on ``day``: it is revoked (the public plaque check then
    says so, with the date), every current membership ends that day with the reason, and the
    host's rights to run it lapse with its status."""
    _assessor_may_act(actor, studio)
    try:
        studios_workflow.studio_mark_revoked(studio, actor=actor, day=day, reason=reason)
    except StudioError as exc:
        raise AssessmentError(str(exc)) from exc
    with translation.override(settings.LANGUAGE_CODE):
        end_reason = (_("Studio revoked: %(reason)s") % {"reason": reason})[:300]
    people = list(
        Membership.objects.filter(
            studio=studio, end_date__isnull=True, user__isnull=False
        ).values_list("user_id", flat=True)
    )
    Membership.objects.filter(studio=studio, end_date__isnull=True).update(
        end_date=day, end_reason=end_reason
    )
    notify(
        User.objects.filter(pk__in={*people, studio.host_id}),
        verb="studios.studio.revoked",
        title=lambda: (
            _("%(studio)s has been revoked as of %(day)s")
            % {"studio": studio.name, "day": day.isoformat()}
        ),
        body=reason,
        url=reverse("studios:studio_home", args=[studio.pk]),
        obj=studio,
    )
    # Funding records the remainder as returned, in this transaction (studios.signals).
    studio_revoked.send(sender=Studio, studio=studio, day=day, actor=actor)
    return studio
