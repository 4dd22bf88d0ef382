"""django-import-export resources for the bureau's imports: counties, schools and teachers.

Each resource reads one workbook layout (Chinese column headers: the layout is a stable data
format, the same whatever language the page is in), validates every row against the importing
bureau's city and writes only through ``accounts.services`` (``organisation_ensure``,
``user_ensure``, ``role_assign``). ``import_run`` runs a resource as a dry run (the preview) or
for real; either way a single invalid row leaves the database as it was.

One module of some 650 lines on purpose: the three layouts share the preview, the row
numbers users see and the all-or-nothing run; each resource is a short class at the end.
"""

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from tablib import Dataset

from core.spreadsheets import WorkbookRefused, inspect_workbook

from . import services
from .models import (
    ROLE_ORGANISATION_KINDS,
    City,
    Organisation,
    OrganisationKind,
    Role,
    SchoolStage,
    User,
)
from .permissions import scope_q

# The hidden column the reader adds: the row's number in the workbook (the header is row 1).
ROW_NUMBER = "__row__"
# An import reports its progress every this many rows (and at the last one).
PROGRESS_EVERY = 100

# 学段 as people write them in a workbook; the stable codes are accepted too.
STAGE_WORDS = {
    "幼儿园": SchoolStage.KINDERGARTEN,
    "小学": SchoolStage.PRIMARY,
    "初中": SchoolStage.JUNIOR,
    "高中": SchoolStage.SENIOR,
    "中职": SchoolStage.VOCATIONAL,
}
_STAGE_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")


class ImportFileError(Exception):
    """The workbook as a whole cannot be read; the message is translated and safe to show."""


def import_bureaus_for(user) -> QuerySet:
    """The municipal bureaus the user may import into: those where they are the administrator."""
    bureaus = Organisation.objects.filter(kind=OrganisationKind.MUNICIPAL_BUREAU)
    if not user.is_superuser:
        bureaus = bureaus.filter(scope_q(user, roles={Role.MUNICIPAL_ADMIN}))
    return bureaus.select_related("city").order_by("city__code")


def parse_school_stages(text: str) -> list[str]:
    """``小学、初中`` or ``primary,junior`` → ``["primary", "junior"]``; ValueError names the
    first word that is not a stage."""
    stages: list[str] = []
    for word in _STAGE_SEPARATORS.split(text.strip()):
        if not word:
            continue
        stage = STAGE_WORDS.get(word) or (word if word in SchoolStage.values else None)
        if stage is None:
            raise ValueError(word)
        if stage not in stages:
            stages.append(str(stage))
    return stages


def _cell_text(value) -> str:
    """A cell as the text a person typed: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, ArrayFormula):
        return str(value.text or "=")
    if isinstance(value, DataTableFormula):
        return "="
    return str(value).replace("\u3000", " ").strip()


def read_workbook(content: bytes, *, columns: list[str]) -> Dataset:
    """The first sheet of an .xlsx as a Dataset of text cells, blank rows left out.

    The first row must name every column in ``columns`` (in any order; other columns are
    ignored). Each row keeps its workbook row number in the ``ROW_NUMBER`` column.

    The file is measured before openpyxl opens it (``core.spreadsheets.inspect_workbook``:
    parts, unpacked sizes, rows, shared strings against the settings' limits), so a small
    file that unpacks into millions of rows or one huge text is refused at once. Formulas are
    read as formulas (``=...``), never as their last computed value, so that validation can
    refuse them; the sheet's own idea of its size (``<dimension>``) is not trusted.
    """

    try:
        inspect_workbook(content)
    except WorkbookRefused as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        workbook = load_workbook(BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # a zip that is not a workbook, a damaged file, ...
        raise ImportFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
    max_rows = settings.MINGSHI_IMPORT_MAX_ROWS
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The file cannot be read as an Excel workbook (.xlsx)."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a wrong <dimension> would cut rows off or pad them out
        header_row = next(sheet.iter_rows(max_row=1, values_only=True), None) or ()
        headers = [_cell_text(value) for value in header_row]
        missing = [column for column in columns if column not in headers]
        if missing:
            raise ImportFileError(
                _("The first row must name the columns; missing: %(columns)s.")
                % {"columns": "、".join(missing)}
            )
        positions = [headers.index(column) for column in columns]
        width = max(positions) + 1  # cells further right are never built
        dataset = Dataset(headers=[*columns, ROW_NUMBER])
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(values[i]) if i < len(values) else "" for i in positions]
            if not any(cells):
                continue
            if len(dataset) >= max_rows:
                raise ImportFileError(
                    _("A workbook may hold at most %(count)d rows.") % {"count": max_rows}
                )
            dataset.append([*cells, number])
    except ImportFileError:
        raise
    except Exception as exc:  # a sheet that openpyxl cannot parse half-way through
        raise ImportFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
    finally:
        workbook.close()
    if not len(dataset):
        raise ImportFileError(_("The workbook has no rows to import."))
    return dataset


# --- the preview -------------------------------------------------------------------------------


@dataclass
class PreviewCell:
    value: str
    invalid: bool = False


@dataclass
class PreviewRow:
    """One workbook row as the preview shows it: its cells, what importing it does, or why not."""

    number: int
    cells: list[PreviewCell]
    action: str = ""  # "new", "update" or "invalid"
    action_label: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ImportOutcome:
    kind: str
    columns: list[str]
    rows: list[PreviewRow]
    errors: list[str]  # every problem, each naming its row and column
    saved: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.action == "new")

    @property
    def update_count(self) -> int:
        return sum(1 for row in self.rows if row.action == "update")

    def usernames(self) -> list[str]:
        """The usernames of the rows imported (a teachers' import; none for another kind)."""
        if TeacherResource.fields["username"].column_name not in self.columns:
            return []
        index = self.columns.index(TeacherResource.fields["username"].column_name)
        return [
            row.cells[index].value
            for row in self.rows
            if row.is_valid and index < len(row.cells) and row.cells[index].value
        ]

    def to_json(self) -> bytes:
        """The outcome as a background job stores it (its result file)."""
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, content: bytes) -> "ImportOutcome":
        data = json.loads(content)
        rows = [
            PreviewRow(
                number=row["number"],
                cells=[PreviewCell(**cell) for cell in row["cells"]],
                action=row["action"],
                action_label=row["action_label"],
                errors=row["errors"],
            )
            for row in data["rows"]
        ]
        return cls(
            kind=data["kind"],
            columns=data["columns"],
            rows=rows,
            errors=data["errors"],
            saved=data["saved"],
        )


def _row_error(number: int, column: str | None, message) -> str:
    if column:
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {
            "row": number,
            "column": column,
            "message": message,
        }
    return _("Row %(row)d: %(message)s") % {"row": number, "message": message}


# --- resources ---------------------------------------------------------------------------------


class BureauImportResource(resources.Resource):
    """Rows validated by ``plan_row`` into a plan, written by ``write`` through the services.

    django-import-export drives the rows (dry run, a savepoint per row, the rollback when any
    row fails); the instance it loads is a placeholder, never saved by the library itself.
    """

    identifier: ClassVar[str] = ""
    title: ClassVar[Promise | str] = ""
    notes: ClassVar[dict[str, Promise]] = {}
    placeholder: ClassVar[type] = Organisation

    class Meta:
        instance_loader_class = BaseInstanceLoader
        skip_diff = True
        clean_model_instances = False
        use_transactions = True
        report_skipped = True

    def __init__(
        self,
        *,
        actor: User,
        bureau: Organisation,
        report: Callable[[int, int], None] | None = None,
        total: int = 0,
    ):
        super().__init__()
        self.actor = actor
        self.bureau = bureau
        self.city: City = bureau.city
        self.preview: list[PreviewRow] = []
        self._plans: dict[int, dict] = {}
        self._seen: dict[tuple[str, str], int] = {}
        self.report = report
        self.total = total

    @classmethod
    def column_names(cls) -> list[str]:
        return [f.column_name for f in cls.fields.values()]

    # What a subclass says -----------------------------------------------------------------

    def prepare(self, dataset: Dataset) -> None:
        """Load what validation needs for the whole file, in a constant number of queries."""
        self.organisations = {o.code: o for o in Organisation.objects.filter(city=self.city)}
        self.names = {(o.kind, o.name): o.code for o in self.organisations.values()}

    def plan_row(self, row: dict, errors: dict[str, list]) -> dict:
        raise NotImplementedError

    def write(self, plan: dict) -> None:
        raise NotImplementedError

    # Shared checks -------------------------------------------------------------------------

    def once(self, what: str, value: str, number: int, key: str, errors: dict) -> None:
        """A code (or username) may appear on one row of the file only."""
        first = self._seen.setdefault((what, value), number)
        if first != number:
            errors.setdefault(key, []).append(
                _("“%(value)s” is already on row %(row)d: each may appear once.")
                % {"value": value, "row": first}
            )

    @staticmethod
    def text(row: dict, key_column: str, key: str, errors: dict, *, max_length: int, required=True):
        value = row.get(key_column) or ""
        if required and not value:
            errors.setdefault(key, []).append(_("This cell is required."))
        elif len(value) > max_length:
            errors.setdefault(key, []).append(
                _("At most %(count)d characters.") % {"count": max_length}
            )
        return value

    def code(self, row: dict, key: str, errors: dict) -> str:
        value = self.text(row, self.fields[key].column_name, key, errors, max_length=60)
        if value:
            try:
                validate_slug(value)
            except ValidationError:
                errors.setdefault(key, []).append(
                    _("A code uses only letters, digits, hyphens and underscores.")
                )
        return value

    def organisation_code(self, row, key, errors, *, kind: OrganisationKind) -> tuple[str, bool]:
        """The row's own code: returns (code, already exists); refuses a code that another kind
        of organisation of the city already uses."""
        code = self.code(row, key, errors)
        existing = self.organisations.get(code)
        if existing is not None and existing.kind != kind:
            errors.setdefault(key, []).append(
                _("The code %(code)s already belongs to “%(name)s” (%(kind)s).")
                % {"code": code, "name": existing.name, "kind": existing.get_kind_display()}
            )
        if code:
            self.once("code", code, row[ROW_NUMBER], key, errors)
        return code, existing is not None

    def organisation_name(self, row, key, errors, *, kind, code) -> str:
        name = self.text(row, self.fields[key].column_name, key, errors, max_length=120)
        holder = self.names.get((kind, name))
        if name and holder is not None and holder != code:
            errors.setdefault(key, []).append(
                _("Another organisation of this kind (code %(code)s) already has this name.")
                % {"code": holder}
            )
        if name:
            self.once(f"name:{kind}", name, row[ROW_NUMBER], key, errors)
        return name

    # django-import-export hooks ---------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.prepare(dataset)

    def get_import_id_fields(self):
        return []

    def get_instance(self, instance_loader, row):
        return None  # rows are matched to existing records by the plan, inside the city

    def init_instance(self, row=None):
        return self.placeholder()

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        for key, column in self.fields.items():
            if str(row.get(column.column_name) or "").startswith("="):
                # A formula (read as its text), or a text that a spreadsheet would run as one.
                errors.setdefault(key, []).append(
                    _("A formula, or a text beginning with “=”, is not imported: type the value.")
                )
        plan = self.plan_row(row, errors)
        if errors:
            raise ValidationError(errors)
        self._plans[row[ROW_NUMBER]] = plan

    def save_instance(self, instance, is_create, row, **kwargs):
        plan = self._plans[row[ROW_NUMBER]]
        try:
            with transaction.atomic():
                self.write(plan)
        except services.AccountsError as exc:
            raise ValidationError({NON_FIELD_ERRORS: [str(exc)]}) from exc
        except IntegrityError as exc:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("This row clashes with a record already saved.")]}
            ) from exc

    def after_import(self, dataset, result, **kwargs):
        pass  # no primary keys are ever imported: no sequence to reset

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        number = row[ROW_NUMBER]
        columns = {key: f.column_name for key, f in self.fields.items()}
        messages: list[str] = []
        invalid_columns: set[str] = set()
        if row_result.validation_error is not None:
            for key, problems in row_result.validation_error.message_dict.items():
                column = columns.get(key)
                if column:
                    invalid_columns.add(column)
                messages.extend(_row_error(number, column, problem) for problem in problems)
        for error in row_result.errors:
            problem = _("cannot be saved (%(error)s).") % {"error": error.error}
            messages.append(_row_error(number, None, problem))
        plan = {} if messages else self._plans.get(number, {})
        action = "invalid" if messages else ("update" if plan.get("exists") else "new")
        labels = {
            "invalid": _("Not imported"),
            "update": _("Update"),
            "new": _("New"),
        }
        self.preview.append(
            PreviewRow(
                number=number,
                cells=[
                    PreviewCell(row.get(column, ""), column in invalid_columns)
                    for column in columns.values()
                ],
                action=action,
                action_label=str(plan.get("label") or labels[action]) if plan else labels[action],
                errors=messages,
            )
        )
        done = len(self.preview)
        if self.report and (done % PROGRESS_EVERY == 0 or done == self.total):
            self.report(done, max(done, self.total))
        return row_result


class CountyResource(BureauImportResource):
    identifier = "counties"
    title = gettext_lazy("Counties/districts")
    name = Field(column_name="区县名称")
    code = Field(column_name="区县代码")
    notes = {
        "区县名称": gettext_lazy("Required. The county or district's name, e.g. 城东区."),
        "区县代码": gettext_lazy(
            "Required. A short stable code (letters, digits, hyphens), e.g. chengdong. "
            "An existing code updates that county."
        ),
    }

    def plan_row(self, row, errors):
        kind = OrganisationKind.COUNTY_BUREAU
        code, exists = self.organisation_code(row, "code", errors, kind=kind)
        name = self.organisation_name(row, "name", errors, kind=kind, code=code)
        return {"code": code, "name": name, "exists": exists}

    def write(self, plan):
        services.organisation_ensure(
            city=self.city,
            kind=OrganisationKind.COUNTY_BUREAU,
            code=plan["code"],
            name=plan["name"],
            parent=self.bureau,
        )


class SchoolResource(BureauImportResource):
    identifier = "schools"
    title = gettext_lazy("Schools")
    name = Field(column_name="学校名称")
    code = Field(column_name="学校代码")
    county = Field(column_name="所属区县代码")
    stages = Field(column_name="学段")
    notes = {
        "学校名称": gettext_lazy("Required. The school's full name."),
        "学校代码": gettext_lazy(
            "Required. A short stable code (letters, digits, hyphens). "
            "An existing code updates that school."
        ),
        "所属区县代码": gettext_lazy(
            "The code of the school's county or district; leave blank for a school "
            "affiliated directly to the municipal bureau (局属)."
        ),
        "学段": gettext_lazy(
            "Required. One or more of 小学, 初中, 高中, 中职, 幼儿园, separated by 、 or a comma."
        ),
    }

    def plan_row(self, row, errors):
        kind = OrganisationKind.SCHOOL
        code, exists = self.organisation_code(row, "code", errors, kind=kind)
        name = self.organisation_name(row, "name", errors, kind=kind, code=code)
        county_code = row.get(self.fields["county"].column_name) or ""
        parent = self.bureau
        if county_code:
            county = self.organisations.get(county_code)
            if county is None or county.kind != OrganisationKind.COUNTY_BUREAU:
                errors.setdefault("county", []).append(
                    _("No county or district of %(city)s has the code %(code)s.")
                    % {"city": self.city.name, "code": county_code}
                )
            else:
                parent = county
        stages: list[str] = []
        try:
            stages = parse_school_stages(row.get(self.fields["stages"].column_name) or "")
        except ValueError as exc:
            errors.setdefault("stages", []).append(
                _("“%(word)s” is not a school stage (use 小学, 初中, 高中, 中职 or 幼儿园).")
                % {"word": exc.args[0]}
            )
        else:
            if not stages:
                errors.setdefault("stages", []).append(_("Give at least one school stage."))
        return {"code": code, "name": name, "parent": parent, "stages": stages, "exists": exists}

    def write(self, plan):
        services.organisation_ensure(
            city=self.city,
            kind=OrganisationKind.SCHOOL,
            code=plan["code"],
            name=plan["name"],
            parent=plan["parent"],
            school_stages=plan["stages"],
        )


class PersonResource(BureauImportResource):
    """The columns every sheet of people has: who they are and how to reach them."""

    username = Field(column_name="用户名")
    full_name = Field(column_name="姓名")
    phone = Field(column_name="手机号")
    email = Field(column_name="电子邮箱")
    notes = {
        "用户名": gettext_lazy(
            "Required. The login name (letters, digits and @ . + - _). An existing account "
            "of this city only gains the role; its details are left as they are."
        ),
        "姓名": gettext_lazy("Required. The person's full name."),
        "手机号": gettext_lazy("Optional."),
        "电子邮箱": gettext_lazy("Optional, but needed to set a password by email."),
    }

    placeholder = User

    def prepare(self, dataset):
        super().prepare(dataset)
        usernames = {value for value in dataset[self.fields["username"].column_name] if value}
        self.users = {
            user.username: user
            for user in User.objects.filter(username__in=usernames).prefetch_related(
                "role_assignments__organisation"
            )
        }

    def person_plan(self, row, errors) -> dict:
        column = {key: f.column_name for key, f in self.fields.items()}
        username = self.text(row, column["username"], "username", errors, max_length=150)
        if username:
            try:
                User.username_validator(username)
            except ValidationError:
                errors.setdefault("username", []).append(
                    _("A username uses only letters, digits and @ . + - _.")
                )
            self.once("username", username, row[ROW_NUMBER], "username", errors)
        full_name = self.text(row, column["full_name"], "full_name", errors, max_length=60)
        phone = self.text(row, column["phone"], "phone", errors, max_length=30, required=False)
        if phone and not _PHONE.match(phone):
            errors.setdefault("phone", []).append(_("Not a telephone number."))
        email = self.text(row, column["email"], "email", errors, max_length=254, required=False)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.setdefault("email", []).append(_("Not an email address."))
        existing = self.users.get(username)
        label = None
        if existing is not None:
            other_city = any(
                ra.organisation.city_id != self.city.pk for ra in existing.role_assignments.all()
            )
            if existing.is_superuser or existing.is_staff or other_city:
                errors.setdefault("username", []).append(
                    _("This username is already taken by an account outside %(city)s.")
                    % {"city": self.city.name}
                )
            else:
                label = self.existing_label()
        return {
            "username": username,
            "full_name": full_name,
            "phone": phone,
            "email": email,
            "exists": existing is not None,
            "label": label,
        }

    def existing_label(self):
        return _("Existing account: the role is added")

    def write_person(self, plan) -> User:
        return services.user_ensure(
            username=plan["username"],
            full_name=plan["full_name"],
            email=plan["email"],
            phone=plan["phone"],
            must_change_password=True,
        )


class TeacherResource(PersonResource):
    identifier = "teachers"
    title = gettext_lazy("Teachers")
    school = Field(column_name="学校代码")
    notes = {
        **PersonResource.notes,
        "学校代码": gettext_lazy("Required. The code of the teacher's school in this city."),
    }

    def existing_label(self):
        return _("Existing account: the teacher role is added")

    def plan_row(self, row, errors):
        plan = self.person_plan(row, errors)
        school_code = self.text(
            row, self.fields["school"].column_name, "school", errors, max_length=60
        )
        school = self.organisations.get(school_code)
        if school_code and (school is None or school.kind != OrganisationKind.SCHOOL):
            errors.setdefault("school", []).append(
                _("No school of %(city)s has the code %(code)s.")
                % {"city": self.city.name, "code": school_code}
            )
        return {**plan, "school": school}

    def write(self, plan):
        user = self.write_person(plan)
        services.role_assign(
            actor=self.actor, user=user, role=Role.TEACHER, organisation=plan["school"]
        )


# The roles a bureau appoints from a sheet (teachers have their own sheet), by the words a
# bureau writes in the 角色 column: the role's Chinese label or its code.
STAFF_ROLES = [
    Role.SCHOOL_ADMIN,
    Role.FINANCE_OFFICER,
    Role.COUNTY_REVIEWER,
    Role.MUNICIPAL_ADMIN,
    Role.CE_OFFICER,
    Role.EXPERT,
    Role.AUDITOR,
]


class StaffResource(PersonResource):
    """Reviewers, administrators, experts and auditors, each with the role and the
    organisation they act for, so that a new city sets up its review chain itself."""

    identifier = "staff"
    title = gettext_lazy("Reviewers and other staff")
    organisation = Field(column_name="单位代码")
    role = Field(column_name="角色")
    notes = {
        **PersonResource.notes,
        "单位代码": gettext_lazy(
            "The code of the school or county the person acts for; leave blank for the "
            "municipal bureau (administrators, experts, auditors)."
        ),
        "角色": gettext_lazy(
            "Required. One of 学校管理员, 学校财务人员, 县区审核员, 市教育局管理员, "
            "继教中心管理员, 评审专家, 审计人员."
        ),
    }

    def plan_row(self, row, errors):
        plan = self.person_plan(row, errors)
        words = str(row.get(self.fields["role"].column_name) or "").strip()
        role = next((r for r in STAFF_ROLES if words in (r.value, str(r.label), _(r.label))), None)
        if role is None:
            errors.setdefault("role", []).append(
                _("“%(word)s” is not a role this sheet appoints.") % {"word": words or "—"}
            )
        code = str(row.get(self.fields["organisation"].column_name) or "").strip()
        organisation = self.organisations.get(code) if code else self.bureau
        if organisation is None:
            errors.setdefault("organisation", []).append(
                _("No organisation of %(city)s has the code %(code)s.")
                % {"city": self.city.name, "code": code}
            )
        elif role is not None and organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
            if role == Role.CE_OFFICER and not code:
                errors.setdefault("organisation", []).append(
                    _("Give the code of the continuing-education centre.")
                )
            else:
                errors.setdefault("role", []).append(
                    _("A %(role)s cannot act for %(organisation)s.")
                    % {"role": role.label, "organisation": organisation.name}
                )
        return {**plan, "role": role, "organisation": organisation}

    def write(self, plan):
        user = self.write_person(plan)
        services.role_assign(
            actor=self.actor, user=user, role=plan["role"], organisation=plan["organisation"]
        )


IMPORT_RESOURCES: dict[str, type[BureauImportResource]] = {
    resource.identifier: resource
    for resource in (CountyResource, SchoolResource, TeacherResource, StaffResource)
}


def import_run(
    *,
    actor: User,
    bureau: Organisation,
    kind: str,
    dataset: Dataset,
    dry_run: bool,
    report: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Validate (and unless ``dry_run``, save) every row in one transaction: all or nothing.

    ``report(done, total)`` is called every ``PROGRESS_EVERY`` rows and at the last one, from
    inside that transaction (a background job must write it where others can see it)."""
    resource_class = IMPORT_RESOURCES[kind]
    resource = resource_class(actor=actor, bureau=bureau, report=report, total=len(dataset))
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        raise_errors=False,
    )
    errors = [message for row in resource.preview for message in row.errors]
    errors.extend(
        _("The file cannot be imported: %(error)s") % {"error": error.error}
        for error in result.base_errors
    )
    valid = not errors and not result.has_errors() and not result.has_validation_errors()
    if not valid and not errors:
        errors.append(_("The file cannot be imported."))
    return ImportOutcome(
        kind=kind,
        columns=resource_class.column_names(),
        rows=resource.preview,
        errors=errors,
        saved=valid and not dry_run,
    )
