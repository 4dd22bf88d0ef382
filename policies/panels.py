"""What the home page shows from policies: the rules of the user's city."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel

from .selectors import policies_for


@home_panel
def policies_panel(user) -> HomePanel | None:
    policies = list(policies_for(user))
    if not policies:
        return None
    return HomePanel(
        title=_("Studio rules in your city"),
        items=[
            HomeItem(
                label=p.name,
                url=reverse("policies:policy_detail", args=[p.code]),
                detail=p.source_document,
            )
            for p in policies
        ],
        order=60,
    )
