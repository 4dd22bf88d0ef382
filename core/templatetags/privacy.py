"""``{% load privacy %}``: personal details in full or masked, as the view's permission says.

{% can "accounts.view_personal_details" application as reveal %}
{% personal_date application.birth_month reveal "YEAR_MONTH_FORMAT" %}
{% personal_phone application.phone reveal %}
"""

from django import template
from django.template.defaultfilters import date as date_filter

from core.privacy import mask_date, mask_phone

register = template.Library()


@register.simple_tag
def personal_phone(value, reveal) -> str:
    return (value or "") if reveal else mask_phone(value)


@register.simple_tag
def personal_date(value, reveal, fmt: str = "Y-m") -> str:
    if value is None:
        return ""
    return date_filter(value, fmt) if reveal else mask_date(value, fmt)


register.filter("mask_phone", mask_phone)
