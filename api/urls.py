from django.urls import path, re_path

from . import views

app_name = "api"

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/calls/", views.CallListView.as_view(), name="calls"),
    path("v1/calls/<int:pk>/", views.CallDetailView.as_view(), name="call"),
    path("v1/calls/<int:pk>/results/", views.CallResultsView.as_view(), name="call_results"),
    path("v1/applications/", views.ApplicationListView.as_view(), name="applications"),
    path("v1/applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application"),
    path("v1/studios/", views.StudioListView.as_view(), name="studios"),
    path("v1/studios/<int:pk>/", views.StudioDetailView.as_view(), name="studio"),
    path(
        "v1/studios/<int:pk>/activities/",
        views.StudioActivitiesView.as_view(),
        name="studio_activities",
    ),
    path(
        "v1/studios/<int:pk>/compliance/",
        views.StudioComplianceView.as_view(),
        name="studio_compliance",
    ),
    path("v1/activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity"),
    path(
        "v1/activities/<int:pk>/evidence/",
        views.ActivityEvidenceView.as_view(),
        name="activity_evidence",
    ),
    path("v1/allocations/", views.AllocationListView.as_view(), name="allocations"),
    path("v1/assessments/", views.AssessmentResultListView.as_view(), name="assessments"),
    path("v1/plaques/<str:code>/", views.PlaqueView.as_view(), name="plaque"),
    # Anything else under /api/ (an id that is not a number, a path that does not exist) is
    # the API's own 404, in JSON like every other answer of the API, not the site's page.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
