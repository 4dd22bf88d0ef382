"""iCalendar feeds (RFC 5545) for calendar apps: a studio's activities, a person's deadlines.

Every event is a whole day (``DTSTART;VALUE=DATE``, ``DTEND`` the day after): an activity is
recorded with its date and a deadline is a day, so neither has a time of day that a time zone
could shift; the calendar names its zone (``X-WR-TIMEZONE``) for the apps that show one. Each
event's ``UID`` is built from what it is about (the activity, the report and its year…), so
that a calendar app updates an event it already has instead of adding it twice.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.agenda import Deadline
from core.http import absolute_url

from .models import Activity, Studio

CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often calendar apps are asked to fetch again (the apps that honour it).
REFRESH = timedelta(hours=6)


def _uid(key: str) -> str:
    """A UID unique beyond this site, as RFC 5545 asks: the key at the site's host name."""
    host = urlsplit(settings.MINGSHI_BASE_URL).hostname or "mingshi"
    return f"{key}@{host}"


def _calendar(name: str):
    # icalendar is loaded by the feeds only, not by every process as it starts.
    from icalendar import Calendar, Timezone  # noqa: PLC0415

    calendar = Calendar()
    calendar.add("prodid", "-//Mingshi//Master head-teacher studios//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    # The zone as a component too: RFC 5545 wants at least one, and a person with nothing due
    # still gets a calendar that strict apps accept.
    calendar.add_component(Timezone.from_tzid(settings.TIME_ZONE))
    return calendar


def _event(*, key: str, day: date, summary: str, stamp: datetime, url: str = "", **more):
    from icalendar import Event  # noqa: PLC0415

    event = Event()
    event.add("uid", _uid(key))
    # No row records when it last changed, so the feed's own time stands in for DTSTAMP
    # (without a METHOD it means "last modified": RFC 5545, 3.8.7.2).
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    if url:
        event.add("url", absolute_url(url))
    for name, value in more.items():
        if value:
            event.add(name, value)
    # A day with a deadline or a seminar on it does not make the whole day busy.
    event.add("transp", "TRANSPARENT")
    return event


def activities_ical(studio: Studio, activities: Iterable[Activity]) -> bytes:
    """The studio's activities, one event each on the day it was held."""
    stamp = timezone.now()
    calendar = _calendar(_("%(studio)s · activities") % {"studio": studio.name})
    for activity in activities:
        places = [str(_("Online")) if activity.online else activity.place]
        if activity.served_county_id:
            places.append(activity.served_county.name)
        place = " · ".join(p for p in places if p)
        calendar.add_component(
            _event(
                key=f"activity-{activity.pk}",
                day=activity.held_on,
                summary=f"{activity.get_kind_display()}：{activity.title}",
                stamp=stamp,
                url=reverse("studios:activity_detail", args=[studio.pk, activity.pk]),
                location=place,
                description=activity.summary,
            )
        )
    return calendar.to_ical()


def deadlines_ical(user, deadlines: Iterable[Deadline]) -> bytes:
    """``user``'s deadlines (``accounts.agenda``), one event each on the day it falls due."""
    stamp = timezone.now()
    calendar = _calendar(_("%(name)s · deadlines") % {"name": user.get_full_name()})
    for deadline in deadlines:
        calendar.add_component(
            _event(
                # A person's deadline is theirs: two people's feeds in one app stay apart.
                key=f"user-{user.pk}-{deadline.key}",
                day=deadline.day,
                summary=deadline.summary,
                stamp=stamp,
                url=deadline.url,
                description=deadline.description,
            )
        )
    return calendar.to_ical()
