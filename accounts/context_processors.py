from django.conf import settings

from .selectors import unread_count


def shell(request):
    """What the base template needs on every page: the inbox badge and the language switch."""
    user = getattr(request, "user", None)
    return {
        "unread_notifications": unread_count(user) if user and user.is_authenticated else 0,
        "available_languages": settings.LANGUAGES,
    }
