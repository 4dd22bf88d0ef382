"""Logging in safely: the lockout page, the second factor (verification, set-up, recovery
codes) and the password change that clears an imposed password.

The password step stays Django's own LoginView; a user who must give a second factor is
then held by ``accounts.middleware.SecondFactorMiddleware`` at these pages until they have.
"""

from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticToken

from core import forms as core_forms

from . import security, services


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): the login page again,
    saying why and for how long, with status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed logins for this account or from this address. Logging in is locked "
        "for %(minutes)d minutes: try again later, or ask an administrator to unlock it."
    ) % {"minutes": minutes}
    context = {
        "form": AuthenticationForm(request),
        "lockout_message": message,
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "registration/login.html", context, status=429)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class TokenForm(core_forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip().replace(" ", "").lower()


class OTPVerifyView(LoginRequiredMixin, View):
    """The second step of logging in: a code from the authenticator app, or a recovery code."""

    template_name = "accounts/security/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.is_verified():
            return redirect(_next_url(request))
        if not security.has_confirmed_device(request.user):
            if security.otp_required(request.user):
                return redirect(f"{reverse('accounts:otp_setup')}?{request.GET.urlencode()}")
            request.session[security.OTP_PENDING_KEY] = False  # the device was removed
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        context = {"form": TokenForm(), "next": _next_url(request)}
        return render(request, self.template_name, context)

    def post(self, request):
        form = TokenForm(request.POST)
        device = match_token(request.user, form.cleaned_data["token"]) if form.is_valid() else None
        if device is None:
            services.security_event_record(
                user=request.user, verb="accounts.otp.failed", request=request
            )
            form.add_error(
                None,
                _(
                    "That code is not right, or it was already used. Wait a few seconds, "
                    "then try the newest code."
                ),
            )
            context = {"form": form, "next": _next_url(request)}
            return render(request, self.template_name, context, status=400)
        otp_login(request, device)
        request.session[security.OTP_PENDING_KEY] = False
        recovery = device.__class__.__name__ == "StaticDevice"
        services.security_event_record(
            user=request.user,
            verb="accounts.otp.recovery_code_used" if recovery else "accounts.otp.verified",
            request=request,
        )
        if recovery:
            left = device.token_set.count()
            messages.warning(
                request,
                _(
                    "You logged in with a recovery code; %(count)d are left. Each works once: "
                    "make new ones on the security page if you are running out."
                )
                % {"count": left},
            )
        return redirect(_next_url(request))


class OTPSetupView(LoginRequiredMixin, View):
    """Set up an authenticator app: QR code and secret, confirmed with one code; the recovery
    codes are shown once, right after. Replacing a working one needs a verified session."""

    template_name = "accounts/security/setup.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if security.has_confirmed_device(request.user) and not request.user.is_verified():
            return redirect(f"{reverse('accounts:otp_verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, form, status=200):
        device = services.otp_enrolment_start(actor=request.user)
        context = {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped(device),
            "next": _next_url(request),
            "required": security.otp_required(request.user),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, form, status=400)
        device = services.otp_enrolment_start(actor=request.user)
        try:
            codes = services.otp_enrolment_confirm(
                actor=request.user, device=device, token=form.cleaned_data["token"]
            )
        except services.AccountsError as exc:
            form.add_error("token", str(exc))
            return self.render_page(request, form, status=400)
        device.refresh_from_db()
        otp_login(request, device)
        request.session[security.OTP_PENDING_KEY] = False
        messages.success(request, _("Your authenticator app is set up."))
        return render(
            request,
            "accounts/security/recovery_codes.html",
            {"codes": codes, "next": _next_url(request)},
        )


class SecurityView(LoginRequiredMixin, View):
    """The user's own security page: the second factor's state, new recovery codes."""

    template_name = "accounts/security/overview.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {
                "has_device": security.has_confirmed_device(request.user),
                "required": security.otp_required(request.user),
                "codes_left": StaticToken.objects.filter(
                    device__user=request.user, device__confirmed=True
                ).count(),
            },
        )

    def post(self, request):
        try:
            codes = services.otp_recovery_codes_regenerate(actor=request.user)
        except services.AccountsError as exc:
            messages.error(request, str(exc))
            return redirect("accounts:security")
        messages.success(request, _("New recovery codes are made; the old ones no longer work."))
        return render(
            request,
            "accounts/security/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:security")},
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also lifts an imposed password and is recorded."""

    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user)
        return response


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG markup (no image request, nothing a CSP must allow)."""
    # Only the authenticator set-up page draws a QR code: imported there, not at start.
    import qrcode.image.svg  # noqa: PLC0415

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    return image.to_string(encoding="unicode")


def _grouped(device) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
