"""期满评估: the bureau's list and decision, the experts' scoring, the result certificate, and
a person's record of commendations and exclusions."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.pdf import render_pdf
from accounts.permissions import can
from applications.forms import IndicatorScoreForm
from assessments import evaluation as services
from assessments.forms import AssignForm, DecideForm
from assessments.models import Commendation, HostExclusion, TermEvaluation
from core import clock
from core.files import file_download
from studios.documents import zh_date

# --- forms ----------------------------------------------------------------------------------


def _show_problems(form: forms.Form, exc: services.AssessmentError) -> None:
    for name, problems in exc.problems.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


# --- the list -------------------------------------------------------------------------------


class TermEvaluationListView(PermissionRequiredMixin, TemplateView):
    """The bureau: studios nearing or at their term's end with their evaluation's state.
    Experts: the evaluations they are assigned to."""

    permission = "assessments.browse_term_evaluations"
    template_name = "assessments/term/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = clock.today()
        is_bureau = can(user, "assessments.run_term_evaluations")
        studios = list(services.term_studios_for(user, today)) if is_bureau else []
        rows = []
        for studio in studios:
            evaluation = getattr(studio, "evaluation", None)
            scores = list(evaluation.expert_scores.all()) if evaluation else []
            rows.append(
                {
                    "studio": studio,
                    "evaluation": evaluation,
                    "opens_on": services.opens_on_for(studio),
                    "assigned": len(scores),
                    "submitted": sum(1 for s in scores if s.submitted_at is not None),
                }
            )
        return super().get_context_data(
            is_bureau=is_bureau,
            rows=rows,
            sheets=list(services.expert_sheets_for(user)),
            today=today,
            **kwargs,
        )


# --- one evaluation -------------------------------------------------------------------------


class TermEvaluationView(ActionPermissionMixin, TemplateView):
    """The bureau assigns experts and decides; an assigned expert scores."""

    permission = "assessments.view_term_evaluation"
    action_permissions = {
        "assign": "assessments.evaluate_term",
        "decide": "assessments.evaluate_term",
        "score": "assessments.score_term_evaluation",
    }

    def action_object(self, action: str):
        return self.object if action == "score" else self.object.studio

    template_name = "assessments/term/detail.html"

    def lookup(self, user, pk):
        return services.evaluation_for(user, pk)

    def get(self, request, *args, **kwargs):
        return self.render_page()

    def render_page(self, *, assign_form=None, score_form=None, decide_form=None, status=200):
        evaluation, user = self.object, self.request.user
        studio = evaluation.studio
        indicators = services.term_indicators(studio.policy)
        is_bureau = can(user, "assessments.evaluate_term", studio)
        is_open = evaluation.status == TermEvaluation.Status.OPEN
        mine = evaluation.expert_scores.filter(expert=user).first()
        can_view_scores = can(user, "assessments.view_term_scores", evaluation)
        sheets = services.score_sheets(evaluation, indicators) if can_view_scores else []
        candidates = []
        if is_bureau and is_open:
            assign_form = assign_form or AssignForm(studio=studio)
            assigned = set(evaluation.expert_scores.values_list("expert_id", flat=True))
            for expert in services.experts_for_studio(studio):
                candidates.append(
                    {
                        "expert": expert,
                        "assigned": expert.pk in assigned,
                        "conflicts": services.evaluation_conflicts(expert, studio),
                    }
                )
        context = self.get_context_data(
            evaluation=evaluation,
            studio=studio,
            indicators=indicators,
            max_total=sum((i.max_points for i in indicators), 0),
            is_bureau=is_bureau,
            is_open=is_open,
            mine=mine,
            my_sheet=next((s for s in sheets if mine and s.score.pk == mine.pk), None),
            others=[s for s in sheets if not mine or s.score.pk != mine.pk],
            can_view_scores=can_view_scores,
            can_score=can(user, "assessments.score_term_evaluation", evaluation),
            can_certificate=can(user, "assessments.view_term_certificate", evaluation),
            assignments=evaluation.expert_scores.select_related("expert").order_by("pk"),
            candidates=candidates,
            assign_form=assign_form,
            score_form=score_form or IndicatorScoreForm(items=indicators),
            decide_form=decide_form or DecideForm(),
            policy=studio.policy,
            exclusion=HostExclusion.objects.filter(evaluation=evaluation).first(),
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        evaluation, user = self.object, request.user
        indicators = services.term_indicators(evaluation.studio.policy)
        forms_ = {}
        try:
            if action == "assign":
                form = forms_["assign_form"] = AssignForm(request.POST, studio=evaluation.studio)
                if not form.is_valid():
                    return self.render_page(**forms_, status=400)
                created = services.evaluation_assign_experts(
                    actor=user, evaluation=evaluation, experts=form.cleaned_data["experts"]
                )
                messages.success(
                    request, _("%(count)d experts assigned.") % {"count": len(created)}
                )
            elif action == "score":
                form = forms_["score_form"] = IndicatorScoreForm(request.POST, items=indicators)
                form.is_valid()  # the form checks nothing but the comment's length
                services.evaluation_score(
                    actor=user,
                    evaluation=evaluation,
                    scores=form.values(),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Your scores are submitted."))
            elif action == "decide":
                form = forms_["decide_form"] = DecideForm(request.POST)
                if not form.is_valid():
                    return self.render_page(**forms_, status=400)
                decided = services.evaluation_decide(
                    actor=user,
                    evaluation=evaluation,
                    comment=form.cleaned_data["comment"],
                    today=clock.today(),
                )
                messages.success(
                    request,
                    _("Decided: %(outcome)s (total %(total)s).")
                    % {"outcome": decided.get_outcome_display(), "total": decided.total},
                )
            else:
                return self.render_page(status=400)
        except services.AssessmentError as exc:
            messages.error(request, str(exc))
            for form in forms_.values():
                _show_problems(form, exc)
            self.object = services.evaluation_for(user, evaluation.pk)
            return self.render_page(**forms_, status=400)
        return redirect("assessments:term_evaluation", pk=evaluation.pk)


# --- the certificate ------------------------------------------------------------------------

ZH_NUMBERS = dict(enumerate("一二三四五六七八九十", start=1))
RESULT_WORDS = {
    TermEvaluation.Result.EXCELLENT: "优秀",
    TermEvaluation.Result.PASS: "合格",
    TermEvaluation.Result.FAIL: "不合格",
}


def term_certificate_pdf(evaluation: TermEvaluation) -> bytes:
    """期满评估结果证书 (excellent) or 通知书 (pass, fail), issued in Chinese by the bureau."""
    studio = evaluation.studio
    policy = studio.policy
    decided_on = timezone.localdate(evaluation.decided_at)
    exclusion = HostExclusion.objects.filter(evaluation=evaluation).first()
    excellent = evaluation.outcome == TermEvaluation.Result.EXCELLENT
    return render_pdf(
        "assessments/pdf/term_certificate.html",
        {
            "evaluation": evaluation,
            "studio": studio,
            "kind": "期满评估结果证书" if excellent else "期满评估结果通知书",
            "excellent": excellent,
            "result": RESULT_WORDS.get(evaluation.outcome, ""),
            "host_name": studio.application.host_name,
            "school_name": studio.school.name,
            "term": f"{zh_date(studio.term_start)}—{zh_date(studio.term_end)}",
            "term_years": ZH_NUMBERS.get(policy.term_years, str(policy.term_years)),
            "reward": policy.excellent_term_reward.rstrip("。"),
            "exclusion_until": zh_date(exclusion.until) if exclusion else "",
            "bureau_name": studio.call.bureau.name,
            "issued_on": zh_date(decided_on),
        },
    )


class TermCertificateView(PermissionRequiredMixin, View):
    permission = "assessments.view_term_certificate"

    def lookup(self, user, pk):
        return services.certificates_for(user).filter(pk=pk).first()

    def get(self, request, pk):
        evaluation = self.object
        return file_download(
            term_certificate_pdf(evaluation),
            filename=f"{evaluation.studio.name}-期满评估.pdf",
            content_type="application/pdf",
            inline=True,
        )


# --- a person's record ----------------------------------------------------------------------


class PersonRecordView(PermissionRequiredMixin, TemplateView):
    """A person's commendations and exclusions: for them and the bureau of their city."""

    permission = "assessments.view_person_record"
    template_name = "assessments/term/person_record.html"

    def lookup(self, user, user_pk):
        return services.person_for(user, user_pk)

    def get_context_data(self, **kwargs):
        person, user = self.object, self.request.user
        today = clock.today()
        exclusions = HostExclusion.objects.filter(person=person).select_related(
            "evaluation__studio"
        )
        evaluations = [
            e
            for e in services.certificates_for(user)
            .filter(studio__memberships__user=person)
            .distinct()
        ]
        return super().get_context_data(
            person=person,
            commendations=Commendation.objects.filter(person=person).select_related("studio"),
            exclusions=[(x, x.until >= today) for x in exclusions],
            evaluations=evaluations,
            **kwargs,
        )
