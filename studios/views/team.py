"""The team page (memberships by role, limits, history, changes) and the bureau's recruitment.

Views validate forms and call the services in studios.team and studios.recruitment; the
services decide and raise StudioError, which becomes a message. Today comes from
applications.services.today() (tests freeze it).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from core import clock
from core.http import as_id, as_ids
from policies.models import TeamRole
from studios import selectors
from studios.errors import StudioError
from studios.forms import (
    MembershipAddForm,
    MembershipEndForm,
    MembershipReplaceForm,
    RoundOpenForm,
    SeatRequestForm,
)
from studios.models import MembershipSource, RecruitmentStatus, SeatRequestStatus, StudioStatus
from studios.services import recruitment, team

# --- the team ---------------------------------------------------------------------------


class StudioTeamView(ActionPermissionMixin, TemplateView):
    """Everyone who may open the studio reads its team; the host and the bureau change it."""

    template_name = "studios/team/team.html"
    permission = "studios.view_studio"
    action_permissions = {
        "add": "studios.change_team",
        "end": "studios.change_team",
        "replace": "studios.change_team",
    }

    def lookup(self, user, pk):
        return selectors.studio_for(user, pk)

    def roles(self):
        return team.roles_open_to(self.request.user, self.object)

    def get_context_data(self, bound=None, **kwargs):
        studio, user = self.object, self.request.user
        day = clock.today()
        summary = team.team_summary(studio, day)
        can_change = can(user, "studios.change_team", studio)
        active = studio.status == StudioStatus.ACTIVE
        acting = team.acting_as(user, studio) if can_change else None
        roles = self.roles() if can_change and active else []
        role_codes = {code for code, _label in roles}
        bound = bound or {}
        for line in summary.roles if can_change else []:
            for m in line.memberships:
                m.may_end = m.end_date is None and (
                    m.role != TeamRole.HOST or acting == team.BUREAU
                )
                m.may_replace = (
                    m.may_end
                    and m.role in role_codes
                    and not (acting == team.HOST and m.source == MembershipSource.BUREAU)
                )
                m.end_form = bound.get(("end", m.pk)) or MembershipEndForm(
                    prefix=f"end-{m.pk}", initial={"end_date": day}
                )
                m.replace_form = bound.get(("replace", m.pk)) or MembershipReplaceForm(
                    prefix=f"replace-{m.pk}", initial={"date": day}, studio=studio
                )
        add_form = bound.get(("add", None))
        if add_form is None and roles:
            add_form = MembershipAddForm(
                prefix="add", initial={"start_date": day}, studio=studio, roles=roles
            )
        return super().get_context_data(
            studio=studio,
            summary=summary,
            history=team.team_history(studio, day),
            upcoming=studio.memberships.filter(start_date__gt=day).order_by("start_date", "pk"),
            can_change=can_change,
            add_form=add_form,
            day=day,
            active=active,
            **kwargs,
        )

    def post(self, request, pk):
        studio = self.object
        action = request.POST.get("action")
        if action == "add":
            form = MembershipAddForm(request.POST, prefix="add", studio=studio, roles=self.roles())
            if not form.is_valid():
                return self.invalid(("add", None), form)
            return self.attempt(
                lambda: team.membership_add(
                    actor=request.user,
                    studio=studio,
                    role=form.cleaned_data["role"],
                    start_date=form.cleaned_data["start_date"],
                    person=form.person(),
                ),
                _("%(name)s was added to the team."),
            )
        if action in ("end", "replace"):
            membership = get_object_or_404(
                studio.memberships, pk=as_id(request.POST.get("membership")) or 0
            )
            if action == "end":
                form = MembershipEndForm(request.POST, prefix=f"end-{membership.pk}")
                if not form.is_valid():
                    return self.invalid(("end", membership.pk), form)
                return self.attempt(
                    lambda: team.membership_end(
                        actor=request.user,
                        membership=membership,
                        end_date=form.cleaned_data["end_date"],
                        reason=form.cleaned_data["reason"],
                    ),
                    _("%(name)s's membership ends; it stays in the history."),
                )
            form = MembershipReplaceForm(
                request.POST, prefix=f"replace-{membership.pk}", studio=studio
            )
            if not form.is_valid():
                return self.invalid(("replace", membership.pk), form)
            return self.attempt(
                lambda: team.membership_replace(
                    actor=request.user,
                    old=membership,
                    date=form.cleaned_data["date"],
                    reason=form.cleaned_data["reason"],
                    person=form.person(),
                ),
                _("%(name)s replaces the earlier membership."),
            )
        messages.error(request, _("Unknown action."))
        return redirect("studios:studio_team", studio.pk)

    def invalid(self, key, form):
        messages.error(self.request, _("Please correct the marked fields."))
        return self.render_to_response(self.get_context_data(bound={key: form}), status=400)

    def attempt(self, write, success: str):
        try:
            membership = write()
        except StudioError as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(self.request, success % {"name": membership.name})
        return redirect("studios:studio_team", self.object.pk)


# --- recruitment ------------------------------------------------------------------------


class RecruitmentListView(PermissionRequiredMixin, TemplateView):
    """The bureau: its city's rounds and the form to open one. Teachers: rounds open now and
    the ones they requested a seat in."""

    template_name = "studios/recruitment/list.html"

    @property
    def permission(self) -> str:
        if self.request.method == "POST":
            return "studios.open_recruitment_rounds"
        return "studios.browse_recruitment"

    def open_form(self, data=None):
        if not can(self.request.user, "studios.open_recruitment_rounds"):
            return None
        calls = recruitment.calls_open_to_recruitment(self.request.user)
        if not calls:
            return None
        return RoundOpenForm(data, calls=calls)

    def get_context_data(self, form=None, **kwargs):
        user, day = self.request.user, clock.today()
        run = list(recruitment.rounds_run_by(user))
        run_ids = {r.pk for r in run}
        teaching = [
            r
            for r in recruitment.rounds_for(user).filter(
                status=RecruitmentStatus.OPEN, opens_on__lte=day, closes_on__gte=day
            )
            if r.pk not in run_ids and can(user, "studios.request_seat", r)
        ]
        mine = list(user.seat_requests.select_related("round", "studio").order_by("-created_at"))
        return super().get_context_data(
            run=run,
            teaching=teaching,
            mine=mine,
            form=form if form is not None else self.open_form(),
            day=day,
            **kwargs,
        )

    def post(self, request):
        form = self.open_form(request.POST)
        if form is None:
            messages.error(
                request, _("No published batch has bureau-assigned seats to recruit for.")
            )
            return redirect("studios:recruitment_list")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            round_ = recruitment.round_open(
                actor=request.user,
                call=form.calls[data["call"]],
                title=data["title"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
            )
        except StudioError as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("The round is open."))
        return redirect("studios:recruitment_detail", round_.pk)


class RoundMixin(PermissionRequiredMixin):
    def lookup(self, user, pk):
        return recruitment.round_for(user, pk)


class RecruitmentDetailView(RoundMixin, TemplateView):
    """The bureau: requests per studio with remaining seats, to assign. A teacher: the studios
    with seats left, a request form, and their own request."""

    permission = "studios.view_recruitment"
    template_name = "studios/recruitment/detail.html"

    def request_form(self, data=None):
        round_, user, day = self.object, self.request.user, clock.today()
        if not can(user, "studios.request_seat", round_):
            return None
        if not recruitment.accepts_requests_on(round_, day):
            return None
        if round_.requests.filter(teacher=user).exists():
            return None
        studios = [s for s in recruitment.round_studios(round_, day) if s.seats_remaining > 0]
        schools = recruitment.teacher_schools(user, round_)
        if not studios or not schools:
            return None
        return SeatRequestForm(data, studios=studios, schools=schools)

    def get_context_data(self, form=None, **kwargs):
        round_, user, day = self.object, self.request.user, clock.today()
        runs = can(user, "studios.run_recruitment", round_)
        studios = recruitment.round_studios(round_, day)
        if runs:
            requests = list(
                round_.requests.select_related("teacher", "school").order_by("created_at", "pk")
            )
            for studio in studios:
                studio.round_requests = [r for r in requests if r.studio_id == studio.pk]
        else:
            studios = [s for s in studios if s.seats_remaining > 0]
        return super().get_context_data(
            round=round_,
            runs=runs,
            studios=studios,
            my_request=round_.requests.filter(teacher=user).select_related("studio").first(),
            form=form if form is not None else self.request_form(),
            accepting=recruitment.accepts_requests_on(round_, day),
            can_assign=runs and round_.status == RecruitmentStatus.CLOSED,
            can_close=runs and round_.status == RecruitmentStatus.OPEN,
            can_finish=runs and round_.status == RecruitmentStatus.CLOSED,
            pending=SeatRequestStatus.PENDING,
            day=day,
            **kwargs,
        )


class SeatRequestView(RecruitmentDetailView):
    permission = "studios.request_seat"
    http_method_names = ["post"]

    def post(self, request, pk):
        round_ = self.object
        form = self.request_form(request.POST)
        if form is None:
            messages.error(request, _("This round takes no request from you now."))
            return redirect("studios:recruitment_detail", round_.pk)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            recruitment.seat_request_file(
                actor=request.user,
                round=round_,
                studio=form.studios[data["studio"]],
                school=form.schools[data["school"]],
                birth_month=data["birth_month"],
                head_teacher_years=data["head_teacher_years"],
                professional_title=data["professional_title"],
                statement=data["statement"],
                today=clock.today(),
            )
        except StudioError as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Your request was received."))
        return redirect("studios:recruitment_detail", round_.pk)


class RecruitmentActionView(RoundMixin, TemplateView):
    permission = "studios.run_recruitment"
    http_method_names = ["post"]


class RecruitmentAssignView(RecruitmentActionView):
    def post(self, request, pk):
        ids = as_ids(request.POST.getlist("requests"))
        if not ids:
            messages.error(request, _("Choose the requests to assign."))
            return redirect("studios:recruitment_detail", pk)
        try:
            result = recruitment.seats_assign(
                actor=request.user, round=self.object, request_ids=ids, today=clock.today()
            )
        except StudioError as exc:
            messages.error(request, str(exc))
            return redirect("studios:recruitment_detail", pk)
        if result.assigned:
            count = len(result.assigned)
            messages.success(
                request,
                ngettext("%(count)d seat assigned.", "%(count)d seats assigned.", count)
                % {"count": count},
            )
        for seat_request, reason in result.refused:
            messages.error(
                request,
                _("%(teacher)s not assigned: %(reason)s")
                % {"teacher": seat_request.teacher.get_full_name(), "reason": reason},
            )
        return redirect("studios:recruitment_detail", pk)


class RecruitmentCloseView(RecruitmentActionView):
    def post(self, request, pk):
        try:
            recruitment.round_close(actor=request.user, round=self.object)
        except StudioError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The round is closed: assign the seats."))
        return redirect("studios:recruitment_detail", pk)


class RecruitmentFinishView(RecruitmentActionView):
    def post(self, request, pk):
        try:
            recruitment.round_finish(actor=request.user, round=self.object)
        except StudioError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The round is done; waiting requests were not assigned."))
        return redirect("studios:recruitment_detail", pk)
