"""The policy editor's forms: every rule a policy holds, grouped as a bureau reads its document.

Forms check what was typed (types, ranges, one row against itself); the services check the
policy as a whole (``services.rules_problems``) and decide in place or a new version. Each value
has a “source” input beside it: the clause of the city's document, or empty for a value the
bureau set itself.
"""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import SchoolStage
from core import forms as core_forms

from ..models import ActivityKind, ActivityQuota, Indicator, Policy, TeamRule
from ..services import EDITABLE_FIELDS

# The groups of the editor (and of the policy page), in the order a bureau thinks of them.
# ``rows`` names the formset shown in the group.
FIELDSETS: list[dict] = [
    {
        "key": "general",
        "title": _("The document"),
        "fields": ["name", "source_document", "issued_on", "school_stages"],
    },
    {
        "key": "team",
        "title": _("Team composition and eligibility"),
        "fields": [],
        "rows": "team_rules",
    },
    {
        "key": "members",
        "title": _("Where the members come from"),
        "fields": ["members_recruited_by_host", "members_assigned_by_bureau", "absence_limit"],
    },
    {
        "key": "quotas",
        "title": _("Activity quotas and their periods"),
        "fields": [],
        "rows": "activity_quotas",
    },
    {
        "key": "application",
        "title": _("Applications"),
        "fields": [
            "planned_studio_count",
            "review_by_county",
            "expert_review",
            "quota_per_county_per_stage",
            "quota_per_affiliated_school",
            "plan_max_length",
            "plan_length_method",
        ],
    },
    {
        "key": "notice",
        "title": _("Public notice"),
        "fields": ["public_notice", "notice_period_days"],
    },
    {"key": "term", "title": _("Term"), "fields": ["term_years"]},
    {
        "key": "funding",
        "title": _("Funding and expenditure categories"),
        "fields": [
            "funding_min",
            "funding_max",
            "special_account_required",
            "equipment_becomes_fixed_asset",
            "expenditure_categories",
        ],
        "rows": "categories",
    },
    {
        "key": "assessment",
        "title": _("Assessment: who assesses, the scale and the thresholds"),
        "fields": [
            "annual_assessor",
            "annual_assessment_with_experts",
            "annual_assessment_scale",
            "annual_pass_score",
            "annual_commend_score",
            "rectification_on_fail",
            "rectification_days",
            "term_evaluation_with_experts",
            "term_pass_score",
            "term_excellent_score",
            "excellent_term_reward",
            "failed_term_excludes_next_cycle",
        ],
    },
    {
        "key": "indicators",
        "title": _("Assessment checklists and points"),
        "fields": [],
        "rows": "indicators",
    },
    {
        "key": "deadlines",
        "title": _("Deadlines and reminders"),
        "fields": [
            "annual_report_month",
            "annual_report_days",
            "reminder_days_before",
            "reminder_waiting_days",
        ],
    },
    {
        "key": "naming",
        "title": _("Studio names and plaque numbers"),
        "fields": ["studio_name_pattern", "plaque_number_pattern"],
    },
    {
        "key": "pairing",
        "title": _("Pairing counties"),
        "fields": ["pairing_required", "pairing_counties"],
    },
    {
        "key": "calendar",
        "title": _("School calendar"),
        "fields": [
            "school_year_start_month",
            "school_year_start_day",
            "spring_semester_start_month",
            "spring_semester_start_day",
        ],
    },
]
# Values that describe the document itself: they have no clause of their own.
NO_SOURCE = {"name", "source_document", "issued_on"}
SOURCED_FIELDS = [name for group in FIELDSETS for name in group["fields"] if name not in NO_SOURCE]
# The policy form's own fields (expenditure categories are a formset of rows).
FORM_FIELDS = [
    name for group in FIELDSETS for name in group["fields"] if name != "expenditure_categories"
]
SOURCE_SUFFIX = "__source"

# Bounds no document exceeds: a hostile number is a message at its field, never a 500.
BOUNDS: dict[str, tuple[int, int]] = {
    "planned_studio_count": (1, 1000),
    "term_years": (1, 10),
    "members_recruited_by_host": (0, 200),
    "members_assigned_by_bureau": (0, 200),
    "quota_per_county_per_stage": (1, 100),
    "quota_per_affiliated_school": (1, 100),
    "plan_max_length": (100, 100000),
    "notice_period_days": (1, 90),
    "annual_report_month": (1, 12),
    "annual_report_days": (1, 366),
    "rectification_days": (1, 366),
    "reminder_days_before": (1, 90),
    "reminder_waiting_days": (1, 90),
    "absence_limit": (1, 100),
    "school_year_start_month": (1, 12),
    "school_year_start_day": (1, 31),
    "spring_semester_start_month": (1, 12),
    "spring_semester_start_day": (1, 31),
    # team rules
    "min_count": (0, 200),
    "max_count": (0, 200),
    "max_age": (18, 80),
    "min_head_teacher_years": (0, 50),
}
SCORE_BOUNDS = (0, 100)
SCORES = {"annual_pass_score", "annual_commend_score", "term_pass_score", "term_excellent_score"}
FUNDING = {"funding_min", "funding_max"}


def _bound(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        low_high = None
        if isinstance(field, forms.IntegerField) and name in BOUNDS:
            low_high = BOUNDS[name]
        elif name in SCORES or name == "max_points":
            low_high = SCORE_BOUNDS
        elif name in FUNDING:
            low_high = (0, 100_000_000)
        if low_high is None:
            continue
        low, high = low_high
        field.validators += [MinValueValidator(low), MaxValueValidator(high)]
        field.widget.attrs.update(min=low, max=high)


class PolicyForm(core_forms.ModelForm):
    """The policy's own values, and beside each the clause it comes from."""

    school_stages = forms.MultipleChoiceField(
        label=_("School stages"),
        choices=SchoolStage.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one school stage.")},
    )

    class Meta:
        model = Policy
        fields = FORM_FIELDS
        widgets = {
            "issued_on": core_forms.DateInput(),
            "pairing_counties": forms.CheckboxSelectMultiple,
            "excellent_term_reward": forms.Textarea(attrs={"rows": 2}),
            "annual_assessor": forms.RadioSelect,
            "annual_assessment_scale": forms.RadioSelect,
            "plan_length_method": forms.RadioSelect,
        }

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing_counties"].queryset = counties
        self.fields["name"].required = True
        for name in ("annual_assessor", "annual_assessment_scale", "plan_length_method"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        for name in SOURCED_FIELDS + ["expenditure_categories"]:
            self.fields[name + SOURCE_SUFFIX] = forms.CharField(
                label=_("Source"),
                required=False,
                max_length=200,
                help_text=_("Clause of the document, e.g. 第六条; empty: set by the bureau."),
            )
        _bound(self)

    def source_field(self, name: str):
        key = name + SOURCE_SUFFIX
        return self[key] if key in self.fields else None

    def clean(self):
        data = super().clean()
        scored = data.get("annual_assessment_scale") == "scored"
        passing, commend = data.get("annual_pass_score"), data.get("annual_commend_score")
        if scored and passing is None and "annual_pass_score" not in self.errors:
            self.add_error("annual_pass_score", _("A scored assessment needs a pass score."))
        if passing is not None and commend is not None and passing > commend:
            self.add_error(
                "annual_commend_score",
                _("The score to be commended (%(commend)s) is below the pass score (%(pass)s).")
                % {"commend": commend, "pass": passing},
            )
        term_pass, excellent = data.get("term_pass_score"), data.get("term_excellent_score")
        if term_pass is not None and excellent is not None and term_pass > excellent:
            self.add_error(
                "term_excellent_score",
                _("The score for excellent (%(excellent)s) is below the pass score (%(pass)s).")
                % {"excellent": excellent, "pass": term_pass},
            )
        pairing = data.get("pairing_required") and not data.get("pairing_counties")
        if pairing and "pairing_counties" not in self.errors:
            self.add_error(
                "pairing_counties", _("Pairing is required: choose the counties to pair with.")
            )
        return data

    def sources(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(name + SOURCE_SUFFIX, "")
            for name in SOURCED_FIELDS + ["expenditure_categories"]
            if self.cleaned_data.get(name + SOURCE_SUFFIX, "").strip()
        }

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in FORM_FIELDS
            if name in EDITABLE_FIELDS and name != "pairing_counties"
        }


class NewPolicyForm(PolicyForm):
    """A new policy also names its code (its address, which never changes)."""

    class Meta(PolicyForm.Meta):
        fields = ["code", *FORM_FIELDS]
        help_texts = {"code": _("Letters, digits and hyphens, e.g. nanning-2025.")}

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if code in ("new",):
            raise forms.ValidationError(_("This code is reserved; choose another."))
        return code


class StartForm(core_forms.Form):
    """Where a new policy starts: a blank page or a preset's values."""

    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    city = forms.ModelChoiceField(label=_("City"), queryset=None, empty_label=None)

    def __init__(self, *args, presets=(), cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [("blank", _("A blank policy")), *presets]
        self.fields["city"].queryset = cities


# --- rows ------------------------------------------------------------------------------------


class TeamRuleForm(core_forms.ModelForm):
    class Meta:
        model = TeamRule
        fields = [
            "role",
            "label",
            "min_count",
            "max_count",
            "chosen_by",
            "max_age",
            "min_head_teacher_years",
            "must_be_serving_head_teacher",
            "must_serve_through_term",
            "from_paired_county",
            "description",
            "source",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound(self)


class ActivityQuotaForm(core_forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Activity kinds that count"),
        choices=ActivityKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one kind of activity.")},
    )

    class Meta:
        model = ActivityQuota
        fields = [
            "code",
            "name",
            "kinds",
            "min_count",
            "period",
            "per_member",
            "in_paired_county",
            "description",
            "source",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_count"].validators += [MaxValueValidator(365)]
        self.fields["min_count"].widget.attrs.update(min=1, max=365)


class IndicatorForm(core_forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["scope", "code", "name", "max_points", "description", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bound(self)


class CategoryForm(core_forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)


class RowFormSet(forms.BaseFormSet):
    """Rows of one kind; two rows may not share their key (a role, a code)."""

    key: tuple[str, ...] = ()
    # The message when a kind of row that a policy cannot do without has none (or None).
    required_message = None
    duplicate_message = _("Two rows have the same %(what)s “%(value)s”; each needs its own.")

    def kept(self) -> list:
        """The rows to save: those shown with the page, and any added row that was filled in."""
        return [
            form
            for i, form in enumerate(self.forms)
            if (i < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.kept() if self.key else []:
            value = tuple(str(form.cleaned_data.get(k)) for k in self.key)
            if value in seen:
                label = form.fields[self.key[-1]].label
                raise forms.ValidationError(
                    self.duplicate_message % {"what": label, "value": "/".join(value)}
                )
            seen.add(value)
        if self.required_message and not seen:
            raise forms.ValidationError(self.required_message)

    def rows(self) -> list[dict]:
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"} for form in self.kept()
        ]


def row_formset(form, key, max_num, required_message=None, *, base=None):
    """A formset of editor rows, ``key`` naming the fields that must not repeat."""
    formset = forms.formset_factory(
        form,
        formset=base or RowFormSet,
        extra=1,
        can_delete=True,
        max_num=max_num,
        validate_max=True,
        absolute_max=max_num,
    )
    formset.key = key
    formset.required_message = required_message
    return formset


TeamRuleFormSet = row_formset(TeamRuleForm, ("role",), 10)
ActivityQuotaFormSet = row_formset(ActivityQuotaForm, ("code",), 40)
IndicatorFormSet = row_formset(IndicatorForm, ("scope", "code"), 80)
CategoryFormSet = row_formset(
    CategoryForm, ("code",), 30, _("List at least one expenditure category.")
)

ROW_FORMSETS = {
    "team_rules": TeamRuleFormSet,
    "activity_quotas": ActivityQuotaFormSet,
    "indicators": IndicatorFormSet,
    "categories": CategoryFormSet,
}
