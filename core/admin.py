"""The Django admin reads what services write; it never moves a state behind their back.

Every record with a state, a money amount or an audit trail is written by a service that
checks the rules and records the transition. The admin shows such records (searchable and
filterable, for support and audits) but cannot add, change or delete them: the pages of the
product, and their services, are the only way to change them.
"""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError


class ReadOnlyAdminMixin:
    """View-only: no add, change or delete, whoever asks (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


class ReadOnlyStackedInline(ReadOnlyAdminMixin, admin.StackedInline):
    extra = 0


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the posted value up to show it again, and fails on
    one that is not a key at all ("abc"); such a value is the field's error, shown empty."""

    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.model._meta.pk
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class SafeAutocompleteMixin:
    """Use SafeAutocompleteSelect for the admin's ``autocomplete_fields``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
