"""The studios app's URLs, under the ``studios:`` namespace, grouped as its views are."""

from django.urls import path

from .views import (
    activities,
    calendars,
    comments,
    growth,
    home,
    liaison,
    outputs,
    plans,
    plaques,
    team,
)

app_name = "studios"

urlpatterns = [
    # home
    path("studios/", home.StudioDirectoryView.as_view(), name="studio_directory"),
    path("studios/<int:pk>/", home.StudioHomeView.as_view(), name="studio_home"),
    path("studios/<int:pk>/about/", home.StudioPublicView.as_view(), name="studio_public"),
    # plaques: by the printed number, or by the code in the plaque's QR code (never "verify":
    # a code has 12 characters)
    path("plaques/verify/", plaques.PlaqueVerifyView.as_view(), name="plaque_verify"),
    path("plaques/<str:code>/", plaques.PlaqueCheckView.as_view(), name="plaque_check"),
    path(
        "studios/<int:pk>/certificate.pdf",
        plaques.StudioCertificateView.as_view(),
        name="studio_certificate",
    ),
    # activities
    path(
        "studios/<int:pk>/activities/", activities.ActivityListView.as_view(), name="activity_list"
    ),
    path(
        "studios/<int:pk>/activities/new/",
        activities.ActivityCreateView.as_view(),
        name="activity_create",
    ),
    path(
        "studios/<int:pk>/activities/<int:activity_pk>/",
        activities.ActivityDetailView.as_view(),
        name="activity_detail",
    ),
    path(
        "studios/<int:pk>/activities/<int:activity_pk>/edit/",
        activities.ActivityEditView.as_view(),
        name="activity_edit",
    ),
    path("attendance/", activities.MyAttendanceView.as_view(), name="my_attendance"),
    path(
        "attendance/<int:pk>/confirm/",
        activities.AttendanceConfirmView.as_view(),
        name="attendance_confirm",
    ),
    path("evidence/<int:pk>/", activities.EvidenceFileView.as_view(), name="evidence_file"),
    path("compliance/", activities.ComplianceGridView.as_view(), name="compliance_grid"),
    path(
        "compliance/export.xlsx",
        activities.ComplianceExportView.as_view(),
        name="compliance_export",
    ),
    # team
    path("studios/<int:pk>/team/", team.StudioTeamView.as_view(), name="studio_team"),
    path("recruitment/", team.RecruitmentListView.as_view(), name="recruitment_list"),
    path("recruitment/<int:pk>/", team.RecruitmentDetailView.as_view(), name="recruitment_detail"),
    path("recruitment/<int:pk>/apply/", team.SeatRequestView.as_view(), name="seat_request"),
    path(
        "recruitment/<int:pk>/assign/",
        team.RecruitmentAssignView.as_view(),
        name="recruitment_assign",
    ),
    path(
        "recruitment/<int:pk>/close/", team.RecruitmentCloseView.as_view(), name="recruitment_close"
    ),
    path(
        "recruitment/<int:pk>/finish/",
        team.RecruitmentFinishView.as_view(),
        name="recruitment_finish",
    ),
    # plans, growth files, outputs
    path("studios/<int:pk>/plans/", plans.StudioPlansView.as_view(), name="studio_plans"),
    path("studios/<int:pk>/plans/edit/", plans.PlanEditView.as_view(), name="plan_edit"),
    path(
        "studios/<int:pk>/plans/<int:plan_pk>/",
        plans.PlanVersionView.as_view(),
        name="plan_version",
    ),
    path("growth/", growth.MyGrowthView.as_view(), name="my_growth"),
    path("growth/<int:user_pk>/", growth.GrowthFileView.as_view(), name="growth_file"),
    path("studios/<int:pk>/growth/", growth.StudioGrowthView.as_view(), name="studio_growth"),
    path("studios/<int:pk>/outputs/", outputs.StudioOutputsView.as_view(), name="studio_outputs"),
    path("outputs/<int:pk>/file/", outputs.OutputFileView.as_view(), name="output_file"),
    path("resources/", outputs.ResourcesView.as_view(), name="resources"),
    # the assistant's liaison log, the advisors' comments
    path("studios/<int:pk>/liaison/", liaison.LiaisonListView.as_view(), name="liaison_list"),
    path(
        "studios/<int:pk>/liaison/<int:entry_pk>/edit/",
        liaison.LiaisonEditView.as_view(),
        name="liaison_edit",
    ),
    path("studios/<int:pk>/comments/", comments.CommentAddView.as_view(), name="comment_add"),
    # calendar feeds: the person's page, and what calendar apps read with its secret address
    path("calendar/", calendars.CalendarFeedsView.as_view(), name="calendar_feeds"),
    path(
        "calendar/<str:secret>/deadlines.ics",
        calendars.DeadlineFeedView.as_view(),
        name="deadline_feed",
    ),
    path(
        "calendar/<str:secret>/studios/<int:pk>/activities.ics",
        calendars.ActivityFeedView.as_view(),
        name="activity_feed",
    ),
]
