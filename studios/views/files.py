"""A studio's files: plans, members' growth files, outputs, and the city's shared resources.

Forms validate what was typed; the services in studios.plans, studios.growth and
studios.outputs decide. Uploaded files leave only through ``output_file``, which finds the
output inside the user's reach (404 outside it) and asks ``studios.download_output``.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.models import User
from accounts.permissions import can
from core import clock
from core.files import stored_file_response
from core.http import as_id, redirect_next
from policies.rules import school_year_label, school_year_start
from studios import selectors
from studios.errors import StudioError
from studios.forms import (
    GrowthPlanForm,
    OutputForm,
    PlanChoiceForm,
    PlanForm,
    ReviewForm,
    SummaryForm,
)
from studios.models import (
    OutputKind,
    OutputLevel,
    PlanKind,
    SemesterSummary,
)
from studios.services import growth, outputs, plans


def review_form(summary, data=None) -> ReviewForm:
    """One review form per summary on a page: distinct element ids, the summary's id inside."""
    return ReviewForm(data, auto_id=f"review{summary.pk}_%s", initial={"summary": summary.pk})


class StudioMixin:
    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for(user, pk)


# --- plans ------------------------------------------------------------------------------------


class StudioPlansView(StudioMixin, PermissionRequiredMixin, TemplateView):
    """Current versions by kind and school year, each with its history."""

    permission = "studios.view_studio"
    template_name = "studios/plans/studio_plans.html"

    def get_context_data(self, **kwargs):
        studio = self.object
        series = plans.studio_plans(studio)
        return super().get_context_data(
            studio=studio,
            three_year=series[PlanKind.THREE_YEAR][0],
            yearly=series[PlanKind.YEARLY],
            training=series[PlanKind.TRAINING],
            is_host=can(self.request.user, "studios.manage_studio", studio),
            **kwargs,
        )


class PlanEditView(StudioMixin, PermissionRequiredMixin, TemplateView):
    """The host's form, prefilled with the latest version; saving adds a version."""

    permission = "studios.manage_studio"
    template_name = "studios/plans/plan_edit.html"

    def choice(self, years: list[int]) -> tuple[str, int | None]:
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        kind = data.get("kind") or PlanKind.THREE_YEAR
        if kind not in PlanKind.values:
            raise Http404
        if kind == PlanKind.THREE_YEAR:
            return kind, None
        try:
            year = int(data.get("school_year") or 0)
        except ValueError:
            year = 0
        if year not in years:  # default: the school year of today, or the term's first
            current = school_year_start(self.object.policy, clock.today()).year
            year = current if current in years else years[0]
        return kind, year

    def render_form(self, form, kind, year, status=200):
        years = plans.term_school_years(self.object)
        chooser = PlanChoiceForm(initial={"kind": kind, "school_year": year}, years=years)
        series = plans.plan_series(self.object, kind, year)
        context = self.get_context_data(
            studio=self.object,
            form=form,
            chooser=chooser,
            series=series,
            kind_label=PlanKind(kind).label,
            next_version=series.current.version + 1 if series.current else 1,
            year_label=school_year_label(year) if year else "",
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        years = plans.term_school_years(self.object)
        kind, year = self.choice(years)
        latest = plans.latest_plan(self.object, kind, year)
        initial = {"kind": kind, "school_year": year}
        if latest is not None:
            initial.update(title=latest.title if latest.pk else "", text=latest.text)
        return self.render_form(PlanForm(initial=initial, years=years), kind, year)

    def post(self, request, *args, **kwargs):
        years = plans.term_school_years(self.object)
        kind, year = self.choice(years)
        form = PlanForm(request.POST, years=years)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plans.plan_save(
                    actor=request.user,
                    studio=self.object,
                    kind=data["kind"],
                    school_year=data["school_year"],
                    title=data["title"],
                    text=data["text"],
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Version %(version)d of the plan is saved.") % {"version": plan.version},
                )
                return redirect("studios:plan_version", self.object.pk, plan.pk)
        return self.render_form(form, kind, year, status=400)


class PlanVersionView(StudioMixin, PermissionRequiredMixin, TemplateView):
    permission = "studios.view_studio"
    template_name = "studios/plans/plan_version.html"

    def get_context_data(self, **kwargs):
        studio = self.object
        plan = studio.plans.select_related("author").filter(pk=self.kwargs["plan_pk"]).first()
        if plan is None:
            raise Http404
        series = plans.plan_series(studio, plan.kind, plan.school_year)
        return super().get_context_data(
            studio=studio,
            plan=plan,
            series=series,
            is_latest=series.current is not None and series.current.pk == plan.pk,
            year_label=school_year_label(plan.school_year) if plan.school_year else "",
            is_host=can(self.request.user, "studios.manage_studio", studio),
            **kwargs,
        )


# --- growth files -----------------------------------------------------------------------------


def _summary_forms(user, file, bound=None) -> tuple[list, dict]:
    """The own file's forms: one new-summary form per current studio, one edit form per
    summary still open to changes. ``bound`` replaces the form with the same prefix."""
    day = clock.today()
    memberships = growth.my_growth_memberships(user)
    by_studio = {m.studio_id: m for m in memberships}
    add_forms = []
    for m in memberships:
        prefix = f"add-{m.studio_id}"
        if bound is not None and bound.prefix == prefix:
            add_forms.append(bound)
            continue
        # Semesters already reviewed, or summarised in another studio, are closed.
        closed = {
            (s.school_year, s.semester)
            for s in file.summaries
            if s.reviewed_at is not None or s.studio_id != m.studio_id
        }
        semesters = [c for c in growth.semesters_to_summarise(m, day) if c[:2] not in closed]
        if not semesters:
            continue
        current = growth.current_semester(m.studio, day)
        year, semester = current if current in [c[:2] for c in semesters] else semesters[0][:2]
        add_forms.append(
            SummaryForm(
                prefix=prefix,
                membership=m,
                semesters=semesters,
                initial={"semester": f"{year}-{semester}"},
            )
        )
    edit_forms = {}
    for summary in file.summaries:
        m = by_studio.get(summary.studio_id)
        if m is None or summary.reviewed_at is not None:
            continue
        prefix = f"edit-{summary.pk}"
        if bound is not None and bound.prefix == prefix:
            edit_forms[summary.pk] = bound
            continue
        edit_forms[summary.pk] = SummaryForm(
            prefix=prefix,
            membership=m,
            semesters=[(summary.school_year, summary.semester, summary.semester_text)],
            initial={
                "semester": f"{summary.school_year}-{summary.semester}",
                "summary": summary.summary,
                "report_date": summary.report_date,
                "report_place": summary.report_place,
            },
        )
    return add_forms, edit_forms


def growth_file_context(request, person, *, plan_form=None, summary_form=None) -> dict:
    user = request.user
    file = growth.growth_file(person)
    context = {"file": file, "person": person, "own": person.pk == user.pk}
    hosts: dict[int, bool] = {}  # one permission question per studio, not per summary
    for summary in file.summaries:
        if summary.studio_id not in hosts:
            hosts[summary.studio_id] = summary.studio is not None and can(
                user, "studios.manage_studio", summary.studio
            )
        summary.can_review = hosts[summary.studio_id] and summary.reviewed_at is None
        if summary.can_review:
            summary.review_form = review_form(summary)
    if context["own"]:
        memberships = growth.my_growth_memberships(user)
        if memberships and plan_form is None:
            plan_form = GrowthPlanForm(
                memberships=memberships,
                initial={"text": file.plan.text if file.plan else ""},
            )
        context["plan_form"] = plan_form if memberships else None
        context["add_forms"], context["edit_forms"] = _summary_forms(user, file, summary_form)
        for summary in file.summaries:
            summary.edit_form = context["edit_forms"].get(summary.pk)
    return context


class GrowthFileView(PermissionRequiredMixin, TemplateView):
    """A person's file, across every studio they belong or belonged to."""

    permission = "studios.view_growth_file"
    template_name = "studios/growth/growth_file.html"

    def lookup(self, user, user_pk):
        return growth.growth_person_for(user, user_pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(growth_file_context(self.request, self.object))
        return context


class MyGrowthView(ActionPermissionMixin, TemplateView):
    """One's own file: GET goes there; POST saves one's growth plan or a semester summary."""

    permission = "studios.view_growth_file"
    action_permissions = {
        "plan": "studios.write_growth_file",
        "summary": "studios.write_growth_file",
    }
    template_name = "studios/growth/growth_file.html"

    def lookup(self, user, **kwargs):
        return user

    def get(self, request, *args, **kwargs):
        return redirect("studios:growth_file", request.user.pk)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "plan":
            return self.save_plan(request)
        if action == "summary":
            return self.save_summary(request)
        raise Http404

    def _studio(self, memberships, studio_id):
        membership = next((m for m in memberships if m.studio_id == studio_id), None)
        if membership is None:
            raise Http404
        return membership

    def save_plan(self, request):
        memberships = growth.my_growth_memberships(request.user)
        form = GrowthPlanForm(request.POST, memberships=memberships)
        if form.is_valid():
            membership = self._studio(memberships, form.cleaned_data["studio"])
            try:
                plan = growth.growth_plan_save(
                    actor=request.user, text=form.cleaned_data["text"], studio=membership.studio
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Version %(version)d of your growth plan is saved.")
                    % {"version": plan.version},
                )
                return redirect("studios:growth_file", request.user.pk)
        return self.render_file(plan_form=form)

    def save_summary(self, request):
        prefix = request.POST.get("form", "")
        kind, _sep, number = prefix.partition("-")
        if kind not in ("add", "edit") or as_id(number) is None:
            raise Http404
        memberships = growth.my_growth_memberships(request.user)
        day = clock.today()
        if kind == "add":
            membership = self._studio(memberships, int(number))
            semesters = growth.semesters_to_summarise(membership, day)
        else:
            summary = SemesterSummary.objects.filter(pk=int(number), person=request.user).first()
            if summary is None:
                raise Http404
            membership = self._studio(memberships, summary.studio_id)
            label = growth.semester_text(summary.school_year, summary.semester)
            semesters = [(summary.school_year, summary.semester, label)]
        form = SummaryForm(request.POST, prefix=prefix, membership=membership, semesters=semesters)
        if form.is_valid():
            data = form.cleaned_data
            year, semester = data["semester"]
            try:
                growth.summary_save(
                    actor=request.user,
                    studio=membership.studio,
                    school_year=year,
                    semester=semester,
                    summary=data["summary"],
                    report_date=data["report_date"],
                    report_place=data["report_place"],
                    today=day,
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Your summary of %(semester)s is saved.")
                    % {"semester": growth.semester_text(year, semester)},
                )
                return redirect("studios:growth_file", request.user.pk)
        return self.render_file(summary_form=form)

    def render_file(self, **forms_):
        context = self.get_context_data(
            **growth_file_context(self.request, self.request.user, **forms_)
        )
        return self.render_to_response(context, status=400)


class StudioGrowthView(StudioMixin, ActionPermissionMixin, TemplateView):
    """The host's review list: every current member, their latest summary and attendance."""

    permission = "studios.view_studio_growth"
    post_permission = "studios.manage_studio"
    template_name = "studios/growth/studio_growth.html"

    def get_context_data(self, **kwargs):
        studio, user = self.object, self.request.user
        is_host = can(user, "studios.manage_studio", studio)
        waiting = list(
            SemesterSummary.objects.filter(studio=studio, reviewed_at__isnull=True)
            .select_related("person")
            .order_by("-school_year", "-semester", "person__full_name")
        )
        for summary in waiting:
            summary.semester_text = growth.semester_text(summary.school_year, summary.semester)
            if is_host:
                summary.review_form = review_form(summary)
        bound = kwargs.pop("bound", None)
        for summary in waiting:
            if bound is not None and summary.pk == bound.summary_pk:
                summary.review_form = bound
        return super().get_context_data(
            studio=studio,
            rows=growth.studio_growth(studio),
            waiting=waiting,
            is_host=is_host,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        studio = self.object
        summary_pk = as_id(request.POST.get("summary"))
        summary = None
        if summary_pk:  # only a summary written in this studio
            summary = SemesterSummary.objects.filter(pk=summary_pk, studio=studio).first()
        if summary is None:
            raise Http404
        form = review_form(summary, request.POST)
        if form.is_valid():
            try:
                growth.summary_review(
                    actor=request.user, summary=summary, comment=form.cleaned_data["comment"]
                )
            except StudioError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("Your review of %(person)s's summary is saved; they have been told.")
                    % {"person": summary.person.get_full_name()},
                )
            return redirect_next(request, reverse("studios:studio_growth", args=[studio.pk]))
        form.summary_pk = summary.pk
        return self.render_to_response(self.get_context_data(bound=form), status=400)


# --- outputs and resources --------------------------------------------------------------------


class StudioOutputsView(StudioMixin, ActionPermissionMixin, TemplateView):
    """The studio's outputs with filters; the host and the members add and change them."""

    permission = "studios.view_studio"
    action_permissions = {"save": "studios.add_output", "delete": "studios.delete_output"}
    template_name = "studios/outputs/studio_outputs.html"

    def action_object(self, action: str):
        if action != "delete":
            return self.object
        output = self.object.outputs.filter(pk=as_id(self.request.POST.get("output")) or 0)
        return get_object_or_404(output)

    def people(self) -> list[tuple[int, str]]:
        seen = {}
        for m in self.object.memberships.filter(user__isnull=False).order_by("role", "name"):
            seen.setdefault(m.user_id, m.name)
        return list(seen.items())

    def output_form(self, *args, **kwargs) -> OutputForm:
        host = can(self.request.user, "studios.manage_studio", self.object)
        return OutputForm(*args, host=host, people=self.people() if host else [], **kwargs)

    def editing(self, pk):
        output = self.object.outputs.select_related("studio").filter(pk=pk).first()
        if output is None or not can(self.request.user, "studios.change_output", output):
            raise Http404
        return output

    def get_context_data(self, form=None, editing=None, **kwargs):
        studio, user, request = self.object, self.request.user, self.request
        kind = request.GET.get("kind", "")
        level = request.GET.get("level", "")
        kind = kind if kind in OutputKind.values else ""
        level = level if level in OutputLevel.values else ""
        page = Paginator(outputs.studio_outputs(studio, kind=kind, level=level), 25).get_page(
            request.GET.get("page")
        )
        is_host = can(user, "studios.manage_studio", studio)
        can_add = can(user, "studios.add_output", studio)
        for output in page:
            # The same answers as studios.change_output / delete_output, without a query a row.
            output.can_change = is_host or (can_add and output.person_id == user.pk)
            output.can_delete = is_host
        if form is None and can_add:
            edit_pk = as_id(request.GET.get("edit"))
            if edit_pk:
                editing = self.editing(edit_pk)
                form = self.output_form(
                    initial={
                        "kind": editing.kind,
                        "title": editing.title,
                        "authors": editing.authors,
                        "level": editing.level,
                        "topic_status": editing.topic_status,
                        "produced_on": editing.produced_on,
                        "description": editing.description,
                        "person": editing.person_id,
                        "shared": editing.shared,
                    }
                )
            else:
                form = self.output_form(initial={"produced_on": clock.today()})
        querystring = request.GET.copy()
        querystring.pop("page", None)
        querystring.pop("edit", None)
        return super().get_context_data(
            studio=studio,
            page_obj=page,
            outputs=page,
            form=form,
            editing=editing,
            is_host=is_host,
            kinds=OutputKind.choices,
            levels=OutputLevel.choices,
            filters={"kind": kind, "level": level},
            querystring=querystring.urlencode(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        studio = self.object
        if request.POST.get("action") == "delete":
            output = self.action_object("delete")
            try:
                outputs.output_delete(actor=request.user, output=output)
            except StudioError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("“%(title)s” is removed.") % {"title": output.title})
            return redirect("studios:studio_outputs", studio.pk)
        editing = None
        output_pk = as_id(request.POST.get("output"))
        if output_pk:
            editing = self.editing(output_pk)
        form = self.output_form(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            person = None
            if data.get("person"):
                person = User.objects.filter(pk=data["person"]).first()
            try:
                saved = outputs.output_save(
                    actor=request.user,
                    studio=studio,
                    output=editing,
                    kind=data["kind"],
                    title=data["title"],
                    authors=data["authors"],
                    level=data["level"],
                    topic_status=data["topic_status"],
                    produced_on=data["produced_on"],
                    description=data["description"],
                    shared=data.get("shared", False),
                    person=person,
                    upload=data["file"],
                    today=clock.today(),
                )
            except StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
                return redirect("studios:studio_outputs", studio.pk)
        context = self.get_context_data(form=form, editing=editing)
        return self.render_to_response(context, status=400)


class OutputFileView(PermissionRequiredMixin, View):
    """An output's file: shared ones for the city's people, the others for the studio's."""

    permission = "studios.download_output"

    def lookup(self, user, pk):
        return outputs.output_for(user, pk)

    def get(self, request, pk):
        output = self.object
        return stored_file_response(output.file, output.original_name or output.title)


class ResourcesView(PermissionRequiredMixin, TemplateView):
    """资源共享: the shared outputs of the studios in the user's city, searchable."""

    permission = "studios.browse_resources"
    template_name = "studios/outputs/resources.html"

    def get_context_data(self, **kwargs):
        request = self.request
        query = request.GET.get("q", "").strip()[:100]
        kind = request.GET.get("kind", "")
        kind = kind if kind in OutputKind.values else ""
        resources = outputs.shared_resources(request.user, query=query, kind=kind)
        page = Paginator(resources, 25).get_page(request.GET.get("page"))
        querystring = request.GET.copy()
        querystring.pop("page", None)
        return super().get_context_data(
            page_obj=page,
            resources=page,
            kinds=OutputKind.choices,
            filters={"q": query, "kind": kind},
            querystring=querystring.urlencode(),
            **kwargs,
        )
