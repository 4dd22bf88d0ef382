from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from .models import AuditEntry, City, Job, Notification, Organisation, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "role_assignments__role", "notification_delivery"]
    search_fields = ["username", "full_name", "email", "phone"]
    inlines = [RoleAssignmentInline]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Mingshi"), {"fields": ("full_name", "phone", "notification_delivery", "language")}),
    )


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Organisation)
class OrganisationAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "city", "parent", "county"]
    list_filter = ["city", "kind", ("county", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["city", "parent", "county"]
    autocomplete_fields = ["parent"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "created_at"]
    list_filter = ["role", "organisation__city", "organisation__kind"]
    search_fields = ["user__username", "user__full_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services, never edited by hand."""

    list_display = ["created_at", "actor", "verb", "object_repr", "from_state", "to_state"]
    list_filter = ["verb", "content_type", "organisation__city"]
    search_fields = ["object_repr", "comment", "actor__username", "verb"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "verb", "title", "read_at", "emailed_at"]
    list_filter = [
        "verb",
        ("read_at", admin.EmptyFieldListFilter),
        ("emailed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "body", "recipient__username", "recipient__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "kind", "status", "progress", "total", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__username", "error"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner"]
    readonly_fields = ["result"]  # what the job made, never a file uploaded by hand
