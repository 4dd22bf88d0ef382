"""The assessments app's forms: they check what was typed; services decide."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import forms as core_forms

from . import evaluation
from .models import (
    Outcome,
    RectificationStatus,
    ReportStatus,
)


class AssessorFilterForm(core_forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    report_status = forms.ChoiceField(label=gettext_lazy("Report"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False)
    rectification_status = forms.ChoiceField(label=gettext_lazy("Rectification"), required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)

    def __init__(self, data, *, year: int):
        data = data.copy()
        data.setdefault("year", str(year))
        super().__init__(data)
        self.fields["report_status"].choices = [
            ("", _("Any")),
            ("none", _("Not opened yet")),
            *ReportStatus.choices,
        ]
        self.fields["outcome"].choices = [
            ("", _("Any")),
            ("none", _("Not decided")),
            *Outcome.choices,
        ]
        self.fields["rectification_status"].choices = [("", _("Any")), *RectificationStatus.choices]


class AssignForm(core_forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Experts"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one expert.")},
    )

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = evaluation.experts_for_studio(studio)


class DecideForm(core_forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("The bureau's comment"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
