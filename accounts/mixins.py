"""The one way views declare the permission they need."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

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
        if not can(request.user, self.permission, self.object):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.object
