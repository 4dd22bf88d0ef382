"""Request helpers: where to send a user after a post, and which address a request came from."""

import unicodedata

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def absolute_url(path: str) -> str:
    """``path`` on this site as an address that works outside a request: in a QR code printed
    on a plaque, a link preview, a calendar app. From ``MINGSHI_BASE_URL``, never from the
    request's Host header, which the client writes."""
    return settings.MINGSHI_BASE_URL.rstrip("/") + path


def safe_next(request, default: str, *, field: str = "next") -> str:
    """The form's ``next`` if it is a path on this site, else ``default`` (a path).

    Anything else — another host, a scheme, a bare word like ``0`` that ``redirect()`` would
    take for a view name, a control character that cannot go into a header — falls back.
    """
    target = request.POST.get(field) or request.GET.get(field) or ""
    if (
        target.startswith("/")
        and not any(unicodedata.category(c).startswith("C") for c in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def redirect_next(request, default: str, *, field: str = "next") -> HttpResponseRedirect:
    """Redirect to ``safe_next``: never through ``redirect()``, which resolves bare words."""
    return HttpResponseRedirect(safe_next(request, default, field=field))


# The largest key a PostgreSQL bigint holds.
_MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """A posted or queried id as an int, or None for anything that is not one.

    ``str.isdigit()`` is not enough: it accepts "²" (which int() refuses) and digits from
    other scripts; a key is ASCII digits within a bigint.
    """
    if not isinstance(value, str) or not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def as_ids(values) -> list[int]:
    """Every id among ``values`` (a getlist), the rest dropped."""
    return [number for number in map(as_id, values) if number is not None]


def client_ip(request) -> str | None:
    """The address login failures count against (django-axes' AXES_CLIENT_IP_CALLABLE).

    With ``MINGSHI_TRUSTED_PROXY_COUNT`` proxies in front, the client is the address the
    outermost of them appended to X-Forwarded-For: anything further left was written by the
    client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.MINGSHI_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) >= count:
        return forwarded[-count]
    return remote
