"""The assessments app's URLs, under the ``assessments:`` namespace, grouped as its views are."""

from django.urls import path

from .views import annual, term

app_name = "assessments"

urlpatterns = [
    # annual
    path("assessments/", annual.AnnualReportsView.as_view(), name="annual_reports"),
    path("assessments/reports/<int:pk>/", annual.AnnualReportView.as_view(), name="annual_report"),
    path(
        "assessments/reports/<int:pk>/attachments/<int:attachment_pk>/",
        annual.ReportAttachmentView.as_view(),
        name="annual_report_attachment",
    ),
    path("assessments/<int:pk>/", annual.AssessmentDetailView.as_view(), name="assessment_detail"),
    path(
        "assessments/<int:pk>/letter.pdf",
        annual.AssessmentLetterView.as_view(),
        name="assessment_letter",
    ),
    # term
    path("evaluations/", term.TermEvaluationListView.as_view(), name="term_evaluations"),
    path("evaluations/<int:pk>/", term.TermEvaluationView.as_view(), name="term_evaluation"),
    path(
        "evaluations/<int:pk>/certificate.pdf",
        term.TermCertificateView.as_view(),
        name="term_certificate",
    ),
    path("records/<int:user_pk>/", term.PersonRecordView.as_view(), name="person_record"),
]
