"""The base of every form of ours: clean text and dates within their window.

- Text loses the characters nobody means to type: control characters (tabs and line breaks
  stay where a text area allows them), bidirectional overrides and isolates that can make
  「张三」 display as something else, zero-width spaces and byte-order marks pasted from
  Word. They are removed quietly: what the user sees is what they typed.
- Every date field is checked against its window (core.dates): EVENT unless the field says
  ``window = BIRTH``; the browser's date picker gets the same bounds as min and max.
"""

import re
from datetime import date

from django import forms

from .dates import BIRTH, EVENT, date_problem

INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def clean_text(value: str, *, multiline: bool = False) -> str:
    value = INVISIBLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        value = " ".join(value.replace("\t", " ").split("\n"))
    return value


class CleanMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                widget = field.widget
                if "date" in (getattr(widget, "input_type", ""), widget.attrs.get("type")):
                    earliest, latest = getattr(field, "window", EVENT).bounds()
                    widget.attrs.setdefault("min", earliest.isoformat())
                    widget.attrs.setdefault("max", latest.isoformat())

    def _clean_fields(self):
        super()._clean_fields()
        for name, field in self.fields.items():
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if isinstance(value, str):
                multiline = isinstance(field.widget, forms.Textarea)
                self.cleaned_data[name] = clean_text(value, multiline=multiline)
            elif isinstance(field, forms.DateField) and isinstance(value, date):
                problem = date_problem(value, getattr(field, "window", EVENT))
                if problem:
                    self.add_error(name, problem)


class Form(CleanMixin, forms.Form):
    pass


class ModelForm(CleanMixin, forms.ModelForm):
    pass


# --- widgets and fields every app's forms share ----------------------------------------------


class MonthInput(forms.DateInput):
    """出生年月: a month picker; the stored date is the first of the month."""

    input_type = "month"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m")
        return value


class MonthField(forms.DateField):
    """A month, as the official form asks for birth months (checked against BIRTH)."""

    widget = MonthInput
    window = BIRTH

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y年%m月"])
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
