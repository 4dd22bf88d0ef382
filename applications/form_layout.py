"""The filled-in form, cell by cell, as the city's definition orders it.

One reading of an application against ``policies.application_form``: the PDF, the Word file and
the application page print these cells, so they cannot disagree about what a field shows. The
words are the form's own (Chinese, like the printed form), whatever the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import date as date_filter

from core.privacy import mask_date, mask_phone
from policies.application_form import FormDefinition, Section, Table, definition_for

from .models import Application, TeamEntry

GENDER_WORDS = {"female": "女", "male": "男"}
MONTH_FORMAT = "Y年n月"


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    value: str


def definition(application: Application) -> FormDefinition:
    return definition_for(application.call.policy)


def _month(value, reveal: bool) -> str:
    if value is None:
        return ""
    return date_filter(value, MONTH_FORMAT) if reveal else mask_date(value, MONTH_FORMAT)


# Host fields kept in Application's own columns; every other field lives in form_data.
APPLICATION_COLUMNS = frozenset(
    {"host_name", "professional_title", "post", "research_direction", "work_unit"}
)


def host_value(application: Application, key: str, *, reveal: bool = True) -> str:
    """What the form prints for host field ``key`` (photo: empty; it is an image)."""
    if key == "gender":
        return GENDER_WORDS.get(application.gender, "")
    if key == "birth_month":
        return _month(application.birth_month, reveal)
    if key == "party_member":
        return {True: "是", False: "否"}.get(application.party_member, "")
    if key == "head_teacher_years":
        years = application.head_teacher_years
        return "" if years is None else f"{years}年"
    if key == "phone":
        return (application.phone or "") if reveal else mask_phone(application.phone)
    if key == "paired_county":
        return application.paired_county.name if application.paired_county_id else ""
    if key == "photo":
        return ""
    if key in APPLICATION_COLUMNS:
        return getattr(application, key) or ""
    return str((application.form_data or {}).get(key, "") or "")


def host_cells(
    application: Application, form: FormDefinition, *, reveal: bool = True
) -> list[Cell]:
    """The host block's fields except the photo, in the form's order."""
    return [
        Cell(f.key, f.label, host_value(application, f.key, reveal=reveal))
        for f in form.host_fields
        if f.key != "photo"
    ]


def row_value(row: TeamEntry, key: str, *, reveal: bool = True) -> str:
    if key == "gender":
        return GENDER_WORDS.get(row.gender, "")
    if key == "birth_month":
        return _month(row.birth_month, reveal)
    if key == "phone":
        return (row.phone or "") if reveal else mask_phone(row.phone)
    if key == "head_teacher_years":
        return "" if row.head_teacher_years is None else f"{row.head_teacher_years}年"
    if key in {"name", "work_unit", "post", "professional_title", "research_direction"}:
        return getattr(row, key) or ""
    return str((row.extra or {}).get(key, "") or "")


def table_rows(
    rows: list[TeamEntry], table: Table, *, reveal: bool = True, blank_rows: int = 1
) -> list[list[str]]:
    """The table's rows as printed: number first, then each column; at least ``blank_rows``
    empty numbered rows when nobody is named (a blank form still shows where to write)."""
    printed = [
        [str(n), *(row_value(row, c.key, reveal=reveal) for c in table.columns)]
        for n, row in enumerate(rows, start=1)
    ]
    for n in range(len(printed) + 1, blank_rows + 1):
        printed.append([str(n), *("" for _ in table.columns)])
    return printed


def section_lines(application: Application, section: Section) -> list[str]:
    """The text of a section; the existing-studio section is its two labelled lines."""
    if section.key == "existing_studio":
        return [
            f"已成立的工作室名称：{application.existing_studio_name}",
            f"批准设立部门：{application.existing_studio_department}",
        ]
    if section.key in {"achievements", "plan"}:
        text = getattr(application, section.key) or ""
    else:
        text = str((application.form_data or {}).get(section.key, "") or "")
    return text.splitlines() or [""]


def rows_for(application: Application, role: str) -> list[TeamEntry]:
    team = getattr(application, "form_team", None)
    if team is None:
        team = list(application.team.all())
    return [row for row in team if row.role == role]


def undertaking_given(application: Application, key: str) -> bool:
    return bool((application.form_data or {}).get("undertakings", {}).get(key))
