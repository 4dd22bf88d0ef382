from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from .deliveries import SECRET_MAX_LENGTH, mobile_number, robot_problems
from .history import registered_verbs, verb_label
from .models import (
    ChatRobotKind,
    NoticeKind,
    NotificationDelivery,
    OrganisationKind,
    SchoolStage,
    TokenScope,
)


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


def verb_choices() -> list[tuple[str, str]]:
    phrases = [(verb, verb_label(verb)) for verb in registered_verbs()]
    return [("", _("All actions")), *sorted(phrases, key=lambda choice: choice[1])]


class AuditFilterForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    # Offered by their phrases (accounts.history), so nobody has to know a verb's code.
    verb = forms.ChoiceField(label=_("Action"), required=False, choices=verb_choices)


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


# --- onboarding and forgotten passwords ------------------------------------------------------


class InvitationPasswordForm(SetPasswordForm):
    """The password an invited person chooses: Django's form and validators, with a length
    limit on what is hashed (as on the login form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].validators.append(MaxLengthValidator(LoginForm.PASSWORD_MAX_LENGTH))


class ActivationForm(core_forms.Form):
    """Username and code from the printed sheet, and the password the person chooses. The
    code is checked by ``accounts.onboarding``; the password by Django's validators there."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        max_length=LoginForm.PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        max_length=LoginForm.PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are not the same."))
        return cleaned


class PasswordResetRequestForm(PasswordResetForm):
    """Django's "forgot password" form, with three changes:

    - the mail is written in the recipient's language, not the visitor's;
    - someone imported who never chose a password (unusable, ``must_change_password``) may
      use it too: that is the e-mail path to a first password. An account an administrator
      closed is inactive and gets nothing, as in Django;
    - the address is limited in length before anything is looked up.

    Whether or not an account has the address, the page that follows says the same thing.
    """

    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        model = get_user_model()
        email_field = model.get_email_field_name()
        candidates = model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        for user in candidates:
            first_password = not user.has_usable_password() and user.must_change_password
            same = getattr(user, email_field).lower() == email.lower()
            if same and (user.has_usable_password() or first_password):
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context.get("user")
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


# --- notice channels and group robots (accounts/deliveries.py) -------------------------------


# What each kind of notice holds, in words a person recognises.
NOTICE_KIND_EXAMPLES = {
    NoticeKind.TASKS: _("an application to review, scores to give, attendance to confirm"),
    NoticeKind.RESULTS: _("review decisions, selection, assessments, spending confirmed"),
    NoticeKind.REMINDERS: _("deadlines coming up, forms that have waited long"),
    NoticeKind.ANNOUNCEMENTS: _("new calls, public notices, recruitment rounds"),
    NoticeKind.STUDIO: _("team changes, plans, comments"),
}


class NoticeChannelsForm(core_forms.Form):
    """E-mail and SMS for each kind of notice (the inbox always has every notice), and the
    mobile number SMS goes to. Without SMS set up on the server, only e-mail is offered."""

    mobile = forms.CharField(
        label=_("Mobile number for SMS"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, sms: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sms = sms
        for kind, label in NoticeKind.choices:
            # The page shows the kind once, above its boxes; a screen reader names each box
            # with both (the aria-label), so that no two are called just "Email".
            for prefix, text, shown in (
                ("email", _("Email: %(kind)s"), True),
                ("sms", _("SMS: %(kind)s"), sms),
            ):
                if not shown:
                    continue
                name = text % {"kind": label}
                self.fields[f"{prefix}_{kind}"] = forms.BooleanField(
                    label=name,
                    required=False,
                    widget=forms.CheckboxInput(attrs={"aria-label": name}),
                )
        if not sms:
            del self.fields["mobile"]

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        if value and mobile_number(value) is None:
            raise forms.ValidationError(
                _("Enter a mainland mobile number of 11 digits, such as 13800001234.")
            )
        return value

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            kind: (bool(data.get(f"email_{kind}")), bool(data.get(f"sms_{kind}")))
            for kind in NoticeKind.values
        }

    def rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField | None]]:
        """(kind, what it holds, its e-mail box, its SMS box) for the page."""
        return [
            (
                label,
                NOTICE_KIND_EXAMPLES[kind],
                self[f"email_{kind}"],
                self[f"sms_{kind}"] if self.sms else None,
            )
            for kind, label in NoticeKind.choices
        ]


class ChatRobotForm(core_forms.Form):
    """A group robot of an organisation. On a change the stored address and secret are never
    shown back: left empty, they stay as they are."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ChatRobotKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=_("Group name"),
        max_length=60,
        help_text=_("The group chat's name, for example 柳城县实验小学班主任群."),
    )
    webhook_url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "In the group: settings → group robots → add a robot → copy its webhook address."
        ),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签)"),
        max_length=SECRET_MAX_LENGTH,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Only for a DingTalk robot secured by signing: the secret starting SEC."),
    )
    notice_kinds = forms.MultipleChoiceField(
        label=_("Post these kinds of notice"),
        choices=NoticeKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    enabled = forms.BooleanField(label=_("Post notices in this group"), required=False)

    def __init__(self, *args, robot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot = robot
        if robot is not None:
            for name in ("webhook_url", "secret"):
                self.fields[name].required = False
            self.fields["webhook_url"].help_text = _(
                "Stored: %(address)s. Leave it empty to keep it, or paste a new one."
            ) % {"address": robot.masked_url}
            if robot.secret:
                self.fields["secret"].help_text = _(
                    "A secret is stored. Leave it empty to keep it, or paste a new one."
                )

    def clean(self):
        data = super().clean()
        url, secret = data.get("webhook_url", ""), data.get("secret", "")
        if self.robot is not None:
            url = url or self.robot.webhook_url
            if not secret and data.get("kind") == self.robot.kind:
                secret = self.robot.secret
        problems = robot_problems(
            kind=data.get("kind", ""),
            name=data.get("name", ""),
            webhook_url=url,
            secret=secret,
            notice_kinds=data.get("notice_kinds", []),
        )
        for field, messages in problems.items():
            if field in self.errors:
                continue  # the field's own check already said what is wrong
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


class AccessTokenForm(core_forms.Form):
    """A new personal access token: what it is for, what it may do, how long it lasts."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use it, such as “our WeChat official account”."),
        error_messages={
            "required": _("Give the token a name, such as the integration that will use it.")
        },
    )
    scopes = forms.MultipleChoiceField(
        label=_("It may"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing the token may do.")},
    )
    days = forms.TypedChoiceField(
        label=_("It lasts"),
        coerce=int,
        initial=90,
        choices=[(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("a year"))],
    )


def add_problems(form, exc) -> None:
    """A service's refusal (a DomainError) beside the fields it names, on top of the form for
    the rest."""
    if not exc.problems:
        form.add_error(None, str(exc))
        return
    for field, problems in exc.problems.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
