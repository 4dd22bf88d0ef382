"""What the home page shows from policies: the rules of the user's city."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel
from accounts.permissions import can

from .selectors import current_policies_for


@home_panel
def policies_panel(user) -> HomePanel | None:
    policies = list(current_policies_for(user))
    items = [
        HomeItem(
            label=str(p),
            url=reverse("policies:policy_detail", args=[p.code]),
            detail=p.source_document,
        )
        for p in policies
    ]
    if can(user, "policies.manage_policies"):
        items.append(HomeItem(label=_("New policy rules"), url=reverse("policies:policy_create")))
    if not items:
        return None
    return HomePanel(title=_("Studio rules in your city"), items=items, order=60)
