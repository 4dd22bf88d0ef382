"""The public notice and its objections, publication and the results.

The notice, objection, results and plaque pages need no login. They show only what the bureau
makes public: hosts' names, schools, counties, stages, research directions, studio names, plaque
numbers and terms; never a phone number, and no application that is not on the public list.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from applications import publication, selectors, services, workflow
from applications.forms import ObjectionForm, ResolveForm
from applications.models import CallStatus, Objection
from core import clock

# --- forms ----------------------------------------------------------------------------------


# --- the bureau: notice, objections, publication --------------------------------------------


class NoticeManageView(ActionPermissionMixin, TemplateView):
    permission = "applications.manage_call"
    # Resolving also needs applications.resolve_objection on the objection (its service asks).
    action_permissions = {
        "start": "applications.manage_call",
        "resolve": "applications.manage_call",
    }
    template_name = "applications/notice_manage.html"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def get_context_data(self, **kwargs):
        call = self.object
        today = clock.today()
        objections = list(
            Objection.objects.filter(application__call=call)
            .select_related("application", "application__school", "resolved_by")
            .order_by("filed_at", "pk")
        )
        open_objections = [o for o in objections if o.state == Objection.State.OPEN]
        for objection in open_objections:
            objection.form = ResolveForm(
                initial={"objection": objection.pk}, auto_id=f"id_%s_{objection.pk}"
            )
        return super().get_context_data(
            call=call,
            policy=call.policy,
            notice_days=publication.notice_days(call),
            notice_running=publication.notice_running(call, today),
            notice_over=call.status == CallStatus.NOTICE
            and call.notice_ends_on is not None
            and today > call.notice_ends_on,
            can_start=call.policy.public_notice and call.status in workflow.BEFORE_RESULTS,
            start_refusal=publication.notice_start_refusal(call, today),
            listed=publication.notice_list(call),
            open_objections=open_objections,
            resolved_objections=[o for o in objections if o.state != Objection.State.OPEN],
            refusal=publication.publication_refusal(call, today),
            published=call.status == CallStatus.PUBLISHED,
            **kwargs,
        )

    def post(self, request, pk):
        action = request.POST.get("action")
        try:
            if action == "start":
                call = publication.notice_start(
                    actor=request.user, call=self.object, today=clock.today()
                )
                messages.success(
                    request,
                    _("The public notice runs from %(start)s to %(end)s.")
                    % {
                        "start": call.notice_starts_on.isoformat(),
                        "end": call.notice_ends_on.isoformat(),
                    },
                )
            elif action == "resolve":
                self.resolve(request)
            else:
                raise Http404
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect("applications:call_notice_manage", pk)

    def resolve(self, request) -> None:
        form = ResolveForm(request.POST)
        if not form.is_valid():
            raise services.ApplicationError(
                _("Choose a decision and write the resolution before saving.")
            )
        objection = (
            Objection.objects.filter(
                pk=form.cleaned_data["objection"], application__call=self.object
            )
            .select_related("application__call__bureau")
            .first()
        )
        if objection is None:
            raise Http404
        upheld = form.cleaned_data["decision"] == "upheld"
        publication.objection_resolve(
            actor=request.user,
            objection=objection,
            upheld=upheld,
            resolution=form.cleaned_data["resolution"],
        )
        if upheld:
            messages.success(
                request,
                _("Objection upheld: %(host)s is removed from the list.")
                % {"host": objection.application.host_name},
            )
        else:
            messages.success(request, _("Objection dismissed."))


class CallPublishView(PermissionRequiredMixin, View):
    permission = "applications.manage_call"
    http_method_names = ["post"]

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def post(self, request, pk):
        try:
            studios = publication.call_publish(
                actor=request.user, call=self.object, today=clock.today()
            )
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "The results are published: %(count)d studio was founded.",
                    "The results are published: %(count)d studios were founded.",
                    len(studios),
                )
                % {"count": len(studios)},
            )
        return redirect("applications:call_detail", pk)


# --- public pages (no login) ------------------------------------------------------------------


def _public_call_or_404(pk: int):
    call = publication.public_call(pk)
    if call is None:
        raise Http404
    return call


class PublicNoticeView(TemplateView):
    template_name = "applications/public/notice.html"

    def get_context_data(self, pk, **kwargs):
        call = _public_call_or_404(pk)
        today = clock.today()
        running = publication.notice_running(call, today)
        if not call.policy.public_notice:
            state = "none"
        elif running:
            state = "running"
        elif call.status in workflow.BEFORE_RESULTS or (
            call.notice_starts_on is not None and today < call.notice_starts_on
        ):
            state = "not_started"
        else:
            state = "ended"
        return super().get_context_data(
            call=call,
            state=state,
            rows=list(publication.notice_list(call)) if running else [],
            published=call.status == CallStatus.PUBLISHED,
            **kwargs,
        )


class ObjectionFileView(View):
    template_name = "applications/public/objection_form.html"
    done_template_name = "applications/public/objection_done.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.call = _public_call_or_404(kwargs["pk"])
        self.running = publication.notice_running(self.call, clock.today())
        self.application = None
        if self.running:
            self.application = (
                publication.notice_list(self.call).filter(pk=kwargs["application_pk"]).first()
            )
            if self.application is None:
                raise Http404

    def render_form(self, form, status=200):
        context = {
            "call": self.call,
            "application": self.application,
            "running": self.running,
            "form": form,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk, application_pk):
        return self.render_form(ObjectionForm() if self.running else None)

    def post(self, request, pk, application_pk):
        if not self.running:
            return self.render_form(None, status=409)
        form = ObjectionForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        context = {"call": self.call, "application": self.application}
        if form.cleaned_data["website"]:
            # A bot filled the hidden field: thank it and keep nothing.
            return render(request, self.done_template_name, context)
        try:
            publication.objection_file(
                application=self.application,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                text=form.cleaned_data["text"],
                today=clock.today(),
            )
        except services.ApplicationError as exc:
            for field, problems in exc.problems.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            if not exc.problems:
                form.add_error(None, str(exc))
            return self.render_form(form, status=400)
        return render(request, self.done_template_name, context)


class PublicResultsView(TemplateView):
    template_name = "applications/public/results.html"

    def get_context_data(self, pk, **kwargs):
        call = _public_call_or_404(pk)
        return super().get_context_data(
            call=call,
            published=call.status == CallStatus.PUBLISHED,
            studios=list(publication.published_studios(call)),
            **kwargs,
        )
