"""What the home page shows from applications: open calls, one's own applications, queues."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel
from accounts.models import Role
from accounts.permissions import can, has_role
from core.pagination import COUNT_LIMIT, bounded_count

from . import selectors
from .experts import assignments_for


@home_panel
def calls_panel(user) -> HomePanel | None:
    calls = []
    if has_role(user, Role.TEACHER):  # only teachers apply (can_apply_to_call)
        calls = [
            c for c in selectors.open_calls_for(user) if can(user, "applications.apply_to_call", c)
        ]
    mine = list(selectors.my_applications(user)[:5])
    if not calls and not mine:
        return None
    items = [
        HomeItem(
            label=_("Open call: %(title)s") % {"title": call.title},
            url=reverse("applications:call_detail", args=[call.pk]),
            detail=_("closes on %(date)s") % {"date": call.closes_on.isoformat()},
            urgent=True,
        )
        for call in calls
    ]
    items += [
        HomeItem(
            label=_("My application: %(call)s") % {"call": application.call.title},
            url=reverse("applications:application_detail", args=[application.pk]),
            detail=selectors.status_for_applicant(application),
            urgent=application.status == "returned",
        )
        for application in mine
    ]
    return HomePanel(title=_("Applications"), items=items, order=30)


@home_panel
def review_panel(user) -> HomePanel | None:
    if not can(user, "applications.review_any"):
        return None
    waiting = selectors.waiting_count(user)
    count = min(waiting, COUNT_LIMIT)
    return HomePanel(
        title=_("Review queue"),
        items=[
            HomeItem(
                label=_("Applications waiting for your review"),
                url=reverse("applications:review_queue"),
                count=count,
                more=waiting > COUNT_LIMIT,
                urgent=count > 0,
            )
        ],
        order=25,
    )


@home_panel
def bureau_panel(user) -> HomePanel | None:
    if not can(user, "applications.manage_calls"):
        return None
    return HomePanel(
        title=_("Calls for applications"),
        items=[
            HomeItem(label=_("All calls of your bureau"), url=reverse("applications:call_list"))
        ],
        order=26,
    )


@home_panel
def expert_panel(user) -> HomePanel | None:
    if not can(user, "applications.score_any"):
        return None

    waiting = bounded_count(assignments_for(user, state="assigned"))
    return HomePanel(
        title=_("Expert review"),
        items=[
            HomeItem(
                label=_("Applications assigned to you to score"),
                url=reverse("applications:expert_queue"),
                count=min(waiting, COUNT_LIMIT),
                more=waiting > COUNT_LIMIT,
                urgent=waiting > 0,
            )
        ],
        order=24,
    )
