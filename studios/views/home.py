"""The studio's home page, and the public directory and pages of studios."""

from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.models import City, SchoolStage
from accounts.permissions import can
from core import clock
from core.http import absolute_url
from core.pagination import paginate
from policies.models import TeamRole
from studios import selectors
from studios.compliance import studio_compliance
from studios.models import Membership, StudioStatus

# The picture a link preview shows (WeChat, QQ, DingTalk read the Open Graph tags): the
# platform's mark, since a studio has no picture of its own that is not somebody's photo.
SHARE_IMAGE = "img/share.png"


def share_card(*, title: str, description: str, path: str) -> dict:
    """What a shared link shows: title, description, picture and address, all absolute (a
    preview is built by the chat app's server, which has no page to resolve paths against)."""
    return {
        "title": title,
        "description": description[:200],
        "url": absolute_url(path),
        "image": absolute_url(static(SHARE_IMAGE)),
    }


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
            share=share_card(
                title=_("Studio directory"),
                description=_(
                    "Master head-teacher studios founded by the municipal education bureaus."
                ),
                path=reverse("studios:studio_directory"),
            ),
            **kwargs,
        )


class StudioPublicView(TemplateView):
    """A studio's public page, for anyone and for sharing (no login): what the directory and
    the plaque show, with the size of its team; no member's name, phone or birth date."""

    template_name = "studios/public/studio.html"

    def get_context_data(self, pk, **kwargs):
        studio = selectors.public_studio(pk)
        if studio is None:
            raise Http404
        today = clock.today()
        host_name = studio.application.host_name
        facts = {
            "host": host_name,
            "school": studio.school.name,
            "term": f"{studio.term_start:%Y.%m}—{studio.term_end:%Y.%m}",
        }
        description = _("Host: %(host)s · Based at %(school)s · Term %(term)s") % facts
        if studio.research_direction:
            description += " · " + (
                _("Research direction: %(direction)s") % {"direction": studio.research_direction}
            )
        user = self.request.user
        return super().get_context_data(
            studio=studio,
            host_name=host_name,
            state=selectors.plaque_state(studio, today),
            team_counts=selectors.public_team_counts(studio, today),
            may_open=user.is_authenticated and can(user, "studios.view_studio", studio),
            share=share_card(
                title=studio.name,
                description=description,
                path=reverse("studios:studio_public", args=[studio.pk]),
            ),
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
