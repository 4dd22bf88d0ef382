from urllib.parse import urlencode

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import security
from .services import security_event_record


class LanguageMiddleware:
    """Chinese first: the user's saved language, else the switch's cookie, else zh-hans.

    The browser's Accept-Language is deliberately not consulted: bureau machines often run
    an English-language OS, and the product's working language is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        available = dict(settings.LANGUAGES)
        user = getattr(request, "user", None)
        language = user.language if user is not None and user.is_authenticated else None
        if language not in available:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


# --- security: the policy on every page, and the session gates -----------------------------


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (CONTENT_SECURITY_POLICY in settings), with one exception:
    the Django admin writes a few inline styles, so under /admin/ styles may be inline too.
    Scripts stay 'self' everywhere. A response that already has a policy (file downloads set
    a stricter one) keeps it: django-csp never overwrites an existing header."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts


# URL names a half-logged-in user may still reach (by namespace:name or name).
_ALWAYS_OPEN = {
    "accounts:login",
    "accounts:logout",
    "accounts:language_switch",
    "javascript-catalog",
    "healthz",
    "healthz_live",
    "admin:logout",
}
_SECOND_FACTOR_OPEN = {"accounts:otp_verify", "accounts:otp_setup"}
_PASSWORD_OPEN = {"accounts:password_change", "accounts:password_change_done"}


def _url_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return match.view_name or ""


def _gate_redirect(request, to: str, message: str = ""):
    """Send the user to ``to`` (keeping where they were going); htmx gets a full redirect."""
    target = resolve_url(to)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        target = f"{target}?{urlencode({'next': request.get_full_path()})}"
    if message and not request.headers.get("HX-Request"):
        messages.warning(request, message)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


class IdleTimeoutMiddleware:
    """Log out a session that was idle too long (staff roles: MINGSHI_IDLE_TIMEOUT_MINUTES)
    or that is older than SESSION_COOKIE_AGE, with a message that says why. The last activity
    is written at most once a minute, so a busy page does not save its session every time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request, user)
            if expired:
                request._mingshi_logout_verb = "accounts.session.expired"
                logout(request)
                return _gate_redirect(request, "accounts:login", expired)
        return self.get_response(request)

    @staticmethod
    def _expired(request, user) -> str:
        session = request.session
        now = int(timezone.now().timestamp())
        started = session.get(security.LOGIN_AT_KEY)
        last = session.get(security.LAST_ACTIVITY_KEY)
        limit = session.get(security.IDLE_LIMIT_KEY)
        if started is None or last is None or limit is None:
            security.start_session(request, user)  # a session from before these gates
            return ""
        if now - started > settings.SESSION_COOKIE_AGE:
            hours = max(1, round(settings.SESSION_COOKIE_AGE / 3600))
            return _("Your session ended after %(hours)d hours. Please log in again.") % {
                "hours": hours
            }
        if now - last > limit:
            minutes = max(1, round(limit / 60))
            return _(
                "You were logged out after %(minutes)d minutes without activity. "
                "Please log in again."
            ) % {"minutes": minutes}
        if now - last >= 60:
            session[security.LAST_ACTIVITY_KEY] = now
        return ""


class SecondFactorMiddleware:
    """A user who must give a second factor (a staff role where it is required, or anyone
    who set one up) reaches only verification and set-up until they have given it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        name = _url_name(request)
        if name in _ALWAYS_OPEN or name in _SECOND_FACTOR_OPEN:
            return None
        if not security.second_factor_pending(request, user):
            return None
        return _gate_redirect(request, "accounts:otp_verify")


class PasswordChangeRequiredMiddleware:
    """A user whose password someone else chose (an import, an invitation) changes it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        name = _url_name(request)
        if name in _ALWAYS_OPEN or name in _PASSWORD_OPEN or name in _SECOND_FACTOR_OPEN:
            return None
        return _gate_redirect(
            request,
            "accounts:password_change",
            _("Your password was set by someone else. Choose your own password to continue."),
        )


class DownloadAuditMiddleware:
    """Every file a logged-in user downloads as an attachment (exports, PDFs, workbooks,
    packets) is recorded in the audit trail as ``accounts.export.downloaded``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        disposition = response.get("Content-Disposition", "")
        if (
            response.status_code == 200
            and disposition.lower().startswith("attachment")
            and user is not None
            and user.is_authenticated
        ):
            security_event_record(
                user=user,
                verb="accounts.export.downloaded",
                request=request,
                comment=f"{request.path} · {disposition[:150]}",
            )
        return response
