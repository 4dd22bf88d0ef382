import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from core import freshness
from core.files import stored_file_response
from core.http import as_ids, redirect_next
from core.pagination import BoundedPaginationMixin, paginate

from . import selectors, services
from .forms import AuditFilterForm, OrganisationFilterForm, PreferencesForm
from .home import panels_html
from .mixins import PermissionRequiredMixin
from .models import Job, JobStatus, Notification, OrganisationKind

PAGE_SIZE = 25


# Where the cached home page had its CSRF tokens: each view puts a fresh token of its own
# browser's secret there (a cached page is shared by every browser of its user).
CSRF_PLACEHOLDER = "csrf-token-of-this-request-0b1d5e"


class HomeView(LoginRequiredMixin, TemplateView):
    """The page everyone lands on, served whole from the cache while nothing changed.

    The cached page is its own user's, language's and path's; its forms' CSRF tokens are put in
    on every view. A page with messages to show is rendered, since they are shown once."""

    template_name = "accounts/home.html"

    def get(self, request, *args, **kwargs):
        if any(True for _message in messages.get_messages(request)):
            return super().get(request, *args, **kwargs)
        page = freshness.cached(
            "home-page",
            request.user,
            lambda: self.render_page(request, *args, **kwargs),
            variant=hashlib.sha256(request.get_full_path().encode()).hexdigest()[:24],
        )
        return HttpResponse(page.replace(CSRF_PLACEHOLDER, get_token(request)))

    def render_page(self, request, *args, **kwargs) -> str:
        context = self.get_context_data(csrf_token=CSRF_PLACEHOLDER, **kwargs)
        return self.render_to_response(context).render().content.decode()

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels_html=panels_html(self.request.user), **kwargs)


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "accounts/preferences.html"
    form_class = PreferencesForm

    def get_initial(self):
        user = self.request.user
        return {"notification_delivery": user.notification_delivery, "language": user.language}

    def form_valid(self, form):
        try:
            user = services.user_update_preferences(actor=self.request.user, **form.cleaned_data)
        except services.AccountsError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        translation.activate(user.language)
        response = redirect("accounts:preferences")
        response.set_cookie("django_language", user.language, samesite="Lax")
        messages.success(self.request, _("Your preferences are saved."))
        return response


class LanguageSwitchView(View):
    """Switch the interface language; a logged-in user keeps the choice on every device."""

    def post(self, request):
        language = request.POST.get("language", "")
        response = redirect_next(request, "/")
        if language in dict(settings.LANGUAGES):
            if request.user.is_authenticated:
                request.user.language = language
                request.user.save(update_fields=["language"])
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


class InboxView(LoginRequiredMixin, BoundedPaginationMixin, ListView):
    template_name = "accounts/inbox.html"
    paginate_by = PAGE_SIZE
    context_object_name = "notifications"

    def get_queryset(self):
        unread = self.request.GET.get("unread") == "1"
        return selectors.notifications_for(self.request.user, unread_only=unread)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            unread_only=self.request.GET.get("unread") == "1",
            unread_total=selectors.unread_count(self.request.user),
            **kwargs,
        )


class NotificationOpenView(LoginRequiredMixin, View):
    """Mark one of the user's notifications read, then follow its link."""

    def get(self, request, pk: int):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.notification_mark_read(actor=request.user, notification_ids=[notification.pk])
        target = notification.url
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        return redirect("accounts:inbox")


class NotificationsMarkReadView(LoginRequiredMixin, View):
    def post(self, request):
        ids = request.POST.getlist("ids")
        count = services.notification_mark_read(
            actor=request.user, notification_ids=as_ids(ids) or None
        )
        messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
        return redirect("accounts:inbox")


class OrganisationListView(PermissionRequiredMixin, BoundedPaginationMixin, ListView):
    permission = "accounts.browse_organisations"
    template_name = "accounts/organisation_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "organisations"

    def get_filter_form(self) -> OrganisationFilterForm:
        counties = selectors.counties_for(self.request.user)
        form = OrganisationFilterForm(self.request.GET or None, counties=counties)
        form.is_valid()
        return form

    def get_queryset(self):
        self.filter_form = self.get_filter_form()
        data = getattr(self.filter_form, "cleaned_data", {}) or {}
        return selectors.organisations_for(
            self.request.user,
            query=data.get("q", ""),
            kind=data.get("kind", ""),
            county=data.get("county", ""),
            stage=data.get("stage", ""),
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.filter_form, querystring=query.urlencode(), **kwargs
        )


class OrganisationDetailView(PermissionRequiredMixin, DetailView):
    permission = "accounts.view_organisation"
    template_name = "accounts/organisation_detail.html"
    context_object_name = "organisation"

    def lookup(self, user, pk):
        return selectors.organisation_for(user, pk)

    def get_context_data(self, **kwargs):
        organisation = self.object
        children = None
        if organisation.kind != OrganisationKind.SCHOOL:
            children = paginate(
                self.request,
                selectors.organisations_for(self.request.user).filter(parent=organisation),
                PAGE_SIZE,
            )
        return super().get_context_data(
            children=children,
            history=selectors.audit_entries_for_object(organisation)[:20],
            **kwargs,
        )


class AuditTrailView(PermissionRequiredMixin, BoundedPaginationMixin, ListView):
    permission = "accounts.view_audit_trail"
    template_name = "accounts/audit_trail.html"
    paginate_by = 50
    context_object_name = "entries"

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        self.filter_form.is_valid()
        data = getattr(self.filter_form, "cleaned_data", {}) or {}
        return selectors.audit_entries_for(
            self.request.user, verb=data.get("verb", ""), query=data.get("q", "")
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter_form=self.filter_form, querystring=query.urlencode(), **kwargs
        )


class JobDetailView(PermissionRequiredMixin, TemplateView):
    """Progress of one background job; the bar refreshes itself (htmx) until the file is ready."""

    permission = "accounts.view_job"
    template_name = "accounts/job_detail.html"

    def lookup(self, user, pk):
        return Job.objects.filter(pk=pk, owner=user).first()

    def get_template_names(self):
        if self.request.htmx:
            return ["accounts/_job_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(job=self.object, **kwargs)


class JobDownloadView(PermissionRequiredMixin, View):
    permission = "accounts.view_job"

    def lookup(self, user, pk):
        return Job.objects.filter(pk=pk, owner=user, status=JobStatus.DONE).first()

    def get(self, request, pk):
        return stored_file_response(self.object.result, self.object.result_name)
