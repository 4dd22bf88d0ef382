"""The application form editor's forms: the city's 申报表 as rows a bureau fills in (the host's
fields, team tables, text sections, undertakings and opinion boxes), never raw JSON. The definition
they make is checked by ``policies.application_form.validate_definition`` in the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms

from ..application_form import HOST_FIELDS, TABLE_ROLES, TEAM_COLUMNS
from ..models import TeamRule
from . import RowFormSet, row_formset

CUSTOM = "custom"
# The first option of a row's select: an added row left as it is stays unchanged (and unsaved).
BLANK = ("", "---------")


def _vocabulary(words: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, f"{label}（{key}）") for key, label in words.items()]


class FormHeadForm(core_forms.Form):
    title = forms.CharField(label=_("Title of the form"), max_length=120)
    host_title = forms.CharField(label=_("Heading of the host's part"), max_length=80)


class HostFieldForm(core_forms.Form):
    field = forms.ChoiceField(label=_("Field"))
    custom_key = forms.SlugField(
        label=_("Key of a custom field"),
        max_length=40,
        required=False,
        help_text=_("Only for a custom field: lower-case letters, digits and _."),
    )
    label = forms.CharField(label=_("Label on the form"), max_length=80, required=False)
    kind = forms.ChoiceField(
        label=_("Kind (custom field)"),
        choices=[
            ("text", _("One line")),
            ("textarea", _("Several lines")),
            ("number", _("Number")),
        ],
        initial="text",
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [
            BLANK,
            *_vocabulary(HOST_FIELDS),
            (CUSTOM, _("A custom text field")),
        ]

    def clean(self):
        data = super().clean()
        if data.get("field") == CUSTOM and not data.get("custom_key"):
            self.add_error("custom_key", _("A custom field needs its key."))
        if data.get("field") == CUSTOM and not data.get("label"):
            self.add_error("label", _("A custom field needs its label."))
        return data

    def item(self) -> dict:
        data = self.cleaned_data
        if data["field"] == CUSTOM:
            return {"key": data["custom_key"], "label": data["label"], "kind": data["kind"]}
        item = {"key": data["field"]}
        if data.get("label"):
            item["label"] = data["label"]
        return item


class TableForm(core_forms.Form):
    role = forms.ChoiceField(label=_("Whose table"))
    title = forms.CharField(label=_("Title"), max_length=80)
    columns = forms.CharField(
        label=_("Columns, one a line: key=label"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )
    min_rows = forms.IntegerField(
        label=_("At least (rows)"), min_value=0, max_value=100, required=False
    )
    max_rows = forms.IntegerField(
        label=_("At most (rows)"), min_value=0, max_value=100, required=False
    )
    note = forms.CharField(label=_("Note under the table"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(TeamRule._meta.get_field("role").choices)
        self.fields["role"].choices = [BLANK, *((r, labels.get(r, r)) for r in TABLE_ROLES)]
        known = "、".join(f"{k}={v}" for k, v in TEAM_COLUMNS.items())
        self.fields["columns"].help_text = _("The usual columns: %(known)s.") % {"known": known}

    def clean_columns(self):
        columns = []
        for n, line in enumerate(self.cleaned_data["columns"].splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, label = line.partition("=")
            if not sep or not key.strip() or not label.strip():
                raise forms.ValidationError(
                    _("Line %(n)d: write the column as key=label, e.g. name=姓名.") % {"n": n}
                )
            columns.append({"key": key.strip(), "label": label.strip()})
        return columns

    def item(self) -> dict:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "title": data["title"],
            "columns": data["columns"],
            "min_rows": data.get("min_rows"),
            "max_rows": data.get("max_rows"),
            "note": data.get("note", ""),
        }


class SectionForm(core_forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=80)
    guidance = forms.CharField(label=_("Guidance line"), max_length=600, required=False)
    max_length = forms.IntegerField(
        label=_("Character limit"), min_value=1, max_value=100000, required=False
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)

    def item(self) -> dict:
        data = self.cleaned_data
        item = {"key": data["key"], "title": data["title"]}
        if data.get("guidance"):
            item["guidance"] = data["guidance"]
        if data.get("max_length"):
            item["max_length"] = data["max_length"]
        return item


class UndertakingForm(core_forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=40)
    text = forms.CharField(
        label=_("Text"), max_length=600, widget=forms.Textarea(attrs={"rows": 2})
    )

    def item(self) -> dict:
        return {"key": self.cleaned_data["key"], "text": self.cleaned_data["text"]}


class OpinionForm(core_forms.Form):
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[
            BLANK,
            ("school", _("School")),
            ("county", _("County bureau")),
            ("city", _("Municipal bureau")),
        ],
    )
    title = forms.CharField(label=_("Title"), max_length=80)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def item(self) -> dict:
        data = self.cleaned_data
        item = {"level": data["level"], "title": data["title"]}
        if data.get("note"):
            item["note"] = data["note"]
        return item


class DefinitionRowFormSet(RowFormSet):
    def items(self) -> list[dict]:
        """The rows as the definition stores them, in the order the bureau gave (then as shown)."""
        kept = self.kept()
        ordered = sorted(
            enumerate(kept),
            key=lambda pair: (
                pair[1].cleaned_data.get("order") is None,
                pair[1].cleaned_data.get("order") or 0,
                pair[0],
            ),
        )
        return [form.item() for _i, form in ordered]


def _definition_formset(form, key, max_num):
    return row_formset(form, key, max_num, base=DefinitionRowFormSet)


DEFINITION_FORMSETS = {
    "host_fields": _definition_formset(HostFieldForm, (), 40),
    "tables": _definition_formset(TableForm, ("role",), 4),
    "sections": _definition_formset(SectionForm, ("key",), 40),
    "undertakings": _definition_formset(UndertakingForm, ("key",), 40),
    "opinions": _definition_formset(OpinionForm, ("level",), 3),
}


def definition_initial(data: dict) -> dict[str, list[dict]]:
    """A stored definition as the editor's rows."""
    host = []
    for n, item in enumerate(data.get("host_fields", []), start=1):
        builtin = item.get("key") in HOST_FIELDS
        host.append(
            {
                "field": item.get("key") if builtin else CUSTOM,
                "custom_key": "" if builtin else item.get("key", ""),
                "label": item.get("label", ""),
                "kind": item.get("kind", "text"),
                "order": n * 10,
            }
        )
    tables = [
        {
            **{k: t.get(k) for k in ("role", "title", "min_rows", "max_rows", "note")},
            "columns": "\n".join(
                f"{c.get('key', '')}={c.get('label', '')}" for c in t.get("columns", [])
            ),
        }
        for t in data.get("tables", [])
    ]
    sections = [
        {**{k: s.get(k) for k in ("key", "title", "guidance", "max_length")}, "order": n * 10}
        for n, s in enumerate(data.get("sections", []), start=1)
    ]
    return {
        "host_fields": host,
        "tables": tables,
        "sections": sections,
        "undertakings": list(data.get("undertakings", [])),
        "opinions": list(data.get("opinions", [])),
    }
