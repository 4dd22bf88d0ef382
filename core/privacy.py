"""Masked forms of personal details (a phone number, a birth date) for those who may not see
them in full. Who may is a permission (``accounts.view_personal_details``); this only masks."""

from datetime import date

from django.utils import dateformat
from django.utils.formats import get_format

MASK = "**"
# Date-format characters that name the month or the day (Django's date filter).
_MONTH_OR_DAY = set("mnFMNbEdjDlSwz")


def mask_phone(value: str) -> str:
    """``13800001234`` → ``138****1234``; shorter numbers keep only their last two digits."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) >= 8:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    return "*" * max(len(value) - 2, 2) + value[-2:]


def mask_date(value: date | None, fmt: str = "Y-m") -> str:
    """The date in ``fmt`` (a Django date format or its setting name, e.g.
    ``YEAR_MONTH_FORMAT``) with the month and day replaced: ``1980-**``, ``1980年**月``."""
    if value is None:
        return ""
    fmt = get_format(fmt) if fmt.isupper() else fmt
    out, escaped = [], False
    for char in fmt:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _MONTH_OR_DAY:
            out.append(MASK)
        else:
            out.append(dateformat.format(value, char) if char.isalpha() else char)
    return "".join(out)
