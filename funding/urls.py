from django.urls import include, path

urlpatterns = [
    path("", include("funding.views.money")),
    path("", include("funding.views.exports")),
    path("", include("funding.views.imports")),
    path("", include("funding.views.dashboard")),
]
