"""A person's calendar address (日历订阅): made, made again, revoked, by the person only.

Calendar apps fetch a feed without logging in, so the address carries a secret. It is shown
once, when made; the database keeps only its digest (``selectors.feed_digest``). Each change is
recorded on the person, as their other security events are.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import security_event_record

from ..errors import StudioError
from ..models import CalendarFeed
from ..selectors import feed_digest


@transaction.atomic
def calendar_feed_make(*, actor: User) -> str:
    """Make ``actor``'s calendar address, ending any earlier one; returns its secret."""
    if not can(actor, "studios.keep_calendar_feed"):
        raise StudioError(_("You may not have a calendar address."))
    secret = secrets.token_urlsafe(32)
    _feed, created = CalendarFeed.objects.update_or_create(
        user=actor, defaults={"secret_hash": feed_digest(secret), "created_at": timezone.now()}
    )
    security_event_record(
        verb="studios.calendar_feed.made" if created else "studios.calendar_feed.replaced",
        user=actor,
    )
    return secret


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> bool:
    """End ``actor``'s calendar address; False when there was none (a second click)."""
    if not can(actor, "studios.keep_calendar_feed"):
        raise StudioError(_("You may not have a calendar address."))
    deleted, _rows = CalendarFeed.objects.filter(user=actor).delete()
    if deleted:
        security_event_record(verb="studios.calendar_feed.revoked", user=actor)
    return bool(deleted)
