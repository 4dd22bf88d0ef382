"""The two legs of single sign-on (accounts/sso.py): off to the provider, and back."""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import security, sso
from .services import security_event_record

log = logging.getLogger("mingshi.sso")

_BACKEND = "accounts.backends.ModelBackend"


class SSOStartView(OIDCAuthenticationRequestView):
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge (kept in
    the session); ``?next=`` is kept too, if it points back into Mingshi."""

    def dispatch(self, request, *args, **kwargs):
        if not sso.enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SSOCallbackView(View):
    """The provider sends the browser back here with a code. Every way this can go wrong (the
    person cancelled, an old or replayed link, an unreachable provider, a token that does not
    check out, a person without a Mingshi account) ends on the login page with a sentence that
    says what to do; nothing is half done."""

    http_method_names = ["get"]

    def get(self, request):
        if not sso.enabled():
            raise Http404
        if request.GET.get("error"):
            self._forget_state(request)
            return self._back_to_login(
                request, _("Signing in at the identity platform was cancelled.")
            )
        code = request.GET.get("code")
        pending = self._forget_state(request)
        if not code or pending is None:
            return self._back_to_login(
                request,
                _("This sign-in link has expired or was already used. Please start again."),
            )
        backend = sso.ProviderBackend()
        try:
            person = backend.authenticate(
                request, nonce=pending.get("nonce"), code_verifier=pending.get("code_verifier")
            )
        except sso.Refused as refusal:
            return self._back_to_login(request, str(refusal))
        except (requests.RequestException, ValueError, SuspiciousOperation, jwt.PyJWTError) as exc:
            # ValueError: an answer that is not JSON. The details are for the server's log.
            log.warning("single sign-on failed (%s): %s", type(exc).__name__, exc)
            person = None
        if person is None or not person.is_active:
            return self._back_to_login(
                request,
                _(
                    "The identity platform's answer could not be checked. Please try again, "
                    "or sign in with your password."
                ),
            )
        next_url = request.session.get("oidc_login_next") or resolve_url(
            settings.LOGIN_REDIRECT_URL
        )
        auth.login(request, person, backend=_BACKEND)
        if sso.second_factor_asserted(getattr(backend, "id_claims", {}) or {}):
            request.session[security.OTP_PENDING_KEY] = False
            security_event_record(
                user=person, verb="accounts.sso.second_factor_by_provider", request=request
            )
        return redirect(next_url)

    @staticmethod
    def _forget_state(request):
        """Take this answer's state out of the session, so a link works once; returns what was
        kept for it (nonce, PKCE verifier) or None when it is unknown."""
        states = request.session.get("oidc_states") or {}
        state = request.GET.get("state")
        if not isinstance(states, dict) or not state or state not in states:
            return None
        pending = states.pop(state)
        request.session["oidc_states"] = states
        request.session.save()
        return pending if isinstance(pending, dict) else None

    @staticmethod
    def _back_to_login(request, message: str):
        messages.error(request, message)
        return redirect("accounts:login")
