"""Who an API request comes from: the personal access token in its Authorization header.

Only tokens: the API has no session or cookie login, so it needs no CSRF token and a page's
session can never be replayed against it. Every failure answers the same 401, so that a
revoked, expired and never-made token cannot be told apart.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import tokens


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        # Read as the text WSGI gives (not DRF's bytes helper, which fails on a character a
        # client sent outside Latin-1): our secrets are ASCII, anything else is not one.
        header = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token after “Bearer”."))
        secret = header[1]
        token = tokens.token_for_secret(secret) if secret.isascii() else None
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("That token is not valid: it may have expired or been revoked.")
            )
        tokens.token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without a token.
        return f'{self.keyword} realm="api"'


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("A personal access token, made on the API tokens page of one's account.")
            ),
        }
