from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog


def healthz(_request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("applications.urls")),
    path("", include("assessments.urls")),
    path("", include("funding.urls")),
    path("", include("policies.urls")),
    path("", include("studios.urls")),
    path("", include("accounts.urls")),
]
