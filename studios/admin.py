from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from applications.services import MAX_ATTACHMENT_BYTES
from core.uploads import checked_files_form

from .models import ActivityQuota, Policy, TeamRule


class TeamRuleInline(admin.StackedInline):
    model = TeamRule
    extra = 0


class ActivityQuotaInline(admin.StackedInline):
    model = ActivityQuota
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "city", "term_years", "issued_on"]
    list_filter = ["city", "public_notice", "pairing_required", "annual_assessor"]
    search_fields = ["name", "code", "source_document"]
    filter_horizontal = ["pairing_counties"]
    inlines = [TeamRuleInline, ActivityQuotaInline]


@admin.register(TeamRule)
class TeamRuleAdmin(admin.ModelAdmin):
    list_display = ["policy", "role", "min_count", "max_count", "max_age", "min_head_teacher_years"]
    list_filter = ["policy", "role"]
    search_fields = ["policy__name", "description"]


@admin.register(ActivityQuota)
class ActivityQuotaAdmin(admin.ModelAdmin):
    list_display = ["policy", "name", "min_count", "period", "per_member", "in_paired_county"]
    list_filter = ["policy", "period"]
    search_fields = ["name", "code", "description"]


from .models import (  # noqa: E402
    Activity,
    ActivityEvidence,
    Attendance,
    GrowthPlan,
    Indicator,
    Membership,
    Output,
    RecruitmentRound,
    SeatRequest,
    SemesterSummary,
    Studio,
    StudioPlan,
)
from .outputs import MAX_OUTPUT_BYTES, OUTPUT_FILE_TYPES  # noqa: E402


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "replaces"]
    fields = ["role", "name", "user", "source", "start_date", "end_date", "end_reason"]


@admin.register(Studio)
class StudioAdmin(GuardedModelAdmin):
    list_display = ["name", "plaque_number", "school", "county", "status", "term_start", "term_end"]
    list_filter = ["status", "policy", "school_stage", ("county", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "plaque_number", "school__name", "research_direction"]
    list_select_related = ["school", "county"]
    raw_id_fields = ["application", "host", "school", "county", "paired_county", "call"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["name", "studio", "role", "source", "start_date", "end_date"]
    list_filter = ["role", "source", ("end_date", admin.EmptyFieldListFilter)]
    search_fields = ["name", "studio__name", "user__username"]
    raw_id_fields = ["studio", "user", "replaces"]


def _evidence_types(data):
    from .activities import EVIDENCE_TYPES, EVIDENCE_TYPES_BY_KIND

    return EVIDENCE_TYPES_BY_KIND.get(data.get("kind"), EVIDENCE_TYPES) & EVIDENCE_TYPES


# A photo must be an image, as in the pages; files added here pass the same content check.
CHECKED_EVIDENCE = (_evidence_types, MAX_ATTACHMENT_BYTES)


class EvidenceInline(admin.TabularInline):
    model = ActivityEvidence
    form = checked_files_form(ActivityEvidence, file=CHECKED_EVIDENCE)
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "studio", "kind", "held_on", "served_county"]
    list_filter = ["kind", "online", "studio__policy"]
    search_fields = ["title", "summary", "studio__name"]
    date_hierarchy = "held_on"
    raw_id_fields = ["studio", "served_county", "created_by"]
    inlines = [EvidenceInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["activity", "membership", "status", "confirmed_at"]
    list_filter = ["status", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__name", "activity__title"]
    raw_id_fields = ["activity", "membership"]


@admin.register(StudioPlan)
class StudioPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "studio", "kind", "school_year", "version", "created_at"]
    list_filter = ["kind", "school_year"]
    search_fields = ["title", "text", "studio__name"]
    raw_id_fields = ["studio", "author"]


@admin.register(GrowthPlan)
class GrowthPlanAdmin(admin.ModelAdmin):
    list_display = ["person", "studio", "version", "created_at"]
    search_fields = ["person__full_name", "text"]
    list_filter = ["created_at"]
    raw_id_fields = ["person", "studio"]


@admin.register(SemesterSummary)
class SemesterSummaryAdmin(admin.ModelAdmin):
    list_display = ["person", "studio", "school_year", "semester", "report_date", "reviewed_at"]
    list_filter = ["school_year", "semester"]
    search_fields = ["person__full_name", "summary", "report_place"]
    raw_id_fields = ["person", "studio", "reviewed_by"]


@admin.register(Output)
class OutputAdmin(admin.ModelAdmin):
    form = checked_files_form(Output, file=(OUTPUT_FILE_TYPES, MAX_OUTPUT_BYTES))
    list_display = ["title", "studio", "kind", "level", "produced_on", "shared"]
    list_filter = ["kind", "level", "shared", "topic_status"]
    search_fields = ["title", "authors", "description", "studio__name"]
    raw_id_fields = ["studio", "person", "created_by"]


class SeatRequestInline(admin.TabularInline):
    model = SeatRequest
    extra = 0
    raw_id_fields = ["teacher", "studio", "school", "membership"]


@admin.register(RecruitmentRound)
class RecruitmentRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "call", "status", "opens_on", "closes_on"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [SeatRequestInline]


@admin.register(SeatRequest)
class SeatRequestAdmin(admin.ModelAdmin):
    list_display = ["teacher", "studio", "round", "status", "created_at"]
    list_filter = ["status", "round"]
    search_fields = ["teacher__full_name", "studio__name"]
    raw_id_fields = ["teacher", "studio", "school", "membership"]


@admin.register(ActivityEvidence)
class ActivityEvidenceAdmin(admin.ModelAdmin):
    form = checked_files_form(ActivityEvidence, file=CHECKED_EVIDENCE)
    list_display = ["title", "activity", "kind", "size", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["title", "original_name", "activity__title"]
    raw_id_fields = ["activity"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "policy", "scope", "max_points", "position"]
    list_filter = ["policy", "scope"]
    search_fields = ["name", "code", "description"]
