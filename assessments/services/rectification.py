"""Rectification after a failed assessment (限期整改), revocation proposed at its deadline, and the
studio's revocation (撤销).
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from studios import workflow as studios_workflow
from studios.errors import StudioError
from studios.models import Membership, Studio
from studios.signals import studio_revoked

from .. import workflow
from ..errors import AssessmentError
from ..models import (
    AnnualAssessment,
    Outcome,
    Rectification,
    RectificationStatus,
)
from ..selectors import assessors_of
from .shared import _assessor_may_act, _locked_assessment, _moment


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
