from django.contrib import admin

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
