from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.i18n import JavaScriptCatalog

from core import health


@never_cache
def healthz(_request):
    """The database, Redis and the worker, each reported (core/health.py); 503 when this node
    cannot serve pages."""
    status, body = health.report()
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def healthz_live(_request):
    """The process answers: needs no database (the container's check, the benchmarks' anchor)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("healthz/live", healthz_live, name="healthz_live"),
    path("api/", include("api.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("applications.urls")),
    path("", include("assessments.urls")),
    path("", include("funding.urls")),
    path("", include("policies.urls")),
    path("", include("studios.urls")),
    path("", include("accounts.urls")),
]
