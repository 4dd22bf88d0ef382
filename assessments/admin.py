from django.contrib import admin

from applications.services import MAX_ATTACHMENT_BYTES
from core.uploads import checked_files_form

from .models import (
    AnnualAssessment,
    AnnualReport,
    AnnualReportAttachment,
    Commendation,
    ExpertScore,
    HostExclusion,
    Rectification,
    TermEvaluation,
)
from .services import REPORT_ATTACHMENT_TYPES


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["studio", "year", "status", "due_on", "submitted_at"]
    list_filter = ["status", "year"]
    search_fields = ["studio__name", "work_done", "results"]
    raw_id_fields = ["studio"]


@admin.register(AnnualReportAttachment)
class AnnualReportAttachmentAdmin(admin.ModelAdmin):
    form = checked_files_form(
        AnnualReportAttachment, file=(REPORT_ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES)
    )
    list_display = ["title", "report", "size", "uploaded_at"]
    search_fields = ["title", "original_name"]
    list_filter = ["uploaded_at"]
    raw_id_fields = ["report"]


@admin.register(AnnualAssessment)
class AnnualAssessmentAdmin(admin.ModelAdmin):
    list_display = ["studio", "year", "status", "outcome", "total", "decided_at"]
    list_filter = ["status", "outcome", "year"]
    search_fields = ["studio__name", "comment"]
    raw_id_fields = ["studio", "report", "assessor"]


@admin.register(ExpertScore)
class ExpertScoreAdmin(admin.ModelAdmin):
    list_display = ["expert", "assessment", "evaluation", "total", "submitted_at"]
    search_fields = ["expert__username", "expert__full_name", "comment"]
    list_filter = ["submitted_at"]
    raw_id_fields = ["expert", "assessment", "evaluation"]


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ["assessment", "deadline", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["assessment__studio__name", "required_actions", "report"]
    raw_id_fields = ["assessment", "decided_by"]


@admin.register(TermEvaluation)
class TermEvaluationAdmin(admin.ModelAdmin):
    list_display = ["studio", "opens_on", "status", "outcome", "total"]
    list_filter = ["status", "outcome"]
    search_fields = ["studio__name", "comment"]
    raw_id_fields = ["studio", "decided_by"]


@admin.register(Commendation)
class CommendationAdmin(admin.ModelAdmin):
    list_display = ["person", "studio", "title", "year"]
    list_filter = ["year"]
    search_fields = ["person__full_name", "studio__name", "title"]
    raw_id_fields = ["person", "studio"]


@admin.register(HostExclusion)
class HostExclusionAdmin(admin.ModelAdmin):
    list_display = ["person", "until", "reason", "created_at"]
    search_fields = ["person__full_name", "reason"]
    list_filter = ["until"]
    raw_id_fields = ["person", "evaluation"]
