from django.conf import settings

from core import freshness
from core.pagination import bounded_count

from . import sso
from .models import Notification

# The badge says "99+" beyond: counting a user's whole backlog on every page would cost more
# the longer they stay away.
BADGE_LIMIT = 99


def unread_badge(user) -> str:
    if not (user and user.is_authenticated):
        return ""
    return freshness.cached("badge", user, lambda: _badge(user))


def _badge(user) -> str:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    count = bounded_count(unread, BADGE_LIMIT)
    return f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else str(count or "")


def shell(request):
    """What the base template needs on every page: the inbox badge and the language switch
    (and, for the login page, the single sign-on button's label when it is set up)."""
    user = getattr(request, "user", None)
    return {
        "unread_notifications": unread_badge(user),
        "available_languages": settings.LANGUAGES,
        "sso_label": sso.provider_label() if sso.enabled() else "",
    }
