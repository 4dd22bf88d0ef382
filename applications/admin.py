from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from core.uploads import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES

from .models import (
    Application,
    ApplicationAttachment,
    Call,
    CallAttachment,
    ExpertAssignment,
    ExpertConflict,
    Objection,
    RenderedPacket,
    RenderedPdf,
    ReviewStep,
    RubricCriterion,
    Score,
    Submission,
    TeamEntry,
)

# Files added here pass the same content check as those uploaded through the pages.
CHECKED_ATTACHMENT = (ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES)


class RubricInline(ReadOnlyTabularInline):
    model = RubricCriterion


class CallAttachmentInline(ReadOnlyTabularInline):
    model = CallAttachment


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    """Calls are prepared, opened and closed on their pages (/calls/), which record it."""

    list_display = ["title", "bureau", "status", "opens_on", "closes_on", "studio_count"]
    list_filter = ["status", "bureau__city", "policy"]
    search_fields = ["title", "document_number"]
    date_hierarchy = "opens_on"
    inlines = [RubricInline, CallAttachmentInline]


class TeamEntryInline(ReadOnlyTabularInline):
    model = TeamEntry


class ReviewStepInline(ReadOnlyTabularInline):
    model = ReviewStep


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """The form as submitted: it changes through the applicant's form and the review chain."""

    list_display = ["host_name", "call", "school", "county", "school_stage", "status", "updated_at"]
    list_filter = ["status", "call", "school_stage", ("county", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["host_name", "school__name", "research_direction", "applicant__username"]
    list_select_related = ["call", "school", "county"]
    raw_id_fields = ["applicant", "school", "county", "paired_county"]
    inlines = [TeamEntryInline, ReviewStepInline]


@admin.register(ApplicationAttachment)
class ApplicationAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["title", "application", "size", "uploaded_at"]
    search_fields = ["title", "original_name", "application__host_name"]
    list_filter = ["uploaded_at"]
    raw_id_fields = ["application"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["application", "number", "submitted_at"]
    search_fields = ["application__host_name"]
    list_filter = ["submitted_at"]
    raw_id_fields = ["application"]


@admin.register(ReviewStep)
class ReviewStepAdmin(ReadOnlyAdmin):
    list_display = ["application", "level", "decision", "reviewer", "decided_at"]
    list_filter = ["level", "decision"]
    search_fields = ["application__host_name", "opinion", "reviewer__username"]
    raw_id_fields = ["application", "reviewer", "organisation"]


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["application", "expert", "state", "assigned_at", "submitted_at"]
    list_filter = ["state", "application__call"]
    search_fields = ["application__host_name", "expert__username", "expert__full_name"]
    raw_id_fields = ["application", "expert", "assigned_by"]


@admin.register(ExpertConflict)
class ExpertConflictAdmin(ReadOnlyAdmin):
    list_display = ["expert", "organisation", "reason", "declared_at"]
    search_fields = ["expert__username", "organisation__name", "reason"]
    list_filter = ["declared_at"]
    raw_id_fields = ["expert", "organisation"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "criterion", "value"]
    search_fields = ["assignment__application__host_name", "criterion__name"]
    list_filter = ["criterion__call"]
    raw_id_fields = ["assignment"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["application", "name", "state", "filed_at", "resolved_at"]
    list_filter = ["state"]
    search_fields = ["name", "contact", "text", "application__host_name"]
    raw_id_fields = ["application", "resolved_by"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(ReadOnlyAdmin):
    list_display = ["name", "call", "max_score", "position"]
    list_filter = ["call"]
    search_fields = ["name", "description"]


@admin.register(TeamEntry)
class TeamEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "role", "application", "work_unit", "head_teacher_years"]
    list_filter = ["role"]
    search_fields = ["name", "work_unit", "application__host_name"]
    raw_id_fields = ["application"]


@admin.register(CallAttachment)
class CallAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["title", "call", "uploaded_at"]
    search_fields = ["title", "original_name", "call__title"]
    list_filter = ["call"]


@admin.register(RenderedPdf)
class RenderedPdfAdmin(ReadOnlyAdmin):
    """Stored renditions (applications/renditions.py): shown to see what is stored, never
    edited — a rendition follows its application by version alone."""

    list_display = ["application", "variant", "size", "rendered_at"]
    list_filter = ["variant"]
    search_fields = ["application__host_name"]
    raw_id_fields = ["application"]


@admin.register(RenderedPacket)
class RenderedPacketAdmin(ReadOnlyAdmin):
    list_display = ["call", "pages", "size", "rendered_at"]
    search_fields = ["call__title"]
