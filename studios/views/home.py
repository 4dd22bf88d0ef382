"""The studio's home page, and the public directory of studios."""

from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.models import City, SchoolStage
from accounts.permissions import can
from core import clock
from core.pagination import paginate
from policies.models import TeamRole
from studios import selectors
from studios.compliance import studio_compliance
from studios.models import Membership, StudioStatus


class StudioDirectoryView(TemplateView):
    """Public, no login: names, hosts, schools, research directions. Staff get a link in."""

    template_name = "studios/directory.html"

    def get_context_data(self, **kwargs):
        request = self.request
        query = request.GET.get("q", "").strip()[:100]
        city = request.GET.get("city", "")
        stage = request.GET.get("stage", "")
        studios = selectors.public_studios(query=query, city=city, stage=stage)
        page = paginate(request, studios, 25)
        openable = set()
        if request.user.is_authenticated:
            openable = set(
                selectors.studios_for(request.user)
                .filter(pk__in=[s.pk for s in page])
                .values_list("pk", flat=True)
            )
        querystring = request.GET.copy()
        querystring.pop("page", None)
        return super().get_context_data(
            page_obj=page,
            studios=page,
            openable=openable,
            cities=City.objects.order_by("code"),
            stages=SchoolStage.choices,
            filters={"q": query, "city": city, "stage": stage},
            querystring=querystring.urlencode(),
            **kwargs,
        )


class StudioHomeView(PermissionRequiredMixin, TemplateView):
    permission = "studios.view_studio"
    template_name = "studios/home.html"

    def lookup(self, user, pk):
        return selectors.studio_for(user, pk)

    def get_context_data(self, **kwargs):
        studio, user = self.object, self.request.user
        day = clock.today()
        current = [
            m
            for m in studio.memberships.select_related("user").order_by("role", "start_date")
            if m.end_date is None or m.end_date >= day
        ]
        roles = dict(TeamRole.choices)
        team = [
            (roles[code], [m for m in current if m.role == code])
            for code in TeamRole.values
            if any(m.role == code for m in current)
        ]
        return super().get_context_data(
            studio=studio,
            team=team,
            is_host=can(user, "studios.manage_studio", studio),
            may_log=can(user, "studios.log_activity", studio),
            may_read_liaison=can(user, "studios.view_liaison", studio),
            may_read_growth=can(user, "studios.view_studio_growth", studio),
            is_member=any(m.user_id == user.pk for m in current),
            can_oversee=can(user, "studios.oversee_studio", studio),
            can_certificate=can(user, "studios.view_studio_certificate", studio),
            compliance=studio_compliance(studio, day),
            activities=studio.activities.select_related("served_county")[:5],
            outputs=studio.outputs.all()[:5],
            revoked=studio.status == StudioStatus.REVOKED,
            **kwargs,
        )


def my_studios(user):
    """Studios the user currently belongs to (as host or any other role)."""
    return (
        Membership.objects.filter(user=user, end_date__isnull=True)
        .select_related("studio")
        .order_by("studio__name")
    )
