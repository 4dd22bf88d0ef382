"""What the home page shows from studios."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel
from accounts.models import Role
from accounts.permissions import can, has_role
from core import clock
from policies.models import TeamRole

from .models import Attendance, RecruitmentStatus
from .permissions import GROWTH_ROLES, STUDIO_MANAGERS
from .selectors import memberships_of
from .services.recruitment import open_rounds_for_teacher, rounds_run_by


def current_memberships(user) -> list:
    """The user's memberships today (as ``views.home.my_studios``), from the one memo."""
    return [m for m in memberships_of(user) if m.end_date is None]


def hosts_a_studio(user) -> bool:
    """Whether the user hosts a studio now: the host's grant (``studios.manage_studio``) comes
    and goes with a current host membership (services.team, services.founding)."""
    return any(m.role == TeamRole.HOST for m in current_memberships(user))


@home_panel
def my_studios_panel(user) -> HomePanel | None:
    memberships = current_memberships(user)
    if not memberships:
        return None
    return HomePanel(
        title=_("My studios"),
        items=[
            HomeItem(
                label=m.studio.name,
                url=reverse("studios:studio_home", args=[m.studio_id]),
                detail=m.get_role_display(),
            )
            for m in memberships
        ],
        order=15,
    )


@home_panel
def attendance_to_confirm_panel(user) -> HomePanel | None:
    """Members: how many attendance records wait for their confirmation (one query; none for
    someone who never belonged to a studio)."""

    if not memberships_of(user):
        return None
    waiting = Attendance.objects.filter(membership__user=user, confirmed_at__isnull=True).count()
    if not waiting:
        return None
    return HomePanel(
        title=_("Attendance to confirm"),
        items=[
            HomeItem(
                label=_("Activities whose attendance you have not confirmed"),
                url=reverse("studios:my_attendance"),
                count=waiting,
                urgent=True,
            )
        ],
        order=18,
    )


@home_panel
def compliance_panel(user) -> HomePanel | None:
    """Oversight roles: the compliance grid of every studio in their scope (no query)."""

    if not can(user, "studios.oversee_studios"):
        return None
    return HomePanel(
        title=_("Studio quotas"),
        items=[
            HomeItem(
                label=_("Quota compliance of the studios"),
                url=reverse("studios:compliance_grid"),
                detail=_("Every studio against its policy's quotas, red, amber or green."),
            )
        ],
        order=45,
    )


@home_panel
def growth_and_resources_panel(user) -> HomePanel | None:
    """Members: their growth file. Everyone working in a city: the city's shared resources."""

    items = []
    if any(m.role in GROWTH_ROLES for m in memberships_of(user)):
        items.append(
            HomeItem(
                label=_("My growth file"),
                url=reverse("studios:growth_file", args=[user.pk]),
                detail=_("Growth plan, semester summaries, attendance and outputs."),
            )
        )
    if can(user, "studios.browse_resources"):
        items.append(
            HomeItem(
                label=_("Shared resources"),
                url=reverse("studios:resources"),
                detail=_("Courses, cases and resource packs the studios of your city share."),
            )
        )
    if not items:
        return None
    return HomePanel(title=_("Growth and resources"), items=items, order=40)


@home_panel
def recruitment_panel(user) -> HomePanel | None:
    """Teachers: the member recruitment rounds open now. The bureau: rounds to close or assign."""

    if not can(user, "studios.browse_recruitment"):
        return None
    day = clock.today()
    items = []
    runs_rounds = user.is_superuser or has_role(user, STUDIO_MANAGERS)
    rounds = rounds_run_by(user).exclude(status=RecruitmentStatus.DONE)[:10] if runs_rounds else []
    for r in rounds:
        waiting = r.status == RecruitmentStatus.CLOSED or r.closes_on < day
        items.append(
            HomeItem(
                label=r.title,
                url=reverse("studios:recruitment_detail", args=[r.pk]),
                detail=_("Assign the seats") if waiting else r.get_status_display(),
                urgent=waiting,
            )
        )
    if not items and has_role(user, Role.TEACHER):
        for r in open_rounds_for_teacher(user, day)[:10]:
            items.append(
                HomeItem(
                    label=r.title,
                    url=reverse("studios:recruitment_detail", args=[r.pk]),
                    detail=_("Request a seat in a studio until %(day)s")
                    % {"day": r.closes_on.isoformat()},
                )
            )
    if not items:
        return None
    return HomePanel(title=_("Member recruitment"), items=items, order=30)
