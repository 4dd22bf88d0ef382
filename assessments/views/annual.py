"""Annual reports, annual assessments and rectification: the pages of hosts, the assessing
body and the city's experts. The services (assessments.services) decide; these views read the
request, call one service and say what happened."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from assessments.forms import AssessorFilterForm
from core import clock
from core.files import file_download, stored_file_response
from core.http import as_id
from policies.models import AssessmentScale
from studios.models import StudioStatus

from .. import documents, selectors, services
from ..errors import AssessmentError
from ..models import (
    AnnualAssessment,
    Outcome,
    Rectification,
    RectificationStatus,
    ReportStatus,
)
from ..obligations import host_obligation, obligation_flagged


def default_year(day: date) -> int:
    """The year being reported on: this year from its second half, else the last one."""
    return day.year if day.month >= 7 else day.year - 1


def scores_from(post, indicators) -> dict[str, str]:
    return {i.code: post.get(f"score-{i.code}", "").strip() for i in indicators}


def yes_no(value: str) -> bool | None:
    """A yes/no radio as posted: anything else is "not answered"."""
    return {"yes": True, "no": False}.get(value)


# --- lists ------------------------------------------------------------------------------------


class AnnualReportsView(LoginRequiredMixin, TemplateView):
    """Hosts: their studios' reports. The assessing body: its studios with the year's report,
    assessment and rectification states, filtered. Experts: assessments to score. Each list is
    read through a selector scoped to the user, so nobody sees another's studios."""

    template_name = "assessments/annual_reports.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        day = clock.today()
        context = super().get_context_data(**kwargs)
        context["host_reports"] = list(selectors.reports_for_host(user))
        context["to_score"] = list(selectors.assessments_to_score(user))
        if can(user, "assessments.assess_any"):
            form = AssessorFilterForm(self.request.GET, year=default_year(day))
            year = default_year(day)
            filters = {}
            if form.is_valid():
                year = form.cleaned_data["year"]
                filters = {
                    "report_status": form.cleaned_data["report_status"],
                    "outcome": form.cleaned_data["outcome"],
                    "rectification_status": form.cleaned_data["rectification_status"],
                    "query": form.cleaned_data["q"],
                }
            context.update(
                form=form,
                year=year,
                studios=list(selectors.assessed_studios(user, year=year, **filters)),
                report_labels=dict(ReportStatus.choices),
                outcome_labels=dict(Outcome.choices),
                rectification_labels=dict(RectificationStatus.choices),
            )
        return context

    def post(self, request):
        """The assessing body opens a studio's assessment (with or without a report)."""
        year, studio_id = as_id(request.POST.get("year")), as_id(request.POST.get("studio"))
        if not (studio_id and year and 2000 <= year <= 2100):
            raise Http404
        studio = selectors.assessed_studios(request.user, year=year).filter(pk=studio_id).first()
        if studio is None:
            raise Http404
        try:
            assessment = services.assessment_open(actor=request.user, studio=studio, year=year)
        except AssessmentError as exc:
            messages.error(request, str(exc))
            return redirect("assessments:annual_reports")
        return redirect("assessments:assessment_detail", assessment.pk)


# --- one report -------------------------------------------------------------------------------


class AnnualReportView(ActionPermissionMixin, TemplateView):
    permission = "assessments.view_annual_report"
    action_permissions = {
        "save": "assessments.write_report",
        "submit": "assessments.write_report",
        "attach": "assessments.write_report",
        "detach": "assessments.write_report",
        "return": "assessments.assess_studio",
        "accept": "assessments.assess_studio",
    }

    def action_object(self, action: str):
        return self.object.studio  # both rules are asked about the report's studio

    template_name = "assessments/annual_report.html"

    def lookup(self, user, pk):
        return selectors.report_for(user, pk)

    def get_context_data(self, **kwargs):
        report = self.object
        user = self.request.user
        studio = report.studio
        indicators = selectors.annual_indicators(studio.policy)
        writable = (
            can(user, "assessments.write_report", studio)
            and studio.status == StudioStatus.ACTIVE
            and report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        )
        assessment = AnnualAssessment.objects.filter(studio=studio, year=report.year).first()
        return super().get_context_data(
            report=report,
            studio=studio,
            indicators=[(i, report.self_scores.get(i.code, "")) for i in indicators],
            year=selectors.report_year_data(report, clock.today()),
            attachments=list(report.attachments.order_by("pk")),
            writable=writable,
            may_assess=can(user, "assessments.assess_studio", studio)
            and report.status == ReportStatus.SUBMITTED,
            assessment=assessment,
            obligation=host_obligation(studio.policy),
            obligation_flagged=report.status != ReportStatus.DRAFT and obligation_flagged(report),
            **kwargs,
        )

    def post(self, request, pk):
        report = self.object
        action = request.POST.get("action", "")
        user = request.user
        post = request.POST
        try:
            if action in ("save", "submit"):
                indicators = selectors.annual_indicators(report.studio.policy)
                services.report_save(
                    actor=user,
                    report=report,
                    work_done=post.get("work_done", ""),
                    results=post.get("results", ""),
                    member_growth=post.get("member_growth", ""),
                    self_scores={k: v for k, v in scores_from(post, indicators).items() if v},
                    host_still_head_teacher=yes_no(post.get("host_still_head_teacher", "")),
                    host_obligation_note=post.get("host_obligation_note", ""),
                )
                if action == "submit":
                    services.report_submit(actor=user, report=report, today=clock.today())
                    messages.success(request, _("The report has been submitted."))
                else:
                    messages.success(request, _("The draft has been saved."))
            elif action == "attach":
                upload = request.FILES.get("file")
                if upload is None:
                    raise AssessmentError(_("Choose a file to attach."))
                services.report_attach(
                    actor=user, report=report, title=post.get("title", ""), upload=upload
                )
                messages.success(request, _("The file has been attached."))
            elif action == "detach":
                services.report_detach(
                    actor=user, report=report, attachment_id=int(post.get("attachment") or 0)
                )
                messages.success(request, _("The file has been removed."))
            elif action == "return":
                services.report_return(
                    actor=user, report=report, comment=post.get("comment", ""), today=clock.today()
                )
                messages.success(request, _("The report has been returned to the host."))
            elif action == "accept":
                assessment = services.report_accept(
                    actor=user, report=report, comment=post.get("comment", ""), today=clock.today()
                )
                messages.success(request, _("The report has been accepted; assess the studio."))
                return redirect("assessments:assessment_detail", assessment.pk)
            else:
                raise Http404
        except AssessmentError as exc:
            messages.error(request, str(exc))
        return redirect("assessments:annual_report", report.pk)


class ReportAttachmentView(PermissionRequiredMixin, View):
    permission = "assessments.view_annual_report"

    def lookup(self, user, pk, attachment_pk):
        return selectors.report_for(user, pk)

    def get(self, request, pk, attachment_pk):
        attachment = self.object.attachments.filter(pk=attachment_pk).first()
        if attachment is None:
            raise Http404
        return stored_file_response(attachment.file, attachment.original_name or attachment.title)


# --- one assessment ---------------------------------------------------------------------------


class AssessmentDetailView(ActionPermissionMixin, TemplateView):
    permission = "assessments.view_annual_assessment"
    action_permissions = {
        "decide": "assessments.assess_studio",
        "score": "assessments.score_annual_assessment",
        "rectification_open": "assessments.assess_studio",
        "rectification_submit": "assessments.write_report",
        "rectification_accept": "assessments.assess_studio",
        "rectification_reject": "assessments.assess_studio",
    }

    def action_object(self, action: str):
        return self.object if action == "score" else self.object.studio

    template_name = "assessments/assessment_detail.html"

    def lookup(self, user, pk):
        return selectors.assessment_for(user, pk)

    def get_context_data(self, **kwargs):
        assessment = self.object
        user = self.request.user
        studio = assessment.studio
        policy = studio.policy
        indicators = selectors.annual_indicators(policy)
        means, mean_total, scored = selectors.expert_means(assessment)
        mine = assessment.expert_scores.filter(expert=user).first()
        rectification = Rectification.objects.filter(assessment=assessment).first()
        is_assessor = can(user, "assessments.assess_studio", studio)
        is_host = can(user, "assessments.write_report", studio)
        rows = [
            {
                "indicator": i,
                "self": (
                    assessment.report.self_scores.get(i.code, "") if assessment.report else ""
                ),
                "mean": means.get(i.code, ""),
                "decided": assessment.scores.get(i.code, ""),
                "mine": mine.scores.get(i.code, "") if mine else "",
            }
            for i in indicators
        ]
        return super().get_context_data(
            assessment=assessment,
            studio=studio,
            policy=policy,
            scored_scale=policy.annual_assessment_scale == AssessmentScale.SCORED,
            rows=rows,
            mean_total=mean_total,
            scored_count=scored,
            my_score=mine,
            show_means=is_assessor and policy.annual_assessment_with_experts,
            may_decide=is_assessor
            and assessment.status == AnnualAssessment.Status.OPEN
            and studio.status == StudioStatus.ACTIVE,
            may_score=can(user, "assessments.score_annual_assessment", assessment)
            and not (mine and mine.submitted_at),
            rectification=rectification,
            may_open_rectification=is_assessor
            and rectification is None
            and assessment.outcome == Outcome.FAIL
            and policy.rectification_on_fail
            and studio.status == StudioStatus.ACTIVE,
            may_submit_rectification=is_host
            and rectification is not None
            and rectification.status == RectificationStatus.OPEN
            and clock.today() <= rectification.deadline,
            may_decide_rectification=is_assessor
            and rectification is not None
            and rectification.status
            in (RectificationStatus.SUBMITTED, RectificationStatus.REVOCATION_PROPOSED),
            is_host=is_host,
            obligation=host_obligation(policy),
            obligation_flagged=obligation_flagged(assessment.report),
            default_deadline=clock.today() + timedelta(days=policy.rectification_days),
            outcomes=[
                (Outcome.PASS, Outcome.PASS.label),
                (Outcome.FAIL, Outcome.FAIL.label),
            ],
            **kwargs,
        )

    def post(self, request, pk):
        assessment = self.object
        user = request.user
        post = request.POST
        action = post.get("action", "")
        indicators = selectors.annual_indicators(assessment.studio.policy)
        rectification = Rectification.objects.filter(assessment=assessment).first()
        day = clock.today()
        try:
            if action == "decide":
                services.assessment_decide(
                    actor=user,
                    assessment=assessment,
                    outcome=post.get("outcome", ""),
                    scores=scores_from(post, indicators),
                    comment=post.get("comment", ""),
                    required_actions=post.get("required_actions", ""),
                    deadline=_date_or_none(post.get("deadline", "")),
                    today=day,
                )
                messages.success(request, _("The assessment has been decided."))
            elif action == "score":
                services.expert_score_submit(
                    actor=user,
                    assessment=assessment,
                    scores=scores_from(post, indicators),
                    comment=post.get("comment", ""),
                )
                messages.success(request, _("Your scores have been submitted."))
            elif action == "rectification_open":
                services.rectification_open(
                    actor=user,
                    assessment=assessment,
                    required_actions=post.get("required_actions", ""),
                    deadline=_date_or_none(post.get("deadline", "")),
                    today=day,
                )
                messages.success(request, _("The rectification has been opened."))
            elif action in ("rectification_submit", "rectification_accept", "rectification_reject"):
                if rectification is None:
                    raise Http404
                if action == "rectification_submit":
                    services.rectification_submit(
                        actor=user,
                        rectification=rectification,
                        report=post.get("report", ""),
                        today=day,
                    )
                    messages.success(request, _("The rectification report has been submitted."))
                elif action == "rectification_accept":
                    services.rectification_accept(
                        actor=user,
                        rectification=rectification,
                        comment=post.get("comment", ""),
                        today=day,
                    )
                    messages.success(request, _("The rectification has been accepted."))
                else:
                    services.rectification_reject(
                        actor=user,
                        rectification=rectification,
                        comment=post.get("comment", ""),
                        today=day,
                    )
                    messages.success(request, _("The studio has been revoked."))
            else:
                raise Http404
        except AssessmentError as exc:
            messages.error(request, str(exc))
        return redirect("assessments:assessment_detail", assessment.pk)


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise AssessmentError(_("“%(value)s” is not a date.") % {"value": text}) from None


class AssessmentLetterView(PermissionRequiredMixin, View):
    """年度考核结果通知书 as a PDF, once the assessment is decided."""

    permission = "assessments.view_annual_assessment"

    def lookup(self, user, pk):
        return selectors.assessment_for(user, pk)

    def get(self, request, pk):
        assessment = self.object
        if assessment.status != AnnualAssessment.Status.DECIDED:
            raise Http404
        return file_download(
            documents.result_letter_pdf(assessment),
            filename=documents.letter_filename(assessment),
            content_type="application/pdf",
            inline=True,
        )
