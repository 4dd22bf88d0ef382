"""Growth files: a member's plan and semester summaries, and the host's review of them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from core.http import as_id, redirect_next
from studios.errors import StudioError
from studios.forms import (
    GrowthPlanForm,
    ReviewForm,
    SummaryForm,
)
from studios.models import (
    SemesterSummary,
    StudioComment,
)
from studios.permissions import GROWTH_ROLES
from studios.services import growth
from studios.views.comments import comment_form_for
from studios.views.mixins import StudioMixin


def review_form(summary, data=None) -> ReviewForm:
    """One review form per summary on a page: distinct element ids, the summary's id inside."""
    return ReviewForm(data, auto_id=f"review{summary.pk}_%s", initial={"summary": summary.pk})


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


def growth_comment_groups(user, person, file) -> list[dict]:
    """Per studio where the person keeps a growth file: its advisors' comments on the file,
    and the form for whoever may comment there (the studio's advisors and host)."""
    comments: dict[int, list] = {}
    for comment in (
        StudioComment.objects.filter(person=person)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        comments.setdefault(comment.studio_id, []).append(comment)
    groups = []
    for time in file.studios:
        if not any(m.role in GROWTH_ROLES for m in time.memberships):
            continue
        groups.append(
            {
                "studio": time.studio,
                "comments": comments.get(time.studio.pk, []),
                "form": comment_form_for(user, time.studio, person=person),
            }
        )
    return groups


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
    context["comment_groups"] = growth_comment_groups(user, person, file)
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
