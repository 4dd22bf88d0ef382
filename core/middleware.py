"""Requests that no form of ours could have sent are refused before any view sees them."""

import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Logged where Django logs the other suspicious requests it refuses.
security_log = logging.getLogger("django.security.NullCharacterRejected")


class RejectNullCharactersMiddleware:
    """Answer 400 to a request with a NUL character in its query string or form fields.

    Django's form fields already refuse NUL, but views that read a filter or an id straight
    from ``request.GET``/``POST`` would pass it to PostgreSQL, which refuses the query (500).
    Refusing it here, once, covers every such view, present and future.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for data in (request.GET, request.POST if request.method == "POST" else None):
            if data is None:
                continue
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        """The 400 page itself, not the exception Django would turn into one: with DEBUG on
        (the local demo) the exception shows a traceback page to whoever typed the value."""
        security_log.warning("NUL character in a request value: %s", request.path)
        if request.path_info.startswith(settings.MINGSHI_API_PATH):
            # The API answers in JSON, its refusals too (its clients are programs).
            message = _("A value of the request holds a NUL character, which no field takes.")
            return JsonResponse({"detail": message}, status=400)
        return render(request, "400.html", status=400)
