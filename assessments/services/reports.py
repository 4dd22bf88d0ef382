"""Annual reports: opened by the window job, written and submitted by the host, returned or
accepted by the assessing body.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from core.uploads import MAX_ATTACHMENT_BYTES, UploadRefused, checked_upload
from studios.models import Studio, StudioStatus

from .. import workflow
from ..errors import AssessmentError
from ..models import (
    AnnualAssessment,
    AnnualReport,
    AnnualReportAttachment,
    ReportStatus,
)
from ..obligations import host_obligation
from ..selectors import assessors_of, report_window, reports_due
from .annual import assessment_open
from .shared import REPORT_ATTACHMENT_TYPES, _assessor_may_act, _clean_scores, _moment


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
    host_still_head_teacher: bool | None = None,
    host_obligation_note: str = "",
) -> AnnualReport:
    """The host keeps a draft (or a returned report): text and self-evaluation, and, where the
    policy's host rule asks it (assessments.obligations), whether they are still a head
    teacher."""
    report = _locked_report(report)
    _host_may_write(actor, report)
    report.work_done = work_done.strip()
    report.results = results.strip()
    report.member_growth = member_growth.strip()
    report.self_scores = _clean_scores(report.studio.policy, self_scores or {}, complete=False)
    if host_obligation(report.studio.policy) is not None:
        report.host_still_head_teacher = host_still_head_teacher
        report.host_obligation_note = (host_obligation_note or "").strip()[:3000]
    else:
        report.host_still_head_teacher, report.host_obligation_note = None, ""
    report.save(
        update_fields=[
            "work_done",
            "results",
            "member_growth",
            "self_scores",
            "host_still_head_teacher",
            "host_obligation_note",
        ]
    )
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
    if host_obligation(report.studio.policy) is not None:
        if report.host_still_head_teacher is None:
            problems.append(_("Say whether you are still a head teacher."))
        elif not report.host_still_head_teacher and not report.host_obligation_note:
            problems.append(_("Explain why you are no longer a head teacher."))
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
