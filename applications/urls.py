from django.urls import include, path

# One urlconf per area of the journey; each module keeps its views and its urlpatterns.
urlpatterns = [
    path("", include("applications.views.calls")),
    path("", include("applications.views.forms")),
    path("", include("applications.views.review")),
    path("", include("applications.views.documents")),
    path("", include("applications.views.experts")),
    path("", include("applications.views.public")),
]
