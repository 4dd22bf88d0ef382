from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from core.admin import (
    ReadOnlyAdmin,
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
)

from .models import (
    Activity,
    ActivityEvidence,
    Attendance,
    CalendarFeed,
    GrowthPlan,
    LiaisonEntry,
    Membership,
    Output,
    RecruitmentRound,
    SeatRequest,
    SemesterSummary,
    Studio,
    StudioComment,
    StudioPlan,
)


class MembershipInline(ReadOnlyTabularInline):
    model = Membership
    raw_id_fields = ["user", "replaces"]
    fields = ["role", "name", "user", "source", "start_date", "end_date", "end_reason"]


@admin.register(Studio)
class StudioAdmin(ReadOnlyAdminMixin, GuardedModelAdmin):
    """Studios are founded by publication and change through their pages; the object
    permissions page (guardian) stays for one-off grants."""

    list_display = ["name", "plaque_number", "school", "county", "status", "term_start", "term_end"]
    list_filter = ["status", "policy", "school_stage", ("county", admin.RelatedOnlyFieldListFilter)]
    # The verification code too: someone reading a plaque's QR link can be helped from it.
    search_fields = [
        "name",
        "plaque_number",
        "verification_code",
        "school__name",
        "research_direction",
    ]
    list_select_related = ["school", "county"]
    raw_id_fields = ["application", "host", "school", "county", "paired_county", "call"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["name", "studio", "role", "source", "start_date", "end_date"]
    list_filter = ["role", "source", ("end_date", admin.EmptyFieldListFilter)]
    search_fields = ["name", "studio__name", "user__username"]
    raw_id_fields = ["studio", "user", "replaces"]


class EvidenceInline(ReadOnlyTabularInline):
    model = ActivityEvidence


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "studio", "kind", "held_on", "served_county"]
    list_filter = ["kind", "online", "studio__policy"]
    search_fields = ["title", "summary", "studio__name"]
    date_hierarchy = "held_on"
    raw_id_fields = ["studio", "served_county", "created_by"]
    inlines = [EvidenceInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["activity", "membership", "status", "confirmed_at"]
    list_filter = ["status", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__name", "activity__title"]
    raw_id_fields = ["activity", "membership"]


@admin.register(StudioPlan)
class StudioPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "studio", "kind", "school_year", "version", "created_at"]
    list_filter = ["kind", "school_year"]
    search_fields = ["title", "text", "studio__name"]
    raw_id_fields = ["studio", "author"]


@admin.register(GrowthPlan)
class GrowthPlanAdmin(ReadOnlyAdmin):
    list_display = ["person", "studio", "version", "created_at"]
    search_fields = ["person__full_name", "text"]
    list_filter = ["created_at"]
    raw_id_fields = ["person", "studio"]


@admin.register(SemesterSummary)
class SemesterSummaryAdmin(ReadOnlyAdmin):
    list_display = ["person", "studio", "school_year", "semester", "report_date", "reviewed_at"]
    list_filter = ["school_year", "semester"]
    search_fields = ["person__full_name", "summary", "report_place"]
    raw_id_fields = ["person", "studio", "reviewed_by"]


@admin.register(Output)
class OutputAdmin(ReadOnlyAdmin):
    list_display = ["title", "studio", "kind", "level", "produced_on", "shared"]
    list_filter = ["kind", "level", "shared", "topic_status"]
    search_fields = ["title", "authors", "description", "studio__name"]
    raw_id_fields = ["studio", "person", "created_by"]


class SeatRequestInline(ReadOnlyTabularInline):
    model = SeatRequest
    raw_id_fields = ["teacher", "studio", "school", "membership"]


@admin.register(RecruitmentRound)
class RecruitmentRoundAdmin(ReadOnlyAdmin):
    list_display = ["title", "call", "status", "opens_on", "closes_on"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [SeatRequestInline]


@admin.register(SeatRequest)
class SeatRequestAdmin(ReadOnlyAdmin):
    list_display = ["teacher", "studio", "round", "status", "created_at"]
    list_filter = ["status", "round"]
    search_fields = ["teacher__full_name", "studio__name"]
    raw_id_fields = ["teacher", "studio", "school", "membership"]


@admin.register(ActivityEvidence)
class ActivityEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["title", "activity", "kind", "size", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["title", "original_name", "activity__title"]
    raw_id_fields = ["activity"]


@admin.register(LiaisonEntry)
class LiaisonEntryAdmin(ReadOnlyAdmin):
    list_display = ["happened_on", "studio", "contact", "organisation", "created_by"]
    list_filter = ["happened_on"]
    search_fields = ["contact", "subject", "follow_up", "studio__name"]
    raw_id_fields = ["studio", "organisation", "created_by"]


@admin.register(StudioComment)
class StudioCommentAdmin(ReadOnlyAdmin):
    list_display = ["studio", "author", "plan", "activity", "person", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["text", "studio__name", "author__full_name"]
    raw_id_fields = ["studio", "plan", "activity", "person", "author"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a calendar address, and since when. Only a digest is stored, so nothing here
    can be read with; the owner revokes it on their calendar page."""

    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__full_name"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
