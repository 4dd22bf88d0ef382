from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyStackedInline

from .models import ActivityQuota, Indicator, Policy, TeamRule


class TeamRuleInline(ReadOnlyStackedInline):
    model = TeamRule


class ActivityQuotaInline(ReadOnlyStackedInline):
    model = ActivityQuota


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    """Policies come from presets (``load_policy``); calls and studios depend on them, so they
    are not edited here."""

    list_display = ["name", "code", "city", "term_years", "issued_on"]
    list_filter = ["city", "public_notice", "pairing_required", "annual_assessor"]
    search_fields = ["name", "code", "source_document"]
    filter_horizontal = ["pairing_counties"]
    inlines = [TeamRuleInline, ActivityQuotaInline]


@admin.register(TeamRule)
class TeamRuleAdmin(ReadOnlyAdmin):
    list_display = ["policy", "role", "min_count", "max_count", "max_age", "min_head_teacher_years"]
    list_filter = ["policy", "role"]
    search_fields = ["policy__name", "description"]


@admin.register(ActivityQuota)
class ActivityQuotaAdmin(ReadOnlyAdmin):
    list_display = ["policy", "name", "min_count", "period", "per_member", "in_paired_county"]
    list_filter = ["policy", "period"]
    search_fields = ["name", "code", "description"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["name", "policy", "scope", "max_points", "position"]
    list_filter = ["policy", "scope"]
    search_fields = ["name", "code", "description"]
