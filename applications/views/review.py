"""Reviewers' side: the queue, one decision, bulk approval, extensions, a call's list."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import counties_for
from applications import selectors, services, workflow
from applications.forms import ExtensionForm, OpinionForm, QueueFilterForm
from applications.models import REVIEW_STATUSES, ApplicationStatus
from core.http import as_ids
from core.pagination import BoundedPaginationMixin

REVIEW_CHOICES = [(s.value, s.label) for s in ApplicationStatus if s in REVIEW_STATUSES]


class FilteredApplicationsMixin:
    """A filter form over a list of applications, keeping the filters in links and bulk forms."""

    statuses = ApplicationStatus.choices

    def filter_form(self):
        user = self.request.user
        counties = counties_for(user).order_by("code")
        form = QueueFilterForm(
            self.request.GET or None,
            calls=selectors.calls_for(user),
            counties=counties,
            statuses=self.statuses,
        )
        form.is_valid()
        return form

    def filters(self) -> dict:
        self.form = self.filter_form()
        data = getattr(self.form, "cleaned_data", None) or {}
        return {
            key: data.get(key) or "" for key in ("call", "county", "stage", "status", "q", "sort")
        }

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.form, querystring=query.urlencode(), **kwargs
        )


class ReviewQueueView(
    PermissionRequiredMixin, FilteredApplicationsMixin, BoundedPaginationMixin, ListView
):
    permission = "applications.review_any"
    template_name = "applications/review_queue.html"
    context_object_name = "applications"
    paginate_by = 25
    statuses = REVIEW_CHOICES

    def get_queryset(self):
        return selectors.review_queue(self.request.user, **self.filters())

    def get_context_data(self, **kwargs):
        return super().get_context_data(bulk_form=OpinionForm(), **kwargs)


class BulkApproveView(PermissionRequiredMixin, FilteredApplicationsMixin, View):
    """Approve every application that matches the queue's filters, not only the visible page."""

    permission = "applications.review_any"

    def post(self, request):
        opinion = request.POST.get("opinion", "").strip()
        back = reverse("applications:review_queue") + "?" + request.GET.urlencode()
        if not opinion:
            messages.error(request, _("Write the opinion that goes into every approved form."))
            return redirect(back)
        matching = selectors.review_queue(request.user, **self.filters())
        ids = request.POST.getlist("ids")
        if ids:
            matching = matching.filter(pk__in=as_ids(ids))
        done, failed = workflow.bulk_approve(
            actor=request.user, applications=list(matching), opinion=opinion
        )
        if done:
            messages.success(request, _("%(count)d applications approved.") % {"count": len(done)})
        for application, reason in failed:
            messages.error(request, f"{application.host_name}: {reason}")
        if not done and not failed:
            messages.info(request, _("No application matched."))
        return redirect(back)


class ReviewDecisionView(PermissionRequiredMixin, View):
    permission = "applications.view_application"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def post(self, request, pk):
        form = OpinionForm(request.POST, request.FILES)
        action = {
            "approve": workflow.approve,
            "return": workflow.return_for_revision,
            "reject": workflow.reject,
        }.get(request.POST.get("decision"))
        if action is None:
            messages.error(request, _("Choose approve, return or reject."))
            return redirect("applications:application_detail", pk)
        try:
            action(
                actor=request.user,
                application=self.object,
                opinion=form.data.get("opinion", ""),
                stamped_scan=request.FILES.get("stamped_scan"),
            )
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
            return redirect("applications:application_detail", pk)
        messages.success(request, _("Your decision is recorded."))
        return redirect("applications:review_queue")


class ExtensionView(PermissionRequiredMixin, View):
    permission = "applications.grant_extension"

    def lookup(self, user, pk):
        return selectors.application_for(user, pk)

    def post(self, request, pk):
        form = ExtensionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a date and a reason for the extension."))
            return redirect("applications:application_detail", pk)
        try:
            services.application_grant_extension(
                actor=request.user, application=self.object, **form.cleaned_data
            )
            messages.success(request, _("The applicant may now submit late."))
        except services.ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect("applications:application_detail", pk)


class CallApplicationsView(
    PermissionRequiredMixin, FilteredApplicationsMixin, BoundedPaginationMixin, ListView
):
    """Every application of a call the user may see (bureau, auditors), filterable."""

    permission = "applications.view_call"
    template_name = "applications/call_applications.html"
    context_object_name = "applications"
    paginate_by = 25

    def lookup(self, user, pk):
        return selectors.call_for(user, pk)

    def get_queryset(self):
        filters = self.filters()
        filters["call"] = str(self.object.pk)
        return selectors.filter_applications(
            selectors.applications_for(self.request.user), **filters
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.object, **kwargs)
