"""What the home page shows from accounts: the inbox, and each role's own starting points."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .home import HomeItem, HomePanel, home_panel
from .models import OrganisationKind, Role
from .permissions import CITY_WIDE_ROLES, OVERSIGHT_ROLES, can, role_assignments
from .selectors import notifications_for


@home_panel
def inbox_panel(user) -> HomePanel:
    latest = list(notifications_for(user, unread_only=True)[:5])
    items = [
        HomeItem(
            label=n.title,
            url=reverse("accounts:notification_open", args=[n.pk]),
            detail=n.created_at,
        )
        for n in latest
    ]
    return HomePanel(
        title=_("Unread notifications"),
        items=items,
        empty_text=_("Nothing new. Notifications about your work will appear here."),
        order=10,
    )


ROLE_HINTS = {
    Role.TEACHER: _("Answer calls for applications and follow your studio work."),
    Role.SCHOOL_ADMIN: _("Recommend your school's applications and confirm its studio spending."),
    Role.COUNTY_REVIEWER: _("Review and recommend the applications of your county's schools."),
    Role.MUNICIPAL_ADMIN: _("Run calls, selection, publication, funding and assessments."),
    Role.CE_OFFICER: _("Manage studios day to day and run the annual assessments."),
    Role.EXPERT: _("Score the applications and evaluations assigned to you."),
    Role.AUDITOR: _("Read everything in your scope and export reports."),
}


@home_panel
def roles_panel(user) -> HomePanel:
    items = []
    for ra in role_assignments(user):
        org = ra.organisation
        url = ""
        if ra.role in OVERSIGHT_ROLES | CITY_WIDE_ROLES:
            url = reverse("accounts:organisation_detail", args=[org.pk])
        items.append(
            HomeItem(
                label=f"{ra.get_role_display()} · {org.name}",
                url=url,
                detail=ROLE_HINTS.get(ra.role, ""),
            )
        )
    return HomePanel(
        title=_("Your roles"),
        items=items,
        empty_text=_("You have no role yet. Ask your bureau's administrator to assign one."),
        order=20,
    )


@home_panel
def oversight_panel(user) -> HomePanel | None:
    items = []
    if can(user, "accounts.browse_organisations"):
        scopes = [
            ra.organisation
            for ra in role_assignments(user)
            if ra.role in OVERSIGHT_ROLES | CITY_WIDE_ROLES
        ]
        for org in scopes:
            if org.kind == OrganisationKind.SCHOOL:
                continue
            items.append(
                HomeItem(
                    label=_("Schools in %(scope)s") % {"scope": org.name},
                    url=reverse("accounts:organisation_list") + "?kind=school",
                )
            )
            break
    if can(user, "accounts.view_audit_trail"):
        items.append(
            HomeItem(label=_("Audit trail of your scope"), url=reverse("accounts:audit_trail"))
        )
    if not items:
        return None
    return HomePanel(title=_("Oversight"), items=items, order=50)
