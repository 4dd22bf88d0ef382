from django.urls import path
from django.views.generic import DetailView, ListView

from accounts.mixins import PermissionRequiredMixin
from studios import selectors


class PolicyListView(PermissionRequiredMixin, ListView):
    permission = "studios.browse_policies"
    template_name = "studios/policy_list.html"
    context_object_name = "policies"

    def get_queryset(self):
        return selectors.policies_for(self.request.user)


class PolicyDetailView(PermissionRequiredMixin, DetailView):
    permission = "studios.view_policy"
    template_name = "studios/policy_detail.html"
    context_object_name = "policy"

    def lookup(self, user, code):
        return selectors.policy_for(user, code)


urlpatterns = [
    path("policies/", PolicyListView.as_view(), name="policy_list"),
    path("policies/<slug:code>/", PolicyDetailView.as_view(), name="policy_detail"),
]
