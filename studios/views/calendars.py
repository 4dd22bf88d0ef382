"""Calendar feeds: the page where a person makes or revokes their calendar address, and the two
feeds that address serves to calendar apps (their deadlines; a studio's activities)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.agenda import deadlines_for
from accounts.mixins import ActionPermissionMixin
from accounts.permissions import can
from core import clock
from core.http import absolute_url
from studios import calendars, selectors
from studios.errors import StudioError
from studios.models import CalendarFeed, StudioStatus
from studios.services import calendars as services


class CalendarFeedsView(ActionPermissionMixin, TemplateView):
    """日历订阅, from the account menu. The addresses are shown once, in the answer to 生成."""

    permission = "studios.keep_calendar_feed"
    action_permissions = {
        "make": "studios.keep_calendar_feed",
        "revoke": "studios.keep_calendar_feed",
    }
    template_name = "studios/calendar_feeds.html"

    def get_context_data(self, secret: str = "", **kwargs):
        user = self.request.user
        studios = [
            m.studio
            for m in selectors.memberships_of(user)
            if m.end_date is None and m.studio.status != StudioStatus.REVOKED
        ]
        addresses = None
        if secret:
            addresses = {
                "deadlines": absolute_url(reverse("studios:deadline_feed", args=[secret])),
                "studios": [
                    (
                        studio,
                        absolute_url(reverse("studios:activity_feed", args=[secret, studio.pk])),
                    )
                    for studio in studios
                ],
            }
        return super().get_context_data(
            feed=CalendarFeed.objects.filter(user=user).first(),
            studios=studios,
            addresses=addresses,
            **kwargs,
        )

    def post(self, request):
        try:
            if request.POST.get("action") == "make":
                secret = services.calendar_feed_make(actor=request.user)
                messages.success(
                    request,
                    _("Your calendar address is made. Copy it now: it is shown only this once."),
                )
                # Answered here rather than redirected: the secret must not travel in a URL
                # the browser keeps in its history, nor be kept anywhere to show again. 201:
                # the address is created, and this answer is the one place it is shown.
                response = self.render_to_response(self.get_context_data(secret=secret), status=201)
                response["Cache-Control"] = "no-store"
                return response
            if services.calendar_feed_revoke(actor=request.user):
                messages.success(
                    request,
                    _("Your calendar address is revoked: calendar apps can no longer read it."),
                )
        except StudioError as exc:
            messages.error(request, str(exc))
        return redirect("studios:calendar_feeds")


class CalendarFeedMixin:
    """The permission mixin of a feed: the person is the calendar address's owner, not the
    session's, since calendar apps cannot log in. An unknown, replaced or revoked address, an
    object outside the owner's reach and a refused permission all answer 404: the address
    reveals nothing. ``lookup(owner, **url_kwargs)`` finds the object as the owner would."""

    permission: str = ""
    http_method_names = ["get", "head"]
    owner = None
    object = None

    def lookup(self, owner, **kwargs):
        return None

    def dispatch(self, request, secret, **kwargs):
        owner = selectors.calendar_feed_owner(secret)
        if owner is None:
            raise Http404
        obj = None
        if type(self).lookup is not CalendarFeedMixin.lookup:
            obj = self.lookup(owner, **kwargs)
            if obj is None:
                raise Http404
        if not can(owner, self.permission, obj):
            raise Http404
        self.owner, self.object = owner, obj
        # In the owner's language: the app that fetches sends none of its own.
        with translation.override(owner.language or settings.LANGUAGE_CODE):
            return super().dispatch(request, **kwargs)


def calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=calendars.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Personal: no shared cache may keep it, and an app asks again each time.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


class DeadlineFeedView(CalendarFeedMixin, View):
    permission = "studios.keep_calendar_feed"

    def get(self, request):
        owner = self.owner
        body = calendars.deadlines_ical(owner, deadlines_for(owner, clock.today()))
        return calendar_response(body, "deadlines.ics")


class ActivityFeedView(CalendarFeedMixin, View):
    permission = "studios.view_studio"

    def lookup(self, owner, pk):
        return selectors.studio_for(owner, pk)

    def get(self, request, pk):
        studio = self.object
        activities = studio.activities.select_related("served_county").order_by("held_on", "pk")
        return calendar_response(
            calendars.activities_ical(studio, activities), f"studio-{studio.pk}-activities.ics"
        )
