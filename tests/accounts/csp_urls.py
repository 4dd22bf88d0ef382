"""A tiny URLconf for the CSP tests: one view that sets its own, stricter policy."""

from django.http import HttpResponse
from django.urls import include, path


def own_policy(_request):
    response = HttpResponse(b"file", content_type="application/octet-stream")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns = [path("own-policy/", own_policy), path("", include("config.urls"))]
