"""The base of every form: clean text, dates within their window."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from core import forms as core_forms
from core.dates import BIRTH, EVENT, date_problem


class Sample(core_forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea, required=False)
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    born = forms.DateField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["born"].window = BIRTH


def test_invisible_and_direction_characters_are_removed():
    form = Sample(
        {
            "title": "\u202e文字倒序\u202c 张\u200b三\x0b\ufeff",
            "summary": "第一行\r\n第二行\t缩进\x1b[31m",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "文字倒序 张三"
    assert form.cleaned_data["summary"] == "第一行\n第二行\t缩进[31m"


def test_a_single_line_keeps_no_line_break():
    form = Sample({"title": "上\n下\t右"})
    assert form.is_valid() and form.cleaned_data["title"] == "上 下 右"


def test_dates_far_in_the_past_or_future_are_refused_with_the_window():
    today = timezone.localdate()
    for value in ("0001-01-01", "9999-12-31", (today + timedelta(days=11 * 366)).isoformat()):
        form = Sample({"title": "x", "held_on": value})
        assert not form.is_valid()
        assert "held_on" in form.errors, value
    form = Sample({"title": "x", "held_on": today.isoformat(), "born": "1975-06-01"})
    assert form.is_valid(), form.errors


def test_a_birth_date_has_its_own_window():
    today = timezone.localdate()
    assert not Sample({"title": "x", "born": (today + timedelta(days=1)).isoformat()}).is_valid()
    assert date_problem(date(1930, 1, 1), BIRTH) is None
    assert date_problem(date(1930, 1, 1), EVENT) is not None


def test_the_date_picker_gets_the_window_as_min_and_max():
    earliest, latest = EVENT.bounds()
    html = str(Sample()["held_on"])
    assert f'min="{earliest.isoformat()}"' in html and f'max="{latest.isoformat()}"' in html
