"""The page where a person makes and revokes their personal access tokens for the API."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from . import tokens
from .forms import AccessTokenForm, add_problems
from .mixins import ActionPermissionMixin
from .services import AccountsError


class AccessTokensView(ActionPermissionMixin, TemplateView):
    """个人访问令牌, from the account menu. A new token's secret is shown once, in the answer to
    the post that made it (never in a URL, never stored)."""

    permission = "accounts.keep_access_tokens"
    action_permissions = {
        "make": "accounts.keep_access_tokens",
        "revoke": "accounts.revoke_access_token",
    }
    template_name = "accounts/access_tokens.html"
    token = None

    def action_object(self, action: str):
        if action != "revoke":
            return None
        pk = self.request.POST.get("token", "")
        self.token = tokens.token_of(self.request.user, int(pk)) if pk.isdigit() else None
        if self.token is None:
            raise Http404
        return self.token

    def get_context_data(self, form=None, secret: str = "", made=None, **kwargs):
        return super().get_context_data(
            form=form or AccessTokenForm(),
            tokens=tokens.tokens_of(self.request.user)[:50],
            secret=secret,
            made=made,
            schema_url=reverse("api:schema"),
            docs_url=reverse("api:docs"),
            **kwargs,
        )

    def post(self, request):
        if request.POST.get("action") == "revoke":
            try:
                tokens.token_revoke(actor=request.user, token=self.token)
            except AccountsError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("The token “%(name)s” is revoked.") % {"name": self.token.name}
                )
            return redirect("accounts:access_tokens")
        form = AccessTokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = tokens.token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    days=form.cleaned_data["days"],
                )
            except AccountsError as exc:
                add_problems(form, exc)
            else:
                messages.success(
                    request, _("The token is made. Copy it now: it is shown only this once.")
                )
                # 201 and no redirect: the secret must not be kept to show again (as the
                # calendar address's page does).
                context = self.get_context_data(secret=secret, made=token)
                response = self.render_to_response(context, status=201)
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form))
