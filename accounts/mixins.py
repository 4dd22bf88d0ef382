"""The one way views declare the permission they need."""

from collections.abc import Iterator

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .permissions import can


class PermissionRequiredMixin(LoginRequiredMixin):
    """Log in, find the object inside the user's scope (404 outside it), then ask ``can``.

    Pages about no particular object set only ``permission``. Object pages also define
    ``lookup(user, **url_kwargs)``, which must find the object through a selector scoped to
    that user and return None when it is out of reach: ids cannot be probed across counties.
    It receives every URL argument, so one that needs only ``pk`` still takes ``**kwargs``.
    """

    permission: str = ""
    object = None

    def lookup(self, user, **kwargs):
        return None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if type(self).lookup is not PermissionRequiredMixin.lookup:
            self.object = self.lookup(request.user, **kwargs)
            if self.object is None:
                raise Http404
        for rule, obj in self.permissions_needed(request):
            if rule is None:  # a post no page of ours sends
                # The 400 page itself, not BadRequest: with DEBUG on (the local demo) the
                # exception would show a traceback page to whoever sent it.
                reason = _("This page has no such button. Reload the page and try again.")
                return render(request, "400.html", {"reason": reason}, status=400)
            if not can(request.user, rule, obj):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def permissions_needed(self, request) -> Iterator[tuple[str, object]]:
        """Each (rule, object) the request needs, asked in order (a refusal stops the rest);
        a page needs its one ``permission``."""
        yield self.permission, self.object

    def get_object(self, queryset=None):
        return self.object


class ActionPermissionMixin(PermissionRequiredMixin):
    """A page whose form posts say what they do: each POST needs the page's ``permission`` and
    the rule of what it does, so the class shows every operation it allows and what each needs.

    ``action_permissions`` maps the posted ``action`` to its rule; a page with one kind of
    post (no ``action`` field) sets ``post_permission`` instead. An action the map does not name
    is a bad request (the 400 page), never a silent fallback. ``action_object`` says which object an
    action's rule is asked about (the page's object unless a page says otherwise).
    """

    action_permissions: dict[str, str] = {}
    post_permission: str = ""

    def action_object(self, action: str):
        return self.object

    def permissions_needed(self, request) -> Iterator[tuple[str, object]]:
        yield from super().permissions_needed(request)  # the page first: 403 before 400
        if request.method != "POST":
            return
        if self.action_permissions:
            action = request.POST.get("action", "")
            rule = self.action_permissions.get(action)
            if rule is None:
                yield None, None  # unknown: answered 400 by dispatch
                return
            yield rule, self.action_object(action)
        elif self.post_permission:
            yield self.post_permission, self.object
