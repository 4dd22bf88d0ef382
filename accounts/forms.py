from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from .models import NotificationDelivery, OrganisationKind, SchoolStage


class PreferencesForm(core_forms.Form):
    notification_delivery = forms.ChoiceField(
        label=_("Email me"), choices=NotificationDelivery.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class OrganisationFilterForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + OrganisationKind.choices
    )
    county = forms.ChoiceField(label=_("County/district"), required=False)
    stage = forms.ChoiceField(
        label=_("School stage"),
        required=False,
        choices=[("", _("All stages"))] + SchoolStage.choices,
    )

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [
            ("", _("All counties")),
            ("affiliated", _("Bureau-affiliated schools")),
        ] + [(str(c.pk), c.name) for c in counties]


class AuditFilterForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    verb = forms.CharField(label=_("Action"), required=False, max_length=100)
