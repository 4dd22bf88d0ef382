"""Calls for applications: the bureau prepares and opens them, teachers find them."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can
from applications import publication, selectors, services, workflow
from applications.forms import AttachmentForm, CallCloseForm, CallForm, CriterionFormSet
from applications.models import Application, CallStatus
from core import clock
from core.pagination import BoundedPaginationMixin
from policies.selectors import current_policies_for


class CallListView(PermissionRequiredMixin, BoundedPaginationMixin, ListView):
    permission = "policies.browse_policies"  # anyone working in a city sees its calls
    template_name = "applications/call_list.html"
    context_object_name = "calls"
    paginate_by = 25

    def get_queryset(self):
        return selectors.calls_for(self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        mine = {a.call_id: a for a in selectors.my_applications(user)}
        context = super().get_context_data(**kwargs)
        for call in context["calls"]:
            call.my_application = mine.get(call.pk)
            if call.my_application is not None:
                call.my_application.status_label = selectors.status_for_applicant(
                    call.my_application
                )
            call.can_apply = can(user, "applications.apply_to_call", call)
            call.can_manage = can(user, "applications.manage_call", call)
        context["can_create"] = can(user, "applications.manage_calls")
        return context


class CallFormMixin:
    template_name = "applications/call_form.html"

    def policies(self):
        return current_policies_for(self.request.user, keep=getattr(self.object, "policy", None))

    def render_forms(self, form, criteria, attachment=None, status=200):
        context = {
            "form": form,
            "criteria": criteria,
            "attachment_form": attachment or AttachmentForm(prefix="attachment"),
            "call": self.object,
        }
        return self.render_to_response(context, status=status)

    def save(self, form, criteria, attachment):
        data = dict(form.cleaned_data)
        policy = data.pop("policy")
        rubric = [
            services.CriterionInput(c["name"], c["max_score"], c.get("description", ""))
            for c in criteria.cleaned_data
            if c and not c.get("DELETE")
        ]
        try:
            with transaction.atomic():
                call = services.call_save(
                    actor=self.request.user,
                    policy=policy,
                    call=self.object,
                    criteria=rubric,
                    **data,
                )
                if attachment.is_valid():
                    services.call_attach(
                        actor=self.request.user,
                        call=call,
                        title=attachment.cleaned_data["title"],
                        upload=attachment.cleaned_data["file"],
                    )
        except services.ApplicationError as exc:
            for field, problems in exc.problems.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            if not exc.problems:
                form.add_error(None, str(exc))
            return None
        return call

    def post(self, request, *args, **kwargs):
        form = CallForm(request.POST, instance=self.object, policies=self.policies())
        criteria = CriterionFormSet(request.POST, prefix="criteria")
        attachment = AttachmentForm(request.POST, request.FILES, prefix="attachment")
        if form.is_valid() and criteria.is_valid():
            call = self.save(form, criteria, attachment)
            if call is not None:
                messages.success(request, _("The call is saved."))
                return redirect("applications:call_detail", call.pk)
        return self.render_forms(form, criteria, attachment, status=400)


class CallCreateView(PermissionRequiredMixin, CallFormMixin, TemplateView):
    permission = "applications.manage_calls"

    def get(self, request, *args, **kwargs):
        form = CallForm(policies=self.policies())
        criteria = CriterionFormSet(prefix="criteria")
        return self.render_forms(form, criteria)


class CallEditView(PermissionRequiredMixin, CallFormMixin, TemplateView):
    permission = "applications.manage_call"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def get(self, request, *args, **kwargs):
        form = CallForm(instance=self.object, policies=self.policies())
        criteria = CriterionFormSet(
            prefix="criteria",
            initial=[
                {"name": c.name, "max_score": c.max_score, "description": c.description}
                for c in self.object.criteria.all()
            ],
        )
        return self.render_forms(form, criteria)


class CallDetailView(PermissionRequiredMixin, TemplateView):
    permission = "applications.view_call"
    template_name = "applications/call_detail.html"

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def get_context_data(self, **kwargs):
        call, user, today = self.object, self.request.user, clock.today()
        manage = can(user, "applications.manage_call", call)
        # Each button below is shown enabled only when its service would accept it today;
        # otherwise the page says why (the same words the service would refuse with).
        publish_refusal = None
        if manage and not call.policy.public_notice and call.status != CallStatus.PUBLISHED:
            publish_refusal = publication.publication_refusal(call, today)
        mine = Application.objects.filter(call=call, applicant=user).first()
        return super().get_context_data(
            call=call,
            can_manage=manage,
            # The form can be filled in only while the call takes submissions.
            can_apply=can(user, "applications.apply_to_call", call)
            and call.accepts_submissions_on(today),
            closes_early=call.status == CallStatus.OPEN and today <= call.closes_on,
            close_form=CallCloseForm(),
            publish_refusal=publish_refusal,
            open_refusal=workflow.call_open_refusal(call)
            if manage and call.status == CallStatus.DRAFT
            else None,
            my_application=mine,
            my_status=selectors.status_for_applicant(mine) if mine else "",
            counts=selectors.status_counts(call) if manage else None,
            criteria=call.criteria.all(),
            attachments=call.attachments.all(),
            **kwargs,
        )


class CallActionView(PermissionRequiredMixin, View):
    """Open or close a call (POST only)."""

    permission = "applications.manage_call"

    def lookup(self, user, pk, **kwargs):
        return selectors.call_for(user, pk)

    def post(self, request, pk, action):
        call, today = self.object, clock.today()
        try:
            if action == "open":
                workflow.call_open(actor=request.user, call=call)
                messages.success(request, _("The call is open; teachers of the city were told."))
            elif call.status == CallStatus.OPEN and today <= call.closes_on:
                self.close_early(request, call, today)
            elif not workflow.call_close(actor=request.user, call=call, today=today):
                messages.warning(request, _("This call is not open any more."))
            else:
                messages.success(request, _("The call is closed."))
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect(reverse("applications:call_detail", args=[pk]))

    def close_early(self, request, call, today) -> None:
        """Before the closing date the bureau may still close the call, saying why."""
        form = CallCloseForm(request.POST)
        if not form.is_valid():
            raise services.ApplicationError(
                " ".join(e for errors in form.errors.values() for e in errors)
            )
        workflow.call_close_early(
            actor=request.user, call=call, today=today, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The call is closed early; applicants whose forms were not submitted were told."),
        )
