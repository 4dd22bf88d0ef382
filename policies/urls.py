from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("policies/", views.PolicyListView.as_view(), name="policy_list"),
    path("policies/new/", views.PolicyCreateView.as_view(), name="policy_create"),
    path("policies/<slug:code>/", views.PolicyDetailView.as_view(), name="policy_detail"),
    path("policies/<slug:code>/edit/", views.PolicyEditView.as_view(), name="policy_edit"),
    path(
        "policies/<slug:code>/form/",
        views.PolicyApplicationFormView.as_view(),
        name="policy_form_edit",
    ),
]
