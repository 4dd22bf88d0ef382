"""The rule book in the browser: the policies of the user's cities, and one policy's rules."""

from django.views.generic import DetailView, ListView

from accounts.mixins import PermissionRequiredMixin

from . import selectors


class PolicyListView(PermissionRequiredMixin, ListView):
    permission = "policies.browse_policies"
    template_name = "policies/policy_list.html"
    context_object_name = "policies"

    def get_queryset(self):
        return selectors.policies_for(self.request.user)


class PolicyDetailView(PermissionRequiredMixin, DetailView):
    permission = "policies.view_policy"
    template_name = "policies/policy_detail.html"
    context_object_name = "policy"

    def lookup(self, user, code):
        return selectors.policy_for(user, code)
