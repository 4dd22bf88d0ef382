from django.urls import include, path

# One urlconf per area of running a studio; each module keeps its views and its urlpatterns.
urlpatterns = [
    path("", include("studios.views.home")),
    path("", include("studios.views.plaques")),
    path("", include("studios.views.activities")),
    path("", include("studios.views.team")),
    path("", include("studios.views.files")),
]
