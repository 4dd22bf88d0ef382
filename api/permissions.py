"""What an API request may do: its token's scope, then the same rules (``can``) as the pages.

A view names the scope it needs (``required_scope``); the rules about objects are asked by the
views through the selectors and ``can``, exactly as the pages ask them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.models import AccessToken


class TokenHasScope(BasePermission):
    message = _("This token may not do that: make one with the scope it needs.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken) or not request.user.is_authenticated:
            return False
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return True
        needed = scope.get(request.method, scope.get("*")) if isinstance(scope, dict) else scope
        return needed is None or needed in token.scopes
