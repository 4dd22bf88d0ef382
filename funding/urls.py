"""The funding app's URLs, under the ``funding:`` namespace, grouped as its views are."""

from django.urls import path

from .views import dashboard, exports, imports, money

app_name = "funding"

urlpatterns = [
    # money
    path("studios/<int:pk>/funding/", money.StudioFundingView.as_view(), name="studio_funding"),
    path(
        "expenditures/<int:pk>/decide/",
        money.ExpenditureDecideView.as_view(),
        name="expenditure_decide",
    ),
    path("expenditures/<int:pk>/receipt/", money.ReceiptFileView.as_view(), name="receipt_file"),
    path("finance/", money.FinanceQueueView.as_view(), name="finance_queue"),
    path("allocations/", money.AllocationsView.as_view(), name="allocations"),
    path("schools/<int:pk>/account/", money.SpecialAccountView.as_view(), name="special_account"),
    # exports
    path("exports/", exports.AuditExportView.as_view(), name="audit_export"),
    # imports
    path("imports/", imports.DataImportView.as_view(), name="data_import"),
    path("imports/jobs/<int:pk>/", imports.ImportJobView.as_view(), name="data_import_job"),
    path(
        "imports/template/<slug:kind>.xlsx",
        imports.ImportTemplateView.as_view(),
        name="import_template",
    ),
    # dashboard
    path("funding/", dashboard.FundingDashboardView.as_view(), name="funding_dashboard"),
]
