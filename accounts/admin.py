from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat import models as beat
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.admin import GuardedModelAdmin

from core.admin import ReadOnlyAdmin, ReadOnlyTabularInline, SafeAutocompleteMixin

from . import services, sso, tokens
from .models import (
    AccessToken,
    AuditEntry,
    ChannelDelivery,
    ChatRobot,
    City,
    ExternalIdentity,
    Invitation,
    Job,
    NoticePreference,
    Notification,
    Organisation,
    RoleAssignment,
    User,
)

# A second factor is reset through the user's page (recorded), never edited by hand: the
# plugins' own admin pages would also show each secret as a QR code to any administrator.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class RoleAssignmentInline(ReadOnlyTabularInline):
    """Shown with the user; assigned and revoked on the role assignments page (audited)."""

    model = RoleAssignment
    fields = readonly_fields = ["role", "organisation", "created_at"]


class ImposedPasswordMixin:
    """A password an administrator types for someone else must be changed at first login."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


class ImposedPasswordChangeForm(ImposedPasswordMixin, AdminPasswordChangeForm):
    pass


class ImposedPasswordCreationForm(ImposedPasswordMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = ImposedPasswordCreationForm
    change_password_form = ImposedPasswordChangeForm

    list_display = ["username", "full_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "role_assignments__role", "notification_delivery"]
    search_fields = ["username", "full_name", "email", "phone"]
    inlines = [RoleAssignmentInline]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("Mingshi"),
            {
                "fields": (
                    "full_name",
                    "phone",
                    "notification_delivery",
                    "language",
                    "must_change_password",
                )
            },
        ),
    )
    actions = ["unlock_login", "reset_second_factor"]

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail names them: deactivate instead

    @admin.action(description=_("Unlock login (after too many failed attempts)"))
    def unlock_login(self, request, queryset):
        for user in queryset:
            services.user_login_unlock(actor=request.user, user=user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset second factor (lost phone)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.user_otp_reset(actor=request.user, user=user)
        self.message_user(
            request,
            gettext("The second factor is removed: the user sets up a new one at next login."),
            messages.SUCCESS,
        )


@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    """django-axes' failure counters, read-only; unlocking goes through the service (recorded)."""

    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "user_agent", "failures_since_start"]
    readonly_fields = fields
    actions = ["unlock"]

    @admin.action(description=_("Unlock these accounts and addresses"))
    def unlock(self, request, queryset):
        for attempt in list(queryset):
            user = User.objects.filter(username=attempt.username).first()
            services.user_login_unlock(
                actor=request.user, user=user, ip_address=attempt.ip_address or ""
            )
        self.message_user(request, gettext("Unlocked."), messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(SafeAutocompleteMixin, GuardedModelAdmin):
    list_display = ["name", "kind", "city", "parent", "county"]
    list_filter = ["city", "kind", ("county", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["city", "parent", "county"]
    autocomplete_fields = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # people, roles and records hang from it


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    """Assigning and revoking go through the services, which check and record them; a role
    is never edited in place (revoke it and assign the new one)."""

    list_display = ["user", "role", "organisation", "created_at"]
    list_filter = ["role", "organisation__city", "organisation__kind"]
    search_fields = ["user__username", "user__full_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        assigned = services.role_assign(
            actor=request.user, user=obj.user, role=obj.role, organisation=obj.organisation
        )
        obj.pk = assigned.pk

    def delete_model(self, request, obj):
        services.role_revoke(actor=request.user, assignment=obj, comment=_("Revoked in the admin"))

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "organisation"):
            self.delete_model(request, assignment)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The trail is written by services, never edited by hand."""

    list_display = ["created_at", "actor", "verb", "object_repr", "from_state", "to_state"]
    list_filter = ["verb", "content_type", "organisation__city"]
    search_fields = ["object_repr", "comment", "actor__username", "verb"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
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


@admin.register(ChatRobot)
class ChatRobotAdmin(ReadOnlyAdmin):
    """Added, changed and tested on the organisation's robots page, by its own administrators
    (accounts/deliveries.py, audited). The webhook address and the secret are not shown."""

    list_display = ["name", "kind", "organisation", "enabled", "created_at"]
    list_filter = ["kind", "enabled", "organisation__city"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    exclude = ["webhook_url", "secret"]
    raw_id_fields = ["organisation", "created_by"]


@admin.register(NoticePreference)
class NoticePreferenceAdmin(ReadOnlyAdmin):
    """Each person chooses their own channels (accounts:notice_channels)."""

    list_display = ["user", "kind", "email", "sms"]
    list_filter = ["kind", "email", "sms"]
    search_fields = ["user__username", "user__full_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(ChannelDelivery)
class ChannelDeliveryAdmin(ReadOnlyAdmin):
    """What the SMS and robot deliveries did, for whoever looks after the server: moved only
    by the delivery task (accounts/deliveries.py)."""

    list_display = ["created_at", "channel", "status", "attempts", "sent_at", "notification"]
    list_filter = ["channel", "status"]
    search_fields = ["notification__title", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["notification"]
    exclude = ["target"]
    raw_id_fields = ["notification", "robot"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "owner",
        "kind",
        "status",
        "progress",
        "total",
        "attempts",
        "lease_expires_at",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__username", "error", "worker"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner"]
    # Jobs are the workers' business (a lease, attempts, progress): shown, never edited.


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations and printed codes are made on the organisation's people page and used by
    the person (accounts/onboarding.py): shown here, never edited. Only a hash is stored."""

    list_display = ["user", "channel", "status", "created_by", "created_at", "expires_at"]
    list_filter = ["status", "channel"]
    search_fields = ["user__username", "user__full_name", "created_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "created_by"]
    raw_id_fields = ["user", "created_by", "organisation"]
    exclude = ["secret_hash"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    """Bindings to the identity platform are made by signing in (accounts/sso.py). An
    administrator may only remove a wrong one (recorded); the next sign-in binds again."""

    list_display = ["user", "issuer", "subject", "created_at", "last_login_at"]
    search_fields = ["user__username", "user__full_name", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        sso.identity_unlink(actor=request.user, identity=obj)

    def delete_queryset(self, request, queryset):
        for identity in queryset.select_related("user"):
            sso.identity_unlink(actor=request.user, identity=identity)


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    """Who holds API tokens, what they may do, until when. An administrator revokes a
    leaver's or a leaked token with the action (recorded); nothing else is changed here."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__username", "user__full_name"]
    list_select_related = ["user"]
    fields = [
        "user",
        "name",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.select_related("user"):
            try:
                tokens.token_revoke(actor=request.user, token=token)
            except services.AccountsError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )


# The schedule of periodic jobs is code (config/schedule.py), reviewed and versioned; beat
# writes it into these tables. Editing them by hand would be overwritten, or run a job twice.
def _unregister_beat_tables() -> None:
    for model in (
        beat.PeriodicTask,
        beat.IntervalSchedule,
        beat.CrontabSchedule,
        beat.SolarSchedule,
        beat.ClockedSchedule,
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_beat_tables()
