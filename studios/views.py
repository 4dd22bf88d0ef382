from django.views.generic import DetailView, ListView

from accounts.mixins import PermissionRequiredMixin

from . import selectors


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
