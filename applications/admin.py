from django.contrib import admin

from core.uploads import checked_files_form

from .models import (
    Application,
    ApplicationAttachment,
    Call,
    CallAttachment,
    ExpertAssignment,
    ExpertConflict,
    Objection,
    ReviewStep,
    RubricCriterion,
    Score,
    Submission,
    TeamEntry,
)
from .services import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, MAX_PHOTO_BYTES, PHOTO_TYPES

# Files added here pass the same content check as those uploaded through the pages.
CHECKED_ATTACHMENT = (ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES)


class RubricInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


class CallAttachmentInline(admin.TabularInline):
    model = CallAttachment
    form = checked_files_form(CallAttachment, file=CHECKED_ATTACHMENT)
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "bureau", "status", "opens_on", "closes_on", "studio_count"]
    list_filter = ["status", "bureau__city", "policy"]
    search_fields = ["title", "document_number"]
    date_hierarchy = "opens_on"
    inlines = [RubricInline, CallAttachmentInline]


class TeamEntryInline(admin.TabularInline):
    model = TeamEntry
    extra = 0


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0
    readonly_fields = ["level", "decision", "opinion", "reviewer", "organisation", "decided_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read and correct data; state changes go through the workflow, not this form."""

    list_display = ["host_name", "call", "school", "county", "school_stage", "status", "updated_at"]
    list_filter = ["status", "call", "school_stage", ("county", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["host_name", "school__name", "research_direction", "applicant__username"]
    list_select_related = ["call", "school", "county"]
    form = checked_files_form(Application, photo=(PHOTO_TYPES, MAX_PHOTO_BYTES))
    readonly_fields = ["status", "submitted_at", "submission_count"]
    raw_id_fields = ["applicant", "school", "county", "paired_county"]
    inlines = [TeamEntryInline, ReviewStepInline]


@admin.register(ApplicationAttachment)
class ApplicationAttachmentAdmin(admin.ModelAdmin):
    form = checked_files_form(ApplicationAttachment, file=CHECKED_ATTACHMENT)
    list_display = ["title", "application", "size", "uploaded_at"]
    search_fields = ["title", "original_name", "application__host_name"]
    list_filter = ["uploaded_at"]
    raw_id_fields = ["application"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["application", "number", "submitted_at"]
    search_fields = ["application__host_name"]
    list_filter = ["submitted_at"]
    raw_id_fields = ["application"]


@admin.register(ReviewStep)
class ReviewStepAdmin(admin.ModelAdmin):
    list_display = ["application", "level", "decision", "reviewer", "decided_at"]
    list_filter = ["level", "decision"]
    search_fields = ["application__host_name", "opinion", "reviewer__username"]
    raw_id_fields = ["application", "reviewer", "organisation"]


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    list_display = ["application", "expert", "state", "assigned_at", "submitted_at"]
    list_filter = ["state", "application__call"]
    search_fields = ["application__host_name", "expert__username", "expert__full_name"]
    raw_id_fields = ["application", "expert", "assigned_by"]


@admin.register(ExpertConflict)
class ExpertConflictAdmin(admin.ModelAdmin):
    list_display = ["expert", "organisation", "reason", "declared_at"]
    search_fields = ["expert__username", "organisation__name", "reason"]
    list_filter = ["declared_at"]
    raw_id_fields = ["expert", "organisation"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["assignment", "criterion", "value"]
    search_fields = ["assignment__application__host_name", "criterion__name"]
    list_filter = ["criterion__call"]
    raw_id_fields = ["assignment"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["application", "name", "state", "filed_at", "resolved_at"]
    list_filter = ["state"]
    search_fields = ["name", "contact", "text", "application__host_name"]
    raw_id_fields = ["application", "resolved_by"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "call", "max_score", "position"]
    list_filter = ["call"]
    search_fields = ["name", "description"]


@admin.register(TeamEntry)
class TeamEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "application", "work_unit", "head_teacher_years"]
    list_filter = ["role"]
    search_fields = ["name", "work_unit", "application__host_name"]
    raw_id_fields = ["application"]


@admin.register(CallAttachment)
class CallAttachmentAdmin(admin.ModelAdmin):
    form = checked_files_form(CallAttachment, file=CHECKED_ATTACHMENT)
    list_display = ["title", "call", "uploaded_at"]
    search_fields = ["title", "original_name", "call__title"]
    list_filter = ["call"]
