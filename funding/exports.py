"""The auditors' workbook: one .xlsx of a scope (city, county, batch, year), sheet by sheet.

Each sheet is a small registered class (identifier, Chinese title, typed columns, a row
generator over a scoped queryset). ``write_workbook`` is the one writer: openpyxl in write-only
mode, so rows stream from the database cursor (``.iterator(chunk_size=2000)``) into the file and
memory stays flat however many rows there are; money stays ``Decimal`` (exact to the fen) and
dates stay dates, with their number formats; every sheet has a frozen header row, column widths
and, where it means something, a totals row.

The scope comes from the user's roles (``scope_for_user``) and can never be wider than them: a
county auditor exports their county, a city auditor their city. The command line
(``manage.py export_audit``) builds the whole city's scope without a user.

Headers and titles are written in Chinese on purpose: the workbook is the bureau's audit
document (like the PDFs' official layouts), whatever the interface language.

``ActivityResource`` is django-import-export's view of the same activities (every cell as
text); ``bench/audit_export.py`` compares the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from import_export import fields as ie_fields
from import_export import resources

from accounts.models import City, Organisation, OrganisationKind, Role
from accounts.permissions import CITY_WIDE_ROLES, can, role_assignments
from core import forms as core_forms
from core import spreadsheets
from core.privacy import mask_date
from studios.models import Activity

MONEY = "#,##0.00"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
INTEGER = "0"
SCORE = "0.00"

# Fewer rows than this download at once; more run as a background job with a progress bar.
LARGE_EXPORT_ROWS = 20_000
# The progress callback is called every this many rows (and at the end).
PROGRESS_EVERY = 2_000
CHUNK_SIZE = 2_000

# The roles whose holders may ask for an audit export (funding.export_audit).
EXPORT_ROLES = {Role.AUDITOR, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER}

SUM = "sum"
COUNT = "count"

Report = Callable[[int, int], None]


class ScopeError(Exception):
    """The scope asked for lies outside the user's roles, or names nothing known."""


# --- the scope -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditScope:
    """What one workbook covers. ``county`` None: the whole city (bureau-affiliated schools
    included); ``call`` None: every batch; ``year`` None: every year."""

    city: City
    county: Organisation | None = None
    call: Any = None  # applications.Call
    year: int | None = None
    today: date | None = None  # the day quota compliance is counted on
    # Birth months in full, or masked (1980-**) for a reader who may not see them
    # (accounts.view_personal_details over the whole scope: not auditors).
    reveal_personal: bool = True

    def studio_q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}school__city_id": self.city.pk})
        if self.county is not None:
            q &= Q(**{f"{prefix}school__county_id": self.county.pk})
        if self.call is not None:
            q &= Q(**{f"{prefix}call_id": self.call.pk})
        return q

    def organisation_q(self, prefix: str = "") -> Q:
        """Organisations in scope: the city's, or the county bureau and its schools."""
        q = Q(**{f"{prefix}city_id": self.city.pk})
        if self.county is not None:
            q &= Q(**{f"{prefix}county_id": self.county.pk}) | Q(**{f"{prefix}pk": self.county.pk})
        return q

    @property
    def as_of(self) -> date:
        """Compliance is counted today, or on the last day of a past year asked for."""
        day = self.today or timezone.localdate()
        if self.year is not None:
            day = min(day, date(self.year, 12, 31))
        return day

    def params(self) -> dict:
        """JSON for a background job; ``scope_for_user`` turns it back into a scope."""
        return {
            "city": self.city.code,
            "county": self.county.code if self.county else None,
            "call": self.call.pk if self.call else None,
            "year": self.year,
        }

    @property
    def label(self) -> str:
        parts = [self.city.name]
        if self.county is not None:
            parts.append(self.county.name)
        if self.call is not None:
            parts.append(self.call.title)
        parts.append(f"{self.year}年" if self.year else "全部年度")
        return " · ".join(parts)

    @property
    def filename(self) -> str:
        parts = ["审计导出", self.city.name]
        if self.county is not None:
            parts.append(self.county.name)
        if self.call is not None:
            parts.append(f"批次{self.call.pk}")
        if self.year:
            parts.append(str(self.year))
        return "-".join(parts) + ".xlsx"


def allowed_areas(user) -> dict[int, set[int] | None]:
    """City id → the county ids the user may export (None: the whole city)."""
    areas: dict[int, set[int] | None] = {}
    if user.is_superuser:
        return {pk: None for pk in City.objects.values_list("pk", flat=True)}
    for ra in role_assignments(user):
        if ra.role not in EXPORT_ROLES:
            continue
        org = ra.organisation
        if ra.role in CITY_WIDE_ROLES or org.kind == OrganisationKind.MUNICIPAL_BUREAU:
            areas[org.city_id] = None
        elif org.kind == OrganisationKind.COUNTY_BUREAU:
            current = areas.get(org.city_id, set())
            if current is not None:
                areas[org.city_id] = current | {org.pk}
    return areas


def city_scope(
    *, city: str, county: str | None = None, call: int | None = None, year: int | None = None
) -> AuditScope:
    """A scope from codes, with no user (the command line): unknown codes raise ScopeError."""
    from applications.models import Call

    found = City.objects.filter(code=city).first()
    if found is None:
        raise ScopeError(f"unknown city {city!r}")
    county_org = None
    if county:
        county_org = Organisation.objects.filter(
            city=found, kind=OrganisationKind.COUNTY_BUREAU, code=county
        ).first()
        if county_org is None:
            raise ScopeError(f"unknown county {county!r} in {found.code}")
    call_obj = None
    if call is not None:
        call_obj = Call.objects.filter(pk=call, bureau__city=found).first()
        if call_obj is None:
            raise ScopeError(f"no batch (call) {call} in {found.code}")
    if year is not None and not 2000 <= int(year) <= 2100:
        raise ScopeError(f"implausible year {year}")
    return AuditScope(city=found, county=county_org, call=call_obj, year=year)


def scope_for_user(
    user,
    *,
    city: str | None = None,
    county: str | None = None,
    call: int | None = None,
    year: int | None = None,
) -> AuditScope:
    """The scope asked for, checked against the user's roles: never wider than they allow.

    A user whose roles cover one county only gets that county even when none is named; a
    county outside their roles, or a city they have no role in, raises ScopeError.
    """
    areas = allowed_areas(user)
    if not areas:
        raise ScopeError(_("You have no role that allows audit exports."))
    if city is None:
        if len(areas) != 1:
            raise ScopeError(_("Choose a city."))
        city = City.objects.get(pk=next(iter(areas))).code
    try:
        scope = city_scope(city=city, county=county, call=call, year=year)
    except ScopeError:
        raise ScopeError(_("That scope does not exist.")) from None
    if scope.city.pk not in areas:
        raise ScopeError(_("That city is outside your scope."))
    counties = areas[scope.city.pk]
    if counties is not None:
        if scope.county is None:
            if len(counties) != 1:
                raise ScopeError(_("Choose one of your counties."))
            county_org = Organisation.objects.get(pk=next(iter(counties)))
            scope = replace(scope, county=county_org)
        elif scope.county.pk not in counties:
            raise ScopeError(_("That county is outside your scope."))
    area = scope.county or Organisation.objects.get(
        city=scope.city, kind=OrganisationKind.MUNICIPAL_BUREAU
    )
    return replace(scope, reveal_personal=can(user, "accounts.view_personal_details", area))


class AuditScopeForm(core_forms.Form):
    """The scope an auditor picks, its choices limited to what their roles cover."""

    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.none(), to_field_name="code", empty_label=None
    )
    county = forms.ModelChoiceField(
        label=_("County/district"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All counties"),
    )
    call = forms.ModelChoiceField(
        label=_("Batch"), queryset=None, required=False, empty_label=_("All batches")
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        from applications.models import Call

        super().__init__(*args, **kwargs)
        self.user = user
        areas = allowed_areas(user)
        self.fields["city"].queryset = City.objects.filter(pk__in=areas).order_by("code")
        counties = Organisation.objects.filter(kind=OrganisationKind.COUNTY_BUREAU)
        limited = Q(pk__in=[])
        for city_id, county_ids in areas.items():
            if county_ids is None:
                limited |= Q(city_id=city_id)
            else:
                limited |= Q(pk__in=county_ids)
        self.fields["county"].queryset = counties.filter(limited).order_by("city", "code")
        if areas and all(county_ids is not None for county_ids in areas.values()):
            # A county auditor: no "all counties" choice to pick.
            self.fields["county"].required = True
            self.fields["county"].empty_label = None
        self.fields["call"].queryset = Call.objects.filter(bureau__city_id__in=areas).order_by(
            "-opens_on", "-pk"
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.scope = scope_for_user(
                self.user,
                city=data["city"].code,
                county=data["county"].code if data.get("county") else None,
                call=data["call"].pk if data.get("call") else None,
                year=data.get("year"),
            )
        except ScopeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


# --- the sheets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None
    total: str | None = None  # SUM or COUNT (of non-empty cells) in the totals row


class Sheet:
    """One sheet of the workbook. Subclasses set identifier, title and columns and yield rows
    (tuples, one value per column) from a scoped queryset with a constant number of queries."""

    identifier: str = ""
    title: str = ""
    columns: tuple[Column, ...] = ()
    totals: bool = True
    total_label: str = "合计"

    def queryset(self, scope: AuditScope) -> QuerySet:
        raise NotImplementedError

    def count(self, scope: AuditScope) -> int:
        return self.queryset(scope).count()

    def rows(self, scope: AuditScope) -> Iterator[tuple]:
        raise NotImplementedError


SHEETS: dict[str, Sheet] = {}


class Uncounted(tuple):
    """A row shown in its sheet but left out of the totals row (an expenditure not confirmed)."""


def register(cls: type[Sheet]) -> type[Sheet]:
    if cls.identifier in SHEETS:
        raise RuntimeError(f"audit sheet {cls.identifier!r} registered twice")
    SHEETS[cls.identifier] = cls()
    return cls


def _labels(choices) -> dict[str, str]:
    """Choice labels in the language active now (Chinese while the workbook is written)."""
    return {value: str(label) for value, label in choices}


def _county(name: str | None) -> str:
    return name or "局属"


def _local(value: datetime | None) -> datetime | None:
    """openpyxl cannot store time zones: the local wall time, as the auditor reads it."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def _year_overlap(scope: AuditScope, start: str, end: str) -> Q:
    """Rows whose [start, end] (end may be open) meets the scope's year."""
    if scope.year is None:
        return Q()
    return Q(**{f"{start}__year__lte": scope.year}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__year__gte": scope.year})
    )


STUDIO_COLUMNS = (
    Column("工作室", 36),
    Column("牌匾编号", 18),
    Column("县（市、区）", 14),
)


@register
class StudiosSheet(Sheet):
    identifier = "studios"
    title = "工作室"
    columns = (
        Column("工作室", 36),
        Column("牌匾编号", 18, total=COUNT),
        Column("县（市、区）", 14),
        Column("所在学校", 28),
        Column("主持人", 10),
        Column("学段", 10),
        Column("批次", 30),
        Column("任期开始", 12, DATE),
        Column("任期结束", 12, DATE),
        Column("发布日期", 12, DATE),
        Column("状态", 10),
        Column("撤销日期", 12, DATE),
        Column("结对县（市、区）", 16),
    )

    def queryset(self, scope):
        from studios.models import Studio

        return Studio.objects.filter(
            scope.studio_q(), _year_overlap(scope, "term_start", "term_end")
        )

    def rows(self, scope):
        from accounts.models import SchoolStage
        from studios.models import StudioStatus

        stages, statuses = _labels(SchoolStage.choices), _labels(StudioStatus.choices)
        values = (
            self.queryset(scope)
            .order_by("plaque_number", "pk")
            .values_list(
                "name",
                "plaque_number",
                "school__county__name",
                "school__name",
                "host__full_name",
                "school_stage",
                "call__title",
                "term_start",
                "term_end",
                "published_on",
                "status",
                "revoked_on",
                "paired_county__name",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            (name, plaque, county, school, host, stage, call, start, end, pub, status, rev, pc) = (
                row
            )
            yield (
                name,
                plaque,
                _county(county),
                school,
                host,
                stages.get(stage, stage),
                call,
                start,
                end,
                pub,
                statuses.get(status, status),
                rev,
                pc,
            )


@register
class MembershipsSheet(Sheet):
    identifier = "memberships"
    title = "成员"
    columns = (
        *STUDIO_COLUMNS,
        Column("角色", 10),
        Column("姓名", 10, total=COUNT),
        Column("性别", 6),
        Column("出生年月", 12, "yyyy-mm"),
        Column("工作单位", 28),
        Column("职称", 14),
        Column("职务", 14),
        Column("班主任年限", 10, INTEGER),
        Column("来源", 14),
        Column("加入日期", 12, DATE),
        Column("退出日期", 12, DATE),
        Column("退出原因", 30),
    )

    def queryset(self, scope):
        from studios.models import Membership

        return Membership.objects.filter(
            scope.studio_q("studio__"), _year_overlap(scope, "start_date", "end_date")
        )

    def rows(self, scope):
        from policies.models import TeamRole
        from studios.models import MembershipSource

        roles, sources = _labels(TeamRole.choices), _labels(MembershipSource.choices)
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "role", "start_date", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "role",
                "name",
                "gender",
                "birth_month",
                "work_unit",
                "professional_title",
                "post",
                "head_teacher_years",
                "source",
                "start_date",
                "end_date",
                "end_reason",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            birth = row[6] if scope.reveal_personal or row[6] is None else mask_date(row[6])
            yield (
                row[0],
                row[1],
                _county(row[2]),
                roles.get(row[3], row[3]),
                *row[4:6],
                birth,
                *row[7:11],
                sources.get(row[11], row[11]),
                *row[12:],
            )


@register
class ActivitiesSheet(Sheet):
    identifier = "activities"
    title = "活动与考勤"
    columns = (
        *STUDIO_COLUMNS,
        Column("活动日期", 12, DATE),
        Column("活动类型", 16),
        Column("活动主题", 36, total=COUNT),
        Column("线上", 6),
        Column("地点", 24),
        Column("服务县（市、区）", 16),
        Column("出席", 8, INTEGER, SUM),
        Column("请假", 8, INTEGER, SUM),
        Column("缺勤", 8, INTEGER, SUM),
        Column("成员已确认", 10, INTEGER, SUM),
    )

    def queryset(self, scope):
        from studios.models import Activity

        qs = Activity.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(held_on__year=scope.year)
        return qs

    def rows(self, scope):
        from policies.models import ActivityKind
        from studios.models import AttendanceStatus

        kinds = _labels(ActivityKind.choices)
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "held_on", "pk")
            .values_list(
                "pk",  # grouped by the activity, never by equal-looking rows
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "held_on",
                "kind",
                "title",
                "online",
                "place",
                "served_county__name",
            )
            .annotate(
                present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
                leave=Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
                absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
                confirmed=Count("attendance", filter=Q(attendance__confirmed_at__isnull=False)),
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (
                row[1],
                row[2],
                _county(row[3]),
                row[4],
                kinds.get(row[5], row[5]),
                row[6],
                "是" if row[7] else "否",
                *row[8:],
            )


@register
class AttendanceSheet(Sheet):
    identifier = "attendance"
    title = "考勤明细"
    columns = (
        *STUDIO_COLUMNS,
        Column("活动日期", 12, DATE),
        Column("活动主题", 36),
        Column("成员", 10, total=COUNT),
        Column("角色", 10),
        Column("考勤", 10),
        Column("请假事由", 24),
        Column("成员确认时间", 17, DATETIME),
    )

    def queryset(self, scope):
        from studios.models import Attendance

        qs = Attendance.objects.filter(scope.studio_q("activity__studio__"))
        if scope.year is not None:
            qs = qs.filter(activity__held_on__year=scope.year)
        return qs

    def rows(self, scope):
        from policies.models import TeamRole
        from studios.models import AttendanceStatus

        roles, statuses = _labels(TeamRole.choices), _labels(AttendanceStatus.choices)
        values = (
            self.queryset(scope)
            .order_by("activity__studio__plaque_number", "activity__held_on", "activity_id", "pk")
            .values_list(
                "activity__studio__name",
                "activity__studio__plaque_number",
                "activity__studio__school__county__name",
                "activity__held_on",
                "activity__title",
                "membership__name",
                "membership__role",
                "status",
                "leave_reason",
                "confirmed_at",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (
                row[0],
                row[1],
                _county(row[2]),
                row[3],
                row[4],
                row[5],
                roles.get(row[6], row[6]),
                statuses.get(row[7], row[7]),
                row[8],
                _local(row[9]),
            )


@register
class ComplianceSheet(Sheet):
    """Every quota of every studio as of the scope's day (``compliance_grid``: constant
    queries). Rows are (studio, quota); the grid holds a studio's states in memory, which is
    bounded by the number of studios, not of activities."""

    identifier = "compliance"
    title = "任务达标"
    columns = (
        *STUDIO_COLUMNS,
        Column("任务", 24),
        Column("统计周期", 16),
        Column("周期开始", 12, DATE),
        Column("周期结束", 12, DATE),
        Column("已完成", 8, INTEGER, SUM),
        Column("要求", 8, INTEGER, SUM),
        Column("状态", 12, total=COUNT),
        Column("未达标周期", 30),
        Column("统计日期", 12, DATE),
    )

    def queryset(self, scope):
        from studios.models import Studio, StudioStatus

        return Studio.objects.filter(scope.studio_q(), status=StudioStatus.ACTIVE).filter(
            _year_overlap(scope, "term_start", "term_end")
        )

    def count(self, scope):
        # studios × their policy's quotas, in one query
        return self.queryset(scope).aggregate(n=Count("policy__activity_quotas"))["n"]

    def rows(self, scope):
        from studios.compliance import compliance_grid

        day = scope.as_of
        studios = list(
            self.queryset(scope)
            .select_related("school__county")
            .order_by("plaque_number", "pk")
            .only(
                "pk",
                "name",
                "plaque_number",
                "policy_id",
                "paired_county_id",
                "term_start",
                "term_end",
                "school__county__name",
            )
        )
        for grid_row in compliance_grid(studios, day):
            studio = grid_row.studio
            county = studio.school.county.name if studio.school.county else None
            for state in grid_row.states:
                yield (
                    studio.name,
                    studio.plaque_number,
                    _county(county),
                    state.quota.name,
                    state.period.label,
                    state.period.start,
                    state.period.end,
                    state.count,
                    state.target,
                    state.label,
                    "、".join(m.period.label for m in state.missed) or None,
                    day,
                )


@register
class AllocationsSheet(Sheet):
    identifier = "allocations"
    title = "经费下达"
    columns = (
        *STUDIO_COLUMNS,
        Column("年度", 8, INTEGER),
        Column("金额（元）", 16, MONEY, SUM),
        Column("批准文号", 24, total=COUNT),
        Column("批准日期", 12, DATE),
        Column("开户银行", 24),
        Column("户名", 24),
        Column("账号", 24),
    )

    def queryset(self, scope):
        from .models import Allocation

        qs = Allocation.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(year=scope.year)
        return qs

    def rows(self, scope):
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "year", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "year",
                "amount",
                "document_number",
                "approved_on",
                "bank",
                "account_name",
                "account_number",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (row[0], row[1], _county(row[2]), *row[3:])


def _category_names(scope: AuditScope) -> dict[tuple[int, str], str]:
    """(policy id, category code) → the category's name, for the policies in scope."""
    from policies.models import Policy

    names = {}
    for pk, categories in Policy.objects.filter(city=scope.city).values_list(
        "pk", "expenditure_categories"
    ):
        for category in categories or []:
            names[(pk, category.get("code"))] = category.get("name") or category.get("code")
    return names


# The workbook's own words for the funding states (the document is Chinese whatever the
# interface language; the catalogue's entries for this new app are not written yet).
EXPENDITURE_STATUS = {"pending": "待财务确认", "confirmed": "已确认", "rejected": "已退回"}


@register
class ExpendituresSheet(Sheet):
    """Every entry with its status; the totals row sums the confirmed entries only (pending
    ones are not yet spending, rejected ones never were). Reversals are negative entries."""

    identifier = "expenditures"
    title = "经费支出明细"
    total_label = "合计（已确认）"
    columns = (
        *STUDIO_COLUMNS,
        Column("支出日期", 12, DATE),
        Column("类别", 16),
        Column("金额（元）", 16, MONEY, SUM),
        Column("收款方", 24),
        Column("用途", 36, total=COUNT),
        Column("服务活动", 24),
        Column("状态", 14),
        Column("冲销记录", 10, INTEGER),
        Column("财务确认时间", 17, DATETIME),
    )

    def queryset(self, scope):
        from .models import Expenditure

        qs = Expenditure.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(spent_on__year=scope.year)
        return qs

    def rows(self, scope):
        from .models import ExpenditureStatus

        names = _category_names(scope)
        statuses = EXPENDITURE_STATUS
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "spent_on", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "spent_on",
                "studio__policy_id",
                "category",
                "amount",
                "payee",
                "purpose",
                "activity__title",
                "status",
                "reverses_id",
                "decided_at",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            status = row[10]
            shown = (
                row[0],
                row[1],
                _county(row[2]),
                row[3],
                names.get((row[4], row[5]), row[5]),
                row[6],
                row[7],
                row[8],
                row[9],
                statuses.get(status, status),
                row[11],
                _local(row[12]),
            )
            yield shown if status == ExpenditureStatus.CONFIRMED else Uncounted(shown)


@register
class ExpenditureCategoriesSheet(Sheet):
    identifier = "expenditure_categories"
    title = "支出分类汇总"
    columns = (
        *STUDIO_COLUMNS,
        Column("类别", 16),
        Column("已确认金额（元）", 18, MONEY, SUM),
        Column("待确认金额（元）", 18, MONEY, SUM),
        Column("已确认笔数", 10, INTEGER, SUM),
        Column("下达经费（元）", 18, MONEY),
    )

    def queryset(self, scope):
        from .models import ExpenditureStatus

        return (
            ExpendituresSheet()
            .queryset(scope)
            .exclude(status=ExpenditureStatus.REJECTED)
            .order_by()
            .values("studio_id", "category")
            .distinct()
        )

    def rows(self, scope):
        from .models import ExpenditureStatus

        names = _category_names(scope)
        confirmed = Q(status=ExpenditureStatus.CONFIRMED)
        pending = Q(status=ExpenditureStatus.PENDING)
        values = (
            ExpendituresSheet()
            .queryset(scope)
            .exclude(status=ExpenditureStatus.REJECTED)
            .values(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "studio__policy_id",
                "category",
            )
            .annotate(
                confirmed_sum=Sum("amount", filter=confirmed, default=Decimal("0.00")),
                pending_sum=Sum("amount", filter=pending, default=Decimal("0.00")),
                confirmed_count=Count("pk", filter=confirmed),
            )
            .order_by("studio__plaque_number", "category")
        )
        allocated = dict(
            AllocationsSheet()
            .queryset(scope)
            .order_by()
            .values("studio__plaque_number")
            .annotate(total=Sum("amount"))
            .values_list("studio__plaque_number", "total")
        )
        shown = set()
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            plaque = row["studio__plaque_number"]
            yield (
                row["studio__name"],
                plaque,
                _county(row["studio__school__county__name"]),
                names.get((row["studio__policy_id"], row["category"]), row["category"]),
                row["confirmed_sum"],
                row["pending_sum"],
                row["confirmed_count"],
                # The studio's allocation, on its first line only (so that it is not added twice).
                None if plaque in shown else allocated.get(plaque),
            )
            shown.add(plaque)


@register
class FixedAssetsSheet(Sheet):
    identifier = "fixed_assets"
    title = "固定资产"
    columns = (
        *STUDIO_COLUMNS,
        Column("资产编号", 18, total=COUNT),
        Column("资产名称", 28),
        Column("登记学校", 28),
        Column("价值（元）", 16, MONEY, SUM),
        Column("购置日期", 12, DATE),
        Column("存放地点", 20),
        Column("保管人", 10),
        Column("处置日期", 12, DATE),
        Column("处置说明", 24),
    )

    def queryset(self, scope):
        from .models import FixedAsset

        qs = FixedAsset.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(acquired_on__year__lte=scope.year).filter(
                Q(disposed_on__isnull=True) | Q(disposed_on__year__gte=scope.year)
            )
        return qs

    def rows(self, scope):
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "asset_number", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "asset_number",
                "description",
                "school__name",
                "value",
                "acquired_on",
                "location",
                "custodian",
                "disposed_on",
                "disposal_reason",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (row[0], row[1], _county(row[2]), *row[3:])


@register
class FundReturnsSheet(Sheet):
    identifier = "fund_returns"
    title = "经费缴回"
    columns = (
        *STUDIO_COLUMNS,
        Column("缴回日期", 12, DATE),
        Column("金额（元）", 16, MONEY, SUM),
        Column("原因", 36, total=COUNT),
    )

    def queryset(self, scope):
        from .models import FundReturn

        qs = FundReturn.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(returned_on__year=scope.year)
        return qs

    def rows(self, scope):
        values = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "returned_on",
                "amount",
                "reason",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (row[0], row[1], _county(row[2]), *row[3:])


@register
class AssessmentsSheet(Sheet):
    """Annual assessments (with their rectification) and three-year evaluations."""

    identifier = "assessments"
    title = "考核评估"
    columns = (
        *STUDIO_COLUMNS,
        Column("类型", 10, total=COUNT),
        Column("年度", 8, INTEGER),
        Column("状态", 10),
        Column("总分", 8, SCORE),
        Column("结论", 10),
        Column("决定时间", 17, DATETIME),
        Column("整改期限", 12, DATE),
        Column("整改状态", 16),
        Column("意见", 36),
    )

    def queryset(self, scope):
        from assessments.models import AnnualAssessment

        qs = AnnualAssessment.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(year=scope.year)
        return qs

    def evaluations(self, scope):
        from assessments.models import TermEvaluation

        qs = TermEvaluation.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            qs = qs.filter(opens_on__year=scope.year)
        return qs

    def count(self, scope):
        return self.queryset(scope).count() + self.evaluations(scope).count()

    def rows(self, scope):
        from assessments.models import (
            AnnualAssessment,
            Outcome,
            RectificationStatus,
            TermEvaluation,
        )

        outcomes = _labels(Outcome.choices)
        statuses = _labels(AnnualAssessment.Status.choices)
        fixes = _labels(RectificationStatus.choices)
        results = _labels(TermEvaluation.Result.choices)
        eval_statuses = _labels(TermEvaluation.Status.choices)
        annual = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "year", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "year",
                "status",
                "total",
                "outcome",
                "decided_at",
                "rectification__deadline",
                "rectification__status",
                "comment",
            )
        )
        for row in annual.iterator(chunk_size=CHUNK_SIZE):
            yield (
                row[0],
                row[1],
                _county(row[2]),
                "年度考核",
                row[3],
                statuses.get(row[4], row[4]),
                row[5],
                outcomes.get(row[6], row[6]) or None,
                _local(row[7]),
                row[8],
                fixes.get(row[9], row[9]),
                row[10] or None,
            )
        term = (
            self.evaluations(scope)
            .order_by("studio__plaque_number", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "opens_on",
                "status",
                "total",
                "outcome",
                "decided_at",
                "comment",
            )
        )
        for row in term.iterator(chunk_size=CHUNK_SIZE):
            yield (
                row[0],
                row[1],
                _county(row[2]),
                "期满评估",
                row[3].year,
                eval_statuses.get(row[4], row[4]),
                row[5],
                results.get(row[6], row[6]) or None,
                _local(row[7]),
                None,
                None,
                row[8] or None,
            )


@register
class AuditTrailSheet(Sheet):
    """The recorded transitions of the organisations in scope (a batch does not narrow it:
    the trail is kept per organisation)."""

    identifier = "audit_trail"
    title = "操作记录"
    columns = (
        Column("时间", 17, DATETIME),
        Column("单位", 28),
        Column("操作人", 12),
        Column("操作", 36, total=COUNT),
        Column("对象", 36),
        Column("原状态", 14),
        Column("新状态", 14),
        Column("说明", 40),
    )

    def queryset(self, scope):
        from accounts.models import AuditEntry

        qs = AuditEntry.objects.filter(scope.organisation_q("organisation__"))
        if scope.year is not None:
            qs = qs.filter(created_at__year=scope.year)
        return qs

    def rows(self, scope):
        values = (
            self.queryset(scope)
            .order_by("created_at", "pk")
            .values_list(
                "created_at",
                "organisation__name",
                "actor__full_name",
                "actor__username",
                "verb",
                "object_repr",
                "from_state",
                "to_state",
                "comment",
            )
        )
        for row in values.iterator(chunk_size=CHUNK_SIZE):
            yield (
                _local(row[0]),
                row[1],
                row[2] or row[3] or "系统",
                row[4],
                row[5],
                row[6] or None,
                row[7] or None,
                row[8] or None,
            )


# --- the writer ------------------------------------------------------------------------------


@dataclass
class SheetResult:
    identifier: str
    title: str
    rows: int


def estimate_rows(scope: AuditScope, sheets: Iterable[str] | None = None) -> int:
    """Data rows the workbook will hold (one COUNT per sheet): small or background job."""
    return sum(SHEETS[key].count(scope) for key in (sheets or SHEETS))


def is_large(scope: AuditScope) -> bool:
    return estimate_rows(scope) >= LARGE_EXPORT_ROWS


def write_workbook(
    scope: AuditScope,
    fileobj,
    report: Report | None = None,
    *,
    sheets: Iterable[str] | None = None,
) -> list[SheetResult]:
    """Write the scope's workbook to ``fileobj`` (a path or a binary file), streaming.

    ``report(done, total)`` is called every ``PROGRESS_EVERY`` rows and at the end. Returns
    the sheets written with their data-row counts.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    keys = list(sheets or SHEETS)
    total = estimate_rows(scope, keys) if report else 0
    done = 0
    results = []
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    with translation.override("zh-hans"):
        for key in keys:
            sheet = SHEETS[key]
            ws = workbook.create_sheet(spreadsheets.sheet_title(sheet.title))
            ws.freeze_panes = "A2"
            for index, column in enumerate(sheet.columns, start=1):
                ws.column_dimensions[get_column_letter(index)].width = column.width
            centred = Alignment(horizontal="center", vertical="center")
            ws.append(
                [
                    spreadsheets.cell(ws, column.header, font=bold, alignment=centred)
                    for column in sheet.columns
                ]
            )

            # One styled cell per typed column, reused row after row (each row is written out
            # as it is appended, so reusing the cell is safe and saves an object per value).
            formatted = {}
            for index, column in enumerate(sheet.columns):
                if column.number_format:
                    formatted[index] = spreadsheets.cell(ws, number_format=column.number_format)
            sums: dict[int, Any] = {
                i: Decimal("0.00") if c.number_format == MONEY else 0
                for i, c in enumerate(sheet.columns)
                if c.total is not None
            }
            count_columns = {i for i, c in enumerate(sheet.columns) if c.total == COUNT}
            sum_columns = {i for i, c in enumerate(sheet.columns) if c.total == SUM}
            written = 0
            for values in sheet.rows(scope):
                in_totals = not isinstance(values, Uncounted)
                out = []
                for index, value in enumerate(values):
                    if value is None:
                        out.append(None)
                        continue
                    if in_totals:
                        if index in sum_columns:
                            sums[index] += value
                        elif index in count_columns and value != "":
                            sums[index] += 1
                    cell = formatted.get(index)
                    if cell is not None and not isinstance(value, str):
                        spreadsheets.set_value(cell, value)
                        out.append(cell)
                    else:
                        out.append(value)
                # Users typed the text: cleaned, and never a formula (core.spreadsheets).
                ws.append(spreadsheets.row(ws, out))
                written += 1
                done += 1
                if report and done % PROGRESS_EVERY == 0:
                    report(done, max(total, done))
            if sheet.totals and sums:
                ws.append(_totals_row(ws, sheet, sums, bold))
            results.append(SheetResult(sheet.identifier, sheet.title, written))
    workbook.save(fileobj)
    if report:
        report(done, max(total, done))
    return results


def _totals_row(ws, sheet: Sheet, sums: dict[int, Any], bold) -> list:
    """``合计`` in the first column, the sums and counts under their columns, in bold."""
    row = []
    for index, column in enumerate(sheet.columns):
        value = sheet.total_label if index == 0 else sums.get(index)
        number_format = None
        if column.total == SUM and column.number_format:
            number_format = column.number_format
        elif column.total == COUNT:
            number_format = INTEGER
        row.append(spreadsheets.cell(ws, value, font=bold, number_format=number_format))
    return row


# --- django-import-export's view of the activities (the admin, and the bench's baseline) ----


class ActivityResource(resources.ModelResource):
    """Activities as django-import-export exports them: every cell is text (STACK.md), made
    inert like every workbook we write."""

    studio_name = ie_fields.Field(attribute="studio__name", column_name="工作室")
    plaque_number = ie_fields.Field(attribute="studio__plaque_number", column_name="牌匾编号")
    held_on = ie_fields.Field(attribute="held_on", column_name="活动日期")
    kind = ie_fields.Field(attribute="kind", column_name="活动类型")
    title = ie_fields.Field(attribute="title", column_name="活动主题")
    online = ie_fields.Field(attribute="online", column_name="线上")
    place = ie_fields.Field(attribute="place", column_name="地点")

    class Meta:
        model = Activity
        fields = (
            "id",
            "studio_name",
            "plaque_number",
            "held_on",
            "kind",
            "title",
            "online",
            "place",
        )
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("studio")

    def export_field(self, field, instance, **kwargs):
        # tablib turns any text beginning with "=" into a formula and has no text type to ask
        # for, so formula-like text gets an apostrophe in front (core.spreadsheets.inert_text).
        return spreadsheets.inert_text(super().export_field(field, instance, **kwargs))
