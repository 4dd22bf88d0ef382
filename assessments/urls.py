from django.urls import include, path

urlpatterns = [
    path("", include("assessments.views.annual")),
    path("", include("assessments.views.term")),
]
