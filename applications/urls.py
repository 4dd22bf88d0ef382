"""The applications app's URLs, under the ``applications:`` namespace, grouped as its views are."""

from django.urls import path, re_path

from .views import calls, documents, experts, forms, public, review, word

app_name = "applications"

urlpatterns = [
    # calls
    path("calls/", calls.CallListView.as_view(), name="call_list"),
    path("calls/new/", calls.CallCreateView.as_view(), name="call_create"),
    path("calls/<int:pk>/", calls.CallDetailView.as_view(), name="call_detail"),
    path("calls/<int:pk>/edit/", calls.CallEditView.as_view(), name="call_edit"),
    re_path(
        r"^calls/(?P<pk>\d+)/(?P<action>open|close)/$",
        calls.CallActionView.as_view(),
        name="call_action",
    ),
    # forms
    path("calls/<int:pk>/apply/", forms.ApplicationStartView.as_view(), name="application_start"),
    path(
        "applications/<int:pk>/", forms.ApplicationDetailView.as_view(), name="application_detail"
    ),
    path(
        "applications/<int:pk>/edit/", forms.ApplicationEditView.as_view(), name="application_edit"
    ),
    path(
        "applications/<int:pk>/attachments/new/",
        forms.AttachmentUploadView.as_view(),
        name="application_attach",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/delete/",
        forms.AttachmentDeleteView.as_view(),
        name="application_detach",
    ),
    path(
        "applications/<int:pk>/docx/upload/",
        word.DocxUploadView.as_view(),
        name="application_docx_upload",
    ),
    # review
    path("review/", review.ReviewQueueView.as_view(), name="review_queue"),
    path("review/bulk/", review.BulkApproveView.as_view(), name="review_bulk"),
    path(
        "applications/<int:pk>/review/",
        review.ReviewDecisionView.as_view(),
        name="application_review",
    ),
    path(
        "applications/<int:pk>/extension/",
        review.ExtensionView.as_view(),
        name="application_extension",
    ),
    path(
        "calls/<int:pk>/applications/",
        review.CallApplicationsView.as_view(),
        name="call_applications",
    ),
    # documents
    path(
        "applications/<int:pk>/pdf/", documents.ApplicationPdfView.as_view(), name="application_pdf"
    ),
    path(
        "applications/<int:pk>/docx/",
        documents.ApplicationDocxView.as_view(),
        name="application_docx",
    ),
    path(
        "applications/<int:pk>/review/<int:step_pk>/scan/",
        documents.ReviewScanView.as_view(),
        name="review_scan",
    ),
    path(
        "applications/<int:pk>/photo/",
        documents.ApplicationPhotoView.as_view(),
        name="application_photo",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        documents.ApplicationAttachmentView.as_view(),
        name="application_attachment",
    ),
    path(
        "calls/<int:pk>/attachments/<int:attachment_pk>/",
        documents.CallAttachmentView.as_view(),
        name="call_attachment",
    ),
    path("calls/<int:pk>/packet.pdf", documents.CallPacketView.as_view(), name="call_packet"),
    # experts
    path("calls/<int:pk>/experts/", experts.CallExpertsView.as_view(), name="call_experts"),
    path("calls/<int:pk>/ranking/", experts.CallRankingView.as_view(), name="call_ranking"),
    path("experts/", experts.ExpertQueueView.as_view(), name="expert_queue"),
    path(
        "experts/assignments/<int:pk>/",
        experts.AssignmentScoreView.as_view(),
        name="assignment_score",
    ),
    # public
    path("calls/<int:pk>/notice/", public.NoticeManageView.as_view(), name="call_notice_manage"),
    path("calls/<int:pk>/publish/", public.CallPublishView.as_view(), name="call_publish"),
    path("notice/<int:pk>/", public.PublicNoticeView.as_view(), name="public_notice"),
    path(
        "notice/<int:pk>/object/<int:application_pk>/",
        public.ObjectionFileView.as_view(),
        name="objection_file",
    ),
    path("results/<int:pk>/", public.PublicResultsView.as_view(), name="public_results"),
]
