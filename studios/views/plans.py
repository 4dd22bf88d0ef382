"""A studio's plans: the three-year plan and each school year's, with every version kept."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from policies.rules import school_year_label, school_year_start
from studios.errors import StudioError
from studios.forms import (
    PlanChoiceForm,
    PlanForm,
)
from studios.models import (
    PlanKind,
)
from studios.services import comments as comment_services
from studios.services import plans
from studios.views.comments import comment_form_for
from studios.views.mixins import StudioMixin


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
            comments=comment_services.comments_on(studio, plan=plan),
            comment_form=comment_form_for(self.request.user, studio, plan=plan),
            **kwargs,
        )
