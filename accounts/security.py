"""Who must do what to stay logged in, and the security events of the audit trail.

Read by the session gates in ``accounts.middleware`` and the views in
``accounts.security_views``: which accounts need a second factor, how long an idle session
lasts, the client address that login failures are counted against. The receivers at the end
turn Django's and django-axes' login signals into audit entries (through
``accounts.services``), so that every login, failure, lockout and logout is on record.
"""

from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.utils import timezone
from django_otp import devices_for_user

from .permissions import has_role
from .services import security_event_record

# Session keys (kept in the session, so they cost no query per request).
LOGIN_AT_KEY = "_mingshi_login_at"
LAST_ACTIVITY_KEY = "_mingshi_last_activity"
IDLE_LIMIT_KEY = "_mingshi_idle_limit"
OTP_PENDING_KEY = "_mingshi_otp_pending"


def otp_required(user) -> bool:
    """Must this account log in with a second factor (production: every staff role)?"""
    if not settings.MINGSHI_OTP_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or has_role(user, set(settings.MINGSHI_OTP_REQUIRED_ROLES))


def has_confirmed_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def idle_limit_seconds(user) -> int:
    """How long this account's session survives without a request."""
    if user.is_superuser or has_role(user, set(settings.MINGSHI_IDLE_TIMEOUT_ROLES)):
        return min(settings.MINGSHI_IDLE_TIMEOUT_MINUTES * 60, settings.SESSION_COOKIE_AGE)
    return settings.SESSION_COOKIE_AGE


def start_session(request, user) -> None:
    """Stamp a new session with what the gates need, so they cost no query per request."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(timezone.now().timestamp())
    session[LOGIN_AT_KEY] = now
    session[LAST_ACTIVITY_KEY] = now
    session[IDLE_LIMIT_KEY] = idle_limit_seconds(user)
    # A user with a device is asked for it even where the second factor is optional.
    session[OTP_PENDING_KEY] = otp_required(user) or has_confirmed_device(user)


def second_factor_pending(request, user) -> bool:
    """Has this session still to give a second factor before reaching the product?"""
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return False
    pending = request.session.get(OTP_PENDING_KEY)
    if pending is None:  # a session from before the gate: decide now, once
        pending = otp_required(user) or has_confirmed_device(user)
        request.session[OTP_PENDING_KEY] = pending
    return bool(pending)


# --- audit of security events --------------------------------------------------------------


@receiver(auth_signals.user_logged_in, dispatch_uid="mingshi_login_succeeded")
def _logged_in(sender, request, user, **kwargs):
    start_session(request, user)
    security_event_record(user=user, verb="accounts.login.succeeded", request=request)


@receiver(auth_signals.user_logged_out, dispatch_uid="mingshi_logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        verb = getattr(request, "_mingshi_logout_verb", "accounts.logout")
        security_event_record(user=user, verb=verb, request=request)


@receiver(auth_signals.user_login_failed, dispatch_uid="mingshi_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    """After django-axes counted the failure (its receiver is connected first, as ``axes``
    comes before ``accounts`` in INSTALLED_APPS): the attempt that reaches the limit is
    recorded as a failure and a lockout; attempts while locked out as refusals."""

    username = (credentials or {}).get("username") or ""
    failures = getattr(request, "axes_failures_since_start", None) or 0
    limit = settings.AXES_FAILURE_LIMIT
    if settings.AXES_ENABLED and failures > limit:
        security_event_record(username=username, verb="accounts.login.refused", request=request)
        return
    security_event_record(username=username, verb="accounts.login.failed", request=request)
    if settings.AXES_ENABLED and failures == limit:
        security_event_record(username=username, verb="accounts.login.locked_out", request=request)
