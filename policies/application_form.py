"""The application form (申报表) as policy data: what the city's form asks, in its order and words.

A definition is plain JSON kept in ``Policy.application_form``; an empty one means the built-in
form (Liuzhou's attachment, the form the product started with). The screen, the PDF, the Word
file and the Word import all read one definition through ``definition_for(policy)``, so a city
changes its form once. Schema (every list in the order the form prints it)::

    {
      "title": "…申报表",
      "host_title": "主持人",
      "host_fields": [{"key": "host_name", "label": "姓名"}, …,
                      {"key": "x_motto", "label": "教育格言", "kind": "text"}],
      "tables": [{"role": "advisor", "title": "指导老师基本情况",
                  "columns": [{"key": "name", "label": "姓名"}, …],
                  "min_rows": null, "max_rows": null, "note": ""}],
      "sections": [{"key": "plan", "title": "工作室未来三年发展规划",
                    "guidance": "（大概内容：…）", "max_length": 3000}],
      "undertakings": [{"key": "serve_through_term", "text": "本人承诺……"}],
      "opinions": [{"level": "school", "title": "所在学校推荐意见", "note": "…"}]
    }

Keys from the vocabularies below are stored in the application's own columns; any other key
(a custom field, column or section the city adds) is stored in ``Application.form_data`` or
``TeamEntry.extra``. Labels are the city's own words (they print on an official document), so
they are data, not translations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Host fields the application has columns for, with the label the built-in form uses.
HOST_FIELDS: dict[str, str] = {
    "host_name": "姓名",
    "gender": "性别",
    "birth_month": "出生年月",
    "photo": "近期1寸照片",
    "party_member": "是否党员",
    "professional_title": "职称",
    "post": "职务",
    "head_teacher_years": "从事班主任工作年限",
    "research_direction": "研究方向",
    "phone": "联系电话",
    "work_unit": "工作单位",
    "paired_county": "结对帮扶县区",
}
# Columns a team row has, with the built-in label.
TEAM_COLUMNS: dict[str, str] = {
    "name": "姓名",
    "gender": "性别",
    "birth_month": "出生年月",
    "work_unit": "所在单位",
    "post": "职务",
    "professional_title": "职称",
    "research_direction": "研究方向",
    "phone": "手机号码",
    "head_teacher_years": "班主任年限",
}
# Text sections the application has columns for. existing_studio is a pair of lines.
SECTIONS: dict[str, str] = {
    "achievements": "主持人近5年从事班主任工作方面的主要业绩及成果",
    "existing_studio": "已设立有名班主任工作室或名班主任网络工作室的情况",
    "plan": "工作室未来三年发展规划",
}
TABLE_ROLES = ("advisor", "member", "shadow", "assistant")
OPINION_LEVELS = ("school", "county", "city")
FIELD_KINDS = ("text", "textarea", "number")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 80
TEXT_MAX = 600
MAX_ITEMS = 40

BUILTIN: dict = {
    "title": "名班主任工作室申报表",
    "host_title": "主持人",
    "host_fields": [{"key": key, "label": label} for key, label in HOST_FIELDS.items()],
    "tables": [
        {
            "role": "advisor",
            "title": "指导老师基本情况",
            "columns": [
                {"key": key, "label": TEAM_COLUMNS[key]}
                for key in (
                    "name",
                    "gender",
                    "birth_month",
                    "work_unit",
                    "post",
                    "professional_title",
                    "research_direction",
                    "phone",
                )
            ],
        },
        {
            # The official form orders this table 职称 then 职务 (the advisors' the other way).
            "role": "member",
            "title": "工作室成员基本情况",
            "columns": [
                {"key": key, "label": TEAM_COLUMNS[key]}
                for key in (
                    "name",
                    "gender",
                    "birth_month",
                    "work_unit",
                    "professional_title",
                    "post",
                    "research_direction",
                    "phone",
                )
            ],
        },
    ],
    "sections": [
        {"key": "achievements", "title": SECTIONS["achievements"]},
        {"key": "existing_studio", "title": SECTIONS["existing_studio"]},
        {
            "key": "plan",
            "title": SECTIONS["plan"],
            "guidance": "（大概内容：指导思想，工作目标，工作室制度，研究内容，工作进展步骤和时间"
            "分布等。字数要求：3000字内。可另附纸。）",
        },
    ],
    "undertakings": [],
    "opinions": [
        {
            "level": "school",
            "title": "所在学校推荐意见",
            "note": "（名班主任工作室主持人所在单位）",
        },
        {"level": "county", "title": "所在县区教育行政部门意见"},
        {"level": "city", "title": "市教育局意见"},
    ],
}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"
    builtin: bool = True


@dataclass(frozen=True)
class Table:
    role: str
    title: str
    columns: list[Field]
    min_rows: int | None = None
    max_rows: int | None = None
    note: str = ""

    @property
    def prefix(self) -> str:
        return f"team_{self.role}"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    guidance: str = ""
    max_length: int | None = None
    builtin: bool = True


@dataclass(frozen=True)
class Undertaking:
    key: str
    text: str


@dataclass(frozen=True)
class Opinion:
    level: str
    title: str
    note: str = ""


@dataclass(frozen=True)
class FormDefinition:
    title: str
    host_title: str
    host_fields: list[Field]
    tables: list[Table]
    sections: list[Section]
    undertakings: list[Undertaking] = field(default_factory=list)
    opinions: list[Opinion] = field(default_factory=list)

    def host_keys(self) -> list[str]:
        return [f.key for f in self.host_fields]

    def has_host_field(self, key: str) -> bool:
        return key in self.host_keys()

    def table(self, role: str) -> Table | None:
        return next((t for t in self.tables if t.role == role), None)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def opinion(self, level: str) -> Opinion | None:
        return next((o for o in self.opinions if o.level == level), None)

    def labels_in_order(self) -> list[str]:
        """Every label the form prints, in its order (what a test compares with the attachment)."""
        labels = [self.title, self.host_title, *(f.label for f in self.host_fields)]
        for table in self.tables:
            labels += [table.title, "序号", *(c.label for c in table.columns)]
        for section in self.sections:
            labels.append(section.title)
            if section.key == "existing_studio":
                labels += ["已成立的工作室名称：", "批准设立部门："]
            if section.guidance:
                labels.append(section.guidance)
        labels += [u.text for u in self.undertakings]
        labels += [o.title for o in self.opinions]
        return labels


def section_limit(policy, section: Section) -> int | None:
    """A section's character limit: its own, or for the plan the policy's plan limit."""
    if section.max_length:
        return section.max_length
    return policy.plan_max_length if section.key == "plan" else None


def definition_for(policy) -> FormDefinition:
    """The policy's form (the built-in one when the policy sets none), ready to render."""
    data = policy.application_form or BUILTIN
    if validate_definition(data):
        # Saved definitions are validated; a broken one (edited in the database) falls back
        # rather than breaking every application page of the call.
        data = BUILTIN
    return parse(data)


def parse(data: dict) -> FormDefinition:
    return FormDefinition(
        title=data.get("title") or BUILTIN["title"],
        host_title=data.get("host_title") or "主持人",
        host_fields=[
            Field(
                key=item["key"],
                label=item.get("label") or HOST_FIELDS.get(item["key"], item["key"]),
                kind=item.get("kind", "text"),
                builtin=item["key"] in HOST_FIELDS,
            )
            for item in data.get("host_fields", [])
        ],
        tables=[
            Table(
                role=item["role"],
                title=item.get("title", ""),
                columns=[
                    Field(
                        key=c["key"],
                        label=c.get("label") or TEAM_COLUMNS.get(c["key"], c["key"]),
                        builtin=c["key"] in TEAM_COLUMNS,
                    )
                    for c in item.get("columns", [])
                ],
                min_rows=item.get("min_rows"),
                max_rows=item.get("max_rows"),
                note=item.get("note", ""),
            )
            for item in data.get("tables", [])
        ],
        sections=[
            Section(
                key=item["key"],
                title=item.get("title") or SECTIONS.get(item["key"], item["key"]),
                guidance=item.get("guidance", ""),
                max_length=item.get("max_length"),
                builtin=item["key"] in SECTIONS,
            )
            for item in data.get("sections", [])
        ],
        undertakings=[
            Undertaking(key=item["key"], text=item["text"]) for item in data.get("undertakings", [])
        ],
        opinions=[
            Opinion(level=item["level"], title=item.get("title", ""), note=item.get("note", ""))
            for item in data.get("opinions", [])
        ],
    )


# Complex by nature: one check per part of the schema, each with its own message.
def validate_definition(data) -> list[str]:  # noqa: C901
    """Every problem with a definition, in words a bureau understands (empty when it is fine)."""
    if not isinstance(data, dict):
        return [_("The form definition must be a set of named parts.")]
    problems: list[str] = []

    def text(value, limit=LABEL_MAX) -> bool:
        return isinstance(value, str) and 0 < len(value.strip()) <= limit

    def items(name) -> list:
        value = data.get(name, [])
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            problems.append(
                _("“%(part)s” must be a list of at most %(n)d entries.")
                % {"part": name, "n": MAX_ITEMS}
            )
            return []
        if not all(isinstance(v, dict) for v in value):
            problems.append(_("Every entry of “%(part)s” needs its own values.") % {"part": name})
            return []
        return value

    def key_ok(key, where) -> bool:
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            problems.append(
                _("%(where)s: the key “%(key)s” must be lower-case letters, digits or _.")
                % {"where": where, "key": key}
            )
            return False
        return True

    if "title" in data and not text(data.get("title"), 120):
        problems.append(_("The form needs a title of at most 120 characters."))
    seen: set[str] = set()
    for n, item in enumerate(items("host_fields"), start=1):
        where = _("Host field %(n)d") % {"n": n}
        key = item.get("key")
        if not key_ok(key, where):
            continue
        if key in seen:
            problems.append(_("%(where)s: “%(key)s” appears twice.") % {"where": where, "key": key})
        seen.add(key)
        if "label" in item and not text(item["label"]):
            problems.append(_("%(where)s needs a label.") % {"where": where})
        if key not in HOST_FIELDS and item.get("kind", "text") not in FIELD_KINDS:
            problems.append(_("%(where)s: unknown kind of field.") % {"where": where})
    if "host_name" not in seen and data.get("host_fields") is not None:
        problems.append(_("The host's name (host_name) must be on the form."))
    roles: set[str] = set()
    for n, item in enumerate(items("tables"), start=1):
        where = _("Table %(n)d") % {"n": n}
        role = item.get("role")
        if role not in TABLE_ROLES:
            problems.append(_("%(where)s: unknown team role.") % {"where": where})
            continue
        if role in roles:
            problems.append(_("%(where)s: a second table for the same role.") % {"where": where})
        roles.add(role)
        if not text(item.get("title")):
            problems.append(_("%(where)s needs a title.") % {"where": where})
        columns = item.get("columns")
        if not isinstance(columns, list) or not columns or len(columns) > 20:
            problems.append(_("%(where)s needs 1 to 20 columns.") % {"where": where})
            continue
        keys = [c.get("key") if isinstance(c, dict) else None for c in columns]
        if "name" not in keys:
            problems.append(_("%(where)s must have the name column (name).") % {"where": where})
        if len(set(map(str, keys))) != len(keys):
            problems.append(_("%(where)s: a column appears twice.") % {"where": where})
        for column in columns:
            if (
                not isinstance(column, dict)
                or key_ok(column.get("key"), where)
                and not text(column.get("label", "-"))
            ):
                problems.append(_("%(where)s: every column needs a label.") % {"where": where})
        low, high = item.get("min_rows"), item.get("max_rows")
        for value in (low, high):
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 100):
                problems.append(
                    _("%(where)s: row limits are whole numbers 0–100.") % {"where": where}
                )
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(_("%(where)s: more rows required than allowed.") % {"where": where})
    seen = set()
    for n, item in enumerate(items("sections"), start=1):
        where = _("Section %(n)d") % {"n": n}
        key = item.get("key")
        if not key_ok(key, where):
            continue
        if key in seen or key in HOST_FIELDS:
            problems.append(_("%(where)s: “%(key)s” is used twice.") % {"where": where, "key": key})
        seen.add(key)
        if key not in SECTIONS and not text(item.get("title")):
            problems.append(_("%(where)s needs a title.") % {"where": where})
        if "guidance" in item and not isinstance(item["guidance"], str):
            problems.append(_("%(where)s: the guidance line must be text.") % {"where": where})
        limit = item.get("max_length")
        if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 100000):
            problems.append(
                _("%(where)s: the character limit is a whole number 1–100000.") % {"where": where}
            )
    seen = set()
    for n, item in enumerate(items("undertakings"), start=1):
        where = _("Undertaking %(n)d") % {"n": n}
        if key_ok(item.get("key"), where) and item["key"] in seen:
            problems.append(_("%(where)s: the key is used twice.") % {"where": where})
        seen.add(item.get("key"))
        if not text(item.get("text"), TEXT_MAX):
            problems.append(_("%(where)s needs its text.") % {"where": where})
    seen = set()
    for n, item in enumerate(items("opinions"), start=1):
        where = _("Opinion box %(n)d") % {"n": n}
        if item.get("level") not in OPINION_LEVELS:
            problems.append(_("%(where)s: unknown review level.") % {"where": where})
        elif item["level"] in seen:
            problems.append(_("%(where)s: a second box for the same level.") % {"where": where})
        seen.add(item.get("level"))
        if not text(item.get("title")):
            problems.append(_("%(where)s needs a title.") % {"where": where})
    return problems
