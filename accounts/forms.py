from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
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


class LoginForm(AuthenticationForm):
    """Django's login form sets the username's length limit on the field after creating it,
    so no validator enforces it: a 10,000-character name reached authenticate() and the
    lockout's counter (a 500). The limits are enforced here, before anything is looked up."""

    # Longer than any password a person types; long enough for a password manager's.
    PASSWORD_MAX_LENGTH = 256

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].validators.append(MaxLengthValidator(self.PASSWORD_MAX_LENGTH))

    def clean(self):
        if self.errors:  # too long: nothing to look up, and the page says as little as usual
            raise self.get_invalid_login_error()
        return super().clean()
