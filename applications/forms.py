"""The applications app's forms: they check what was typed; services decide."""

from django import forms
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind, SchoolStage
from applications.models import ApplicationStatus
from core import forms as core_forms
from policies.application_form import definition_for, section_limit

from . import experts, publication
from .models import Application, Call, Gender, ScoreAggregation, TeamEntry

# Bounds on answers the city's form adds (custom fields and sections have no column to size).
CUSTOM_TEXT_MAX = 300
CUSTOM_SECTION_MAX = 20000
LENGTH_NOTE = gettext_lazy(
    "At most %(limit)d characters (counted as a word processor counts 字数)."
)


class CallForm(core_forms.ModelForm):
    school_stages = forms.MultipleChoiceField(
        label=_("School stages"), choices=SchoolStage.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Call
        fields = [
            "policy",
            "title",
            "document_number",
            "studio_count",
            "opens_on",
            "closes_on",
            "school_stages",
            "description",
            "score_aggregation",
            "notice_days",
            "school_review_ends_on",
            "county_review_ends_on",
            "expert_review_ends_on",
        ]
        widgets = {
            "opens_on": core_forms.DateInput(),
            "closes_on": core_forms.DateInput(),
            "school_review_ends_on": core_forms.DateInput(),
            "county_review_ends_on": core_forms.DateInput(),
            "expert_review_ends_on": core_forms.DateInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            "score_aggregation": forms.RadioSelect(choices=ScoreAggregation.choices),
        }

    def __init__(self, *args, policies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = policies
        self.fields["policy"].empty_label = None
        for name in ("school_review_ends_on", "county_review_ends_on", "expert_review_ends_on"):
            self.fields[name].help_text = _(
                "Optional. Reviewers are reminded before it while applications wait for them."
            )


class CallCloseForm(core_forms.Form):
    """截止申报: a reason is asked for (and required by the service) only before the closing
    date; after it the call simply closes."""

    reason = forms.CharField(
        label=_("Reason for closing early"),
        max_length=Call._meta.get_field("closed_early_reason").max_length,
        required=False,
        help_text=_(
            "Required before the closing date: applicants who have not submitted are told."
        ),
    )


class CriterionForm(core_forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=120)
    max_score = forms.DecimalField(
        label=_("Maximum score"), min_value=0.5, max_digits=5, decimal_places=1
    )
    description = forms.CharField(label=_("What it looks at"), max_length=300, required=False)


CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_delete=True, min_num=1, validate_min=True
)


class AttachmentForm(core_forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class HostForm(core_forms.ModelForm):
    """The 主持人 block and the long texts of the form. Everything may be blank in a draft."""

    birth_month = core_forms.MonthField(label=_("Birth month"), required=False)
    party_member = forms.NullBooleanField(
        label=_("Party member"), required=False, widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Application
        fields = [
            "school_stage",
            "host_name",
            "gender",
            "birth_month",
            "photo",
            "party_member",
            "professional_title",
            "post",
            "head_teacher_years",
            "research_direction",
            "phone",
            "work_unit",
            "paired_county",
            "achievements",
            "existing_studio_name",
            "existing_studio_department",
            "plan",
        ]
        widgets = {
            "achievements": forms.Textarea(attrs={"rows": 8}),
            "plan": forms.Textarea(attrs={"rows": 16, "data-count": "plan"}),
            # Not ClearableFileInput: it would print the storage path, and uploads are served
            # only through the permission-checked photo view.
            "photo": forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
        }

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, instance=application, **kwargs)
        policy = application.call.policy
        self.definition = form = definition_for(policy)
        stages = [
            s for s in application.call.school_stages if s in application.school.school_stages
        ]
        labels = dict(SchoolStage.choices)
        self.fields["school_stage"].choices = [(s, labels[s]) for s in stages]
        self.fields["gender"].choices = [("", "—"), *Gender.choices]
        # Only what the city's form asks, under the city's labels, in its order.
        asked = set(form.host_keys()) | {s.key for s in form.sections}
        if "existing_studio" in asked:
            asked |= {"existing_studio_name", "existing_studio_department"}
        for name in list(self.fields):
            if name != "school_stage" and name not in asked:
                del self.fields[name]
        if not policy.pairing_required:
            self.fields.pop("paired_county", None)
        elif "paired_county" in self.fields:
            self.fields["paired_county"].queryset = policy.pairing_counties.order_by("code")
        answers = application.form_data or {}
        self._add_host_fields(answers)
        self._add_sections(policy, answers)
        given = answers.get("undertakings", {})
        for undertaking in form.undertakings:
            self.fields[f"undertaking_{undertaking.key}"] = forms.BooleanField(
                label=undertaking.text, initial=bool(given.get(undertaking.key))
            )
        for name in self.fields:
            self.fields[name].required = False
        self.order_fields(["school_stage", *form.host_keys()])

    def _add_host_fields(self, answers: dict) -> None:
        for field in self.definition.host_fields:
            if field.builtin:
                if field.key in self.fields:
                    self.fields[field.key].label = field.label
                continue
            widget = forms.Textarea(attrs={"rows": 3}) if field.kind == "textarea" else None
            self.fields[field.key] = forms.CharField(
                label=field.label,
                max_length=CUSTOM_TEXT_MAX,
                widget=widget,
                initial=answers.get(field.key, ""),
            )

    def _add_sections(self, policy, answers: dict) -> None:
        for section in self.definition.sections:
            if section.key == "existing_studio":
                continue
            if section.builtin:
                self.fields[section.key].label = section.title
            else:
                self.fields[section.key] = forms.CharField(
                    label=section.title,
                    max_length=CUSTOM_SECTION_MAX,
                    widget=forms.Textarea(attrs={"rows": 8}),
                    initial=answers.get(section.key, ""),
                )
            field = self.fields[section.key]
            notes = [section.guidance]
            limit = section_limit(policy, section)
            if limit:
                field.widget.attrs["data-limit"] = limit
                notes.append(LENGTH_NOTE % {"limit": limit})
            field.help_text = " ".join(filter(None, notes))

    def host_fields(self):
        """The host block's bound fields in the form's order (photo apart: it has a preview)."""
        keys = [f.key for f in self.definition.host_fields if f.key != "photo"]
        return [self[key] for key in keys if key in self.fields]

    def section_fields(self):
        """The text sections in the form's order: each its bound fields, and whether a live
        character count is shown (the section has a limit)."""
        parts = []
        for section in self.definition.sections:
            if section.key == "existing_studio":
                names = ["existing_studio_name", "existing_studio_department"]
            else:
                names = [section.key]
            fields = [self[n] for n in names if n in self.fields]
            limited = any("data-limit" in f.field.widget.attrs for f in fields)
            parts.append({"section": section, "fields": fields, "limited": limited})
        return parts

    def undertaking_fields(self):
        return [self[f"undertaking_{u.key}"] for u in self.definition.undertakings]

    def custom_answers(self) -> dict:
        """What goes into ``Application.form_data``: custom keys and the undertakings."""
        data = self.cleaned_data
        answers = {
            key: data.get(key, "")
            for key in [
                *(f.key for f in self.definition.host_fields if not f.builtin),
                *(s.key for s in self.definition.sections if not s.builtin),
            ]
        }
        answers["undertakings"] = {
            u.key: bool(data.get(f"undertaking_{u.key}")) for u in self.definition.undertakings
        }
        return answers


class TeamEntryForm(core_forms.ModelForm):
    birth_month = core_forms.MonthField(label=_("Birth month"), required=False)

    class Meta:
        model = TeamEntry
        fields = [
            "name",
            "gender",
            "birth_month",
            "work_unit",
            "post",
            "professional_title",
            "research_direction",
            "phone",
            "head_teacher_years",
        ]

    def __init__(self, *args, table=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = [("", "—"), *Gender.choices]
        self.fields["name"].required = False
        if table is None:
            return
        # The table's own columns, in its order and words; a custom column is plain text.
        keep = [c.key for c in table.columns]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for column in table.columns:
            if column.builtin:
                self.fields[column.key].label = column.label
            else:
                self.fields[column.key] = forms.CharField(
                    label=column.label, max_length=CUSTOM_TEXT_MAX, required=False
                )
        self.order_fields(keep)
        self.columns = list(table.columns)

    def cells(self):
        return [self[c.key] for c in getattr(self, "columns", [])] or list(self.visible_fields())


class TeamFormSetBase(forms.BaseFormSet):
    def __init__(self, *args, table=None, **kwargs):
        self.table = table
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "table": self.table}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            table=self.table,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form


def table_prefix(role: str) -> str:
    """The formset prefix of a team table (advisors, members, shadows…)."""
    return f"{role}s"


# A plain formset: rows go to services.application_save_draft, never saved by the form itself.
TeamFormSet = forms.formset_factory(
    TeamEntryForm, formset=TeamFormSetBase, extra=0, can_delete=True
)


class OpinionForm(core_forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return")), ("reject", _("Reject"))]
    )
    opinion = forms.CharField(
        label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    # Checked by content in the workflow (core.uploads), like every upload.
    stamped_scan = forms.FileField(
        label=_("Stamped scan (optional)"),
        required=False,
        help_text=_(
            "Your level's stamped page, or the stamped scan of the whole form: PDF, JPG or PNG. "
            "The next levels and the applicant see it; it goes into the call's packet."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class ExtensionForm(core_forms.Form):
    until = forms.DateField(label=_("Allow submission until"), widget=core_forms.DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=300)


class QueueFilterForm(core_forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    call = forms.ChoiceField(label=_("Call"), required=False)
    county = forms.ChoiceField(label=_("County/district"), required=False)
    stage = forms.ChoiceField(
        label=_("School stage"),
        required=False,
        choices=[("", _("All stages")), *SchoolStage.choices],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Last change")),
            ("submitted", _("Submitted (oldest first)")),
            ("-submitted", _("Submitted (newest first)")),
            ("name", _("Host name")),
            ("school", _("School")),
            ("county", _("County/district")),
        ],
    )

    def __init__(self, *args, calls=(), counties=(), statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].choices = [("", _("All calls"))] + [(str(c.pk), c.title) for c in calls]
        self.fields["county"].choices = [
            ("", _("All counties")),
            ("affiliated", _("Bureau-affiliated schools")),
        ] + [(str(c.pk), c.name) for c in counties]
        self.fields["status"].choices = [("", _("All statuses")), *statuses]


class ScoreLinesForm(core_forms.Form):
    """One number per line of a rubric or checklist, and a comment. The browser enforces the
    range; the service judges and words every problem (applications.experts.check_score)."""

    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        comment = self.fields.pop("comment")
        for item in self.items:
            self.fields[self.field_name(item)] = forms.CharField(
                label=item.name,
                help_text=item.description,
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "min": "0",
                        "max": str(self.maximum(item)),
                        "step": "0.1",
                        "required": True,
                        "inputmode": "decimal",
                    }
                ),
            )
        self.fields["comment"] = comment

    def field_name(self, item) -> str:
        raise NotImplementedError

    def key(self, item):
        raise NotImplementedError

    def maximum(self, item):
        raise NotImplementedError

    def line_fields(self):
        return [(item, self[self.field_name(item)]) for item in self.items]

    def values(self) -> dict:
        """The raw values as typed, keyed as the service expects."""
        return {self.key(item): self.data.get(self.field_name(item), "") for item in self.items}


class CriterionScoreForm(ScoreLinesForm):
    """An expert's scores on a call's rubric."""

    def field_name(self, criterion) -> str:
        return f"criterion_{criterion.pk}"

    def key(self, criterion):
        return criterion.pk

    def maximum(self, criterion):
        return criterion.max_score

    criterion_fields = ScoreLinesForm.line_fields


class IndicatorScoreForm(ScoreLinesForm):
    """An expert's scores on a policy's checklist."""

    def field_name(self, indicator) -> str:
        return f"indicator_{indicator.code}"

    def key(self, indicator):
        return indicator.code

    def maximum(self, indicator):
        return indicator.max_points

    indicator_fields = ScoreLinesForm.line_fields


class AssignFilterForm(core_forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    county = forms.ChoiceField(label=gettext_lazy("County/district"), required=False)
    stage = forms.ChoiceField(label=gettext_lazy("School stage"), required=False)
    unassigned = forms.BooleanField(label=gettext_lazy("Only without experts"), required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        counties = Organisation.objects.filter(
            city_id=call.bureau.city_id, kind=OrganisationKind.COUNTY_BUREAU
        ).order_by("code")
        self.fields["county"].choices = [
            ("", _("All counties")),
            ("affiliated", _("Bureau-affiliated schools")),
        ] + [(str(c.pk), c.name) for c in counties]
        labels = dict(SchoolStage.choices)
        self.fields["stage"].choices = [("", _("All stages"))] + [
            (code, labels.get(code, code)) for code in call.school_stages
        ]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""),
            "county": data.get("county", ""),
            "stage": data.get("stage", ""),
            "unassigned": bool(data.get("unassigned")),
        }


class AssignForm(core_forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Experts"),
        queryset=None,
        error_messages={"required": gettext_lazy("Choose at least one expert.")},
    )
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Applications"), queryset=None, required=False
    )
    select_all = forms.BooleanField(required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = experts.experts_for_call(call)
        self.fields["applications"].queryset = call.applications.filter(
            status=ApplicationStatus.EXPERT_REVIEW
        )

    def clean(self):
        data = super().clean()
        if not data.get("select_all") and not data.get("applications"):
            raise forms.ValidationError(_("Choose at least one application."))
        return data


class ConflictForm(core_forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is the conflict of interest?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    always = forms.BooleanField(
        label=gettext_lazy("Always: I have a conflict with this school for any application"),
        required=False,
    )


class ObjectionForm(core_forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=60)
    contact = forms.CharField(
        label=gettext_lazy("Phone or email"),
        max_length=120,
        help_text=gettext_lazy("Only the bureau sees it, to reach you about your objection."),
    )
    text = forms.CharField(
        label=gettext_lazy("Your objection"),
        max_length=publication.OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Say what you object to and on what facts it rests."),
    )
    # A honeypot: hidden from people, filled in by form-filling bots.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class ResolveForm(core_forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("dismissed", gettext_lazy("Dismiss the objection")),
            ("upheld", gettext_lazy("Uphold it: remove the application from the list")),
        ],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was checked and why this decision; it is kept on record."),
    )


class DocxUploadForm(core_forms.Form):
    """A Word form (.docx) already filled in, to fill the draft from."""

    file = forms.FileField(
        label=_("Word file (.docx)"),
        help_text=_(
            "The form downloaded here, or the city's form filled in Word. What it says replaces "
            "the draft's answers; empty cells leave them as they are."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
    )
