"""Expert review: the bureau assigns experts and selects from the ranking; experts score."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from applications import experts, selectors
from applications.forms import AssignFilterForm, AssignForm, ConflictForm, CriterionScoreForm
from applications.models import ApplicationStatus, CallStatus, ExpertAssignment
from applications.services import ApplicationError
from core.http import as_ids
from core.pagination import BoundedPaginationMixin, paginate

PAGE_SIZE = 25
ASSIGN_PAGE_SIZE = 50
# How many skipped pairs a message lists before it sums up the rest.
SKIPPED_SHOWN = 15


# --- forms ----------------------------------------------------------------------------------


def _show_problems(form: forms.Form, exc: ApplicationError) -> None:
    for name, problems in exc.problems.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


# --- the bureau: assigning experts ----------------------------------------------------------


class CallExpertsView(PermissionRequiredMixin, TemplateView):
    permission = "applications.manage_call"
    template_name = "applications/experts/call_experts.html"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def filtered(self, filter_form: AssignFilterForm):
        filters = filter_form.filters()
        queryset = selectors.filter_applications(
            experts.applications_for_assignment(self.object),
            county=filters["county"],
            stage=filters["stage"],
            q=filters["q"],
            sort="county",
        )
        if filters["unassigned"]:
            queryset = experts.without_experts(queryset)
        return queryset

    def get(self, request, *args, **kwargs):
        return self.render_page(AssignForm(call=self.object))

    def render_page(self, form: AssignForm, status: int = 200):
        call = self.object
        filter_form = AssignFilterForm(self.request.GET or None, call=call)
        page = paginate(self.request, self.filtered(filter_form), ASSIGN_PAGE_SIZE)
        city_experts = list(experts.experts_for_call(call))
        profiles = experts.conflict_profiles(e.pk for e in city_experts)
        rows = []
        for application in page.object_list:
            conflicts = [
                (expert, reasons)
                for expert in city_experts
                if (reasons := profiles[expert.pk].reasons(application))
            ]
            rows.append(
                {
                    "application": application,
                    "assignments": list(application.expert_assignments.all()),
                    "conflicts": conflicts,
                }
            )
        load = ExpertAssignment.objects.filter(
            application__call=call, expert__in=city_experts
        ).exclude(state=ExpertAssignment.State.CONFLICT)
        counts: dict[int, int] = {}
        for expert_id in load.values_list("expert_id", flat=True):
            counts[expert_id] = counts.get(expert_id, 0) + 1
        for expert in city_experts:
            expert.load = counts.get(expert.pk, 0)
        query = self.request.GET.copy()
        query.pop("page", None)
        context = self.get_context_data(
            call=call,
            form=form,
            filter_form=filter_form,
            page_obj=page,
            paginator=page.paginator,
            rows=rows,
            city_experts=city_experts,
            chosen_experts={str(pk) for pk in form.data.getlist("experts")}
            if form.is_bound
            else set(),
            chosen_applications={str(pk) for pk in form.data.getlist("applications")}
            if form.is_bound
            else set(),
            querystring=query.urlencode(),
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        call = self.object
        form = AssignForm(request.POST, call=call)
        if not form.is_valid():
            for problem in [e for errors in form.errors.values() for e in errors]:
                messages.error(request, problem)
            return self.render_page(form, status=400)
        if form.cleaned_data["select_all"]:
            applications = list(self.filtered(AssignFilterForm(request.GET or None, call=call)))
        else:
            applications = list(form.cleaned_data["applications"])
        try:
            created, skipped = experts.experts_assign(
                actor=request.user,
                call=call,
                experts=form.cleaned_data["experts"],
                applications=applications,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
            return self.render_page(form, status=400)
        if created:
            messages.success(
                request,
                _("%(count)d assignments created.") % {"count": len(created)},
            )
        else:
            messages.info(request, _("No new assignment was created."))
        for item in skipped[:SKIPPED_SHOWN]:
            messages.warning(request, _("Not assigned: %(why)s") % {"why": item})
        if len(skipped) > SKIPPED_SHOWN:
            messages.warning(
                request,
                _("…and %(count)d more not assigned.") % {"count": len(skipped) - SKIPPED_SHOWN},
            )
        return redirect(request.get_full_path())


# --- the expert: queue and scoring ----------------------------------------------------------


class ExpertQueueView(PermissionRequiredMixin, BoundedPaginationMixin, ListView):
    permission = "applications.score_any"
    template_name = "applications/experts/queue.html"
    context_object_name = "assignments"
    paginate_by = PAGE_SIZE

    def state(self) -> str:
        state = self.request.GET.get("state", "")
        return state if state in ExpertAssignment.State.values else ""

    def get_queryset(self):
        return experts.assignments_for(self.request.user, state=self.state())

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            state=self.state(),
            states=ExpertAssignment.State.choices,
            to_score=experts.assignments_for(
                self.request.user, state=ExpertAssignment.State.ASSIGNED
            ).count(),
            querystring=query.urlencode(),
            **kwargs,
        )


class AssignmentScoreView(ActionPermissionMixin, TemplateView):
    permission = "applications.view_assignment"
    action_permissions = {
        "score": "applications.score_application",
        "conflict": "applications.score_application",
    }
    template_name = "applications/experts/assignment.html"

    def lookup(self, user, pk):
        return experts.assignment_for(user, pk)

    def criteria(self):
        return list(self.object.application.call.criteria.all())

    def get(self, request, *args, **kwargs):
        criteria = self.criteria()
        return self.render_page(CriterionScoreForm(items=criteria), ConflictForm(), criteria)

    def render_page(self, score_form, conflict_form, criteria, status: int = 200):
        assignment = self.object
        application = assignment.application
        user = self.request.user
        mine = None
        others = []
        if assignment.state == ExpertAssignment.State.SUBMITTED:
            cards = experts.score_cards(application, criteria)
            mine = next((c for c in cards if c.assignment.pk == assignment.pk), None)
            if can(user, "applications.view_scores", application):
                others = [c for c in cards if c.assignment.pk != assignment.pk]
        context = self.get_context_data(
            assignment=assignment,
            application=application,
            call=application.call,
            criteria=criteria,
            max_total=sum((c.max_score for c in criteria), 0),
            can_score=can(user, "applications.score_application", assignment),
            score_form=score_form,
            conflict_form=conflict_form,
            mine=mine,
            others=others,
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        criteria = self.criteria()
        action = request.POST.get("action")
        score_form = CriterionScoreForm(items=criteria)
        conflict_form = ConflictForm()
        try:
            if action == "conflict":
                conflict_form = ConflictForm(request.POST)
                if not conflict_form.is_valid():
                    return self.render_page(score_form, conflict_form, criteria, status=400)
                experts.expert_declare_conflict(
                    actor=request.user,
                    assignment=self.object,
                    reason=conflict_form.cleaned_data["reason"],
                    always=conflict_form.cleaned_data["always"],
                )
                messages.success(
                    request,
                    _("You declined this application; the bureau has been told."),
                )
                return redirect("applications:expert_queue")
            score_form = CriterionScoreForm(request.POST, items=criteria)
            score_form.is_valid()  # the form checks nothing but the comment's length
            experts.scores_submit(
                actor=request.user,
                assignment=self.object,
                values=score_form.values(),
                comment=request.POST.get("comment", ""),
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
            _show_problems(conflict_form if action == "conflict" else score_form, exc)
            self.object = experts.assignment_for(request.user, self.object.pk)
            return self.render_page(score_form, conflict_form, criteria, status=400)
        messages.success(request, _("Your scores are submitted."))
        return redirect("applications:assignment_score", pk=self.object.pk)


# --- the bureau: ranking and selection ------------------------------------------------------


class CallRankingView(PermissionRequiredMixin, TemplateView):
    permission = "applications.manage_call"
    template_name = "applications/experts/ranking.html"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def get(self, request, *args, **kwargs):
        return self.render_page()

    def render_page(self, ticked: set[int] | None = None, status: int = 200):
        call = self.object
        ranked = experts.ranking(call)
        selectable = set(experts.SELECTABLE_STATUSES)
        if ticked is None:
            # the saved selection, or else a proposal: the best scored, up to the number
            selected = ApplicationStatus.SELECTED
            ticked = {r.application.pk for r in ranked if r.application.status == selected}
            if not ticked:
                scored = [
                    r for r in ranked if r.total is not None and r.application.status in selectable
                ]
                ticked = {r.application.pk for r in scored[: call.studio_count]}
        for row in ranked:
            row.ticked = row.application.pk in ticked
            row.selectable = row.application.status in selectable
        context = self.get_context_data(
            call=call,
            ranked=ranked,
            criteria=[c.criterion for c in ranked[0].criteria] if ranked else [],
            editable=call.status not in (CallStatus.NOTICE, CallStatus.PUBLISHED),
            pending=sum(r.pending for r in ranked),
            fallback=any(r.mean_instead_of_trimmed for r in ranked),
            selected_count=sum(
                1 for r in ranked if r.application.status == ApplicationStatus.SELECTED
            ),
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        ids = set(as_ids(request.POST.getlist("selected")))
        try:
            selected, not_selected = experts.selection_save(
                actor=request.user, call=self.object, application_ids=ids
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
            return self.render_page(ticked=ids, status=400)
        messages.success(
            request,
            _("Selection saved: %(count)d selected; %(changed)d applicants were told.")
            % {"count": len(ids), "changed": len(selected) + len(not_selected)},
        )
        return redirect("applications:call_ranking", pk=self.object.pk)
