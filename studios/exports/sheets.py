"""The audit workbook's sheets about studios, their teams, activities, quotas, and the trail.

Each column is stated once (header, width, format, total, path, how it is shown); the writer
is ``core.exports.write_workbook``. Registered when the studios app is ready.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf

from accounts.models import AuditEntry, SchoolStage
from core.exports import (
    COUNT,
    DATE,
    DATETIME,
    INTEGER,
    MONTH,
    SUM,
    Column,
    PathSheet,
    Sheet,
    labelled,
    local_time,
    or_none,
    register,
    yes_no,
)
from core.privacy import mask_date
from policies.models import ActivityKind, TeamRole

from ..compliance import compliance_grid
from ..models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Membership,
    MembershipSource,
    Studio,
    StudioStatus,
)
from .scope import AuditScope


def county_name(name: str | None, _scope=None) -> str:
    """A bureau-affiliated school has no county: 局属."""
    return name or "局属"


def studio_columns(prefix: str = "studio__") -> tuple[Column, ...]:
    """The three columns every per-studio sheet starts with, read through ``prefix``."""
    return (
        Column("工作室", 36, path=f"{prefix}name"),
        Column("牌匾编号", 18, path=f"{prefix}plaque_number"),
        Column("县（市、区）", 14, path=f"{prefix}school__county__name", show=county_name),
    )


def year_overlap(scope: AuditScope, start: str, end: str) -> Q:
    """Rows whose [start, end] (end may be open) meets the scope's year."""
    if scope.year is None:
        return Q()
    return Q(**{f"{start}__year__lte": scope.year}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__year__gte": scope.year})
    )


def _birth_month(value, scope: AuditScope):
    return value if scope.reveal_personal or value is None else mask_date(value)


@register
class StudiosSheet(PathSheet):
    identifier = "studios"
    title = "工作室"
    position = 10
    order_by = ("plaque_number", "pk")
    columns = (
        Column("工作室", 36, path="name"),
        Column("牌匾编号", 18, total=COUNT, path="plaque_number"),
        Column("县（市、区）", 14, path="school__county__name", show=county_name),
        Column("所在学校", 28, path="school__name"),
        Column("主持人", 10, path="host__full_name"),
        Column("学段", 10, path="school_stage", show=labelled(SchoolStage)),
        Column("批次", 30, path="call__title"),
        Column("任期开始", 12, DATE, path="term_start"),
        Column("任期结束", 12, DATE, path="term_end"),
        Column("发布日期", 12, DATE, path="published_on"),
        Column("状态", 10, path="status", show=labelled(StudioStatus)),
        Column("撤销日期", 12, DATE, path="revoked_on"),
        Column("结对县（市、区）", 16, path="paired_county__name"),
    )

    def queryset(self, scope):
        return Studio.objects.filter(
            scope.studio_q(), year_overlap(scope, "term_start", "term_end")
        )


@register
class MembershipsSheet(PathSheet):
    identifier = "memberships"
    title = "成员"
    position = 20
    order_by = ("studio__plaque_number", "role", "start_date", "pk")
    columns = (
        *studio_columns(),
        Column("角色", 10, path="role", show=labelled(TeamRole)),
        Column("姓名", 10, total=COUNT, path="name"),
        Column("性别", 6, path="gender"),
        Column("出生年月", 12, MONTH, path="birth_month", show=_birth_month),
        Column("工作单位", 28, path="work_unit"),
        Column("职称", 14, path="professional_title"),
        Column("职务", 14, path="post"),
        Column("班主任年限", 10, INTEGER, path="head_teacher_years"),
        Column("来源", 14, path="source", show=labelled(MembershipSource)),
        Column("加入日期", 12, DATE, path="start_date"),
        Column("退出日期", 12, DATE, path="end_date"),
        Column("退出原因", 30, path="end_reason"),
    )

    def queryset(self, scope):
        return Membership.objects.filter(
            scope.studio_q("studio__"), year_overlap(scope, "start_date", "end_date")
        )


@register
class ActivitiesSheet(PathSheet):
    """One row per activity (grouped by the activity, never by equal-looking rows)."""

    identifier = "activities"
    title = "活动与考勤"
    position = 30
    order_by = ("studio__plaque_number", "held_on", "pk")
    columns = (
        *studio_columns(),
        Column("活动日期", 12, DATE, path="held_on"),
        Column("活动类型", 16, path="kind", show=labelled(ActivityKind)),
        Column("活动主题", 36, total=COUNT, path="title"),
        Column("线上", 6, path="online", show=yes_no),
        Column("地点", 24, path="place"),
        Column("服务县（市、区）", 16, path="served_county__name"),
        Column("出席", 8, INTEGER, SUM, path="n_present"),
        Column("请假", 8, INTEGER, SUM, path="n_leave"),
        Column("缺勤", 8, INTEGER, SUM, path="n_absent"),
        Column("成员已确认", 10, INTEGER, SUM, path="n_confirmed"),
    )

    def annotations(self):
        marked = Q(attendance__status=AttendanceStatus.PRESENT)
        return {
            "n_present": Count("attendance", filter=marked),
            "n_leave": Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
            "n_absent": Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
            "n_confirmed": Count("attendance", filter=Q(attendance__confirmed_at__isnull=False)),
        }

    def queryset(self, scope):
        queryset = Activity.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(held_on__year=scope.year)
        return queryset


@register
class AttendanceSheet(PathSheet):
    identifier = "attendance"
    title = "考勤明细"
    position = 40
    order_by = ("activity__studio__plaque_number", "activity__held_on", "activity_id", "pk")
    columns = (
        *studio_columns("activity__studio__"),
        Column("活动日期", 12, DATE, path="activity__held_on"),
        Column("活动主题", 36, path="activity__title"),
        Column("成员", 10, total=COUNT, path="membership__name"),
        Column("角色", 10, path="membership__role", show=labelled(TeamRole)),
        Column("考勤", 10, path="status", show=labelled(AttendanceStatus)),
        Column("请假事由", 24, path="leave_reason"),
        Column("成员确认时间", 17, DATETIME, path="confirmed_at", show=local_time),
    )

    def queryset(self, scope):
        queryset = Attendance.objects.filter(scope.studio_q("activity__studio__"))
        if scope.year is not None:
            queryset = queryset.filter(activity__held_on__year=scope.year)
        return queryset


@register
class ComplianceSheet(Sheet):
    """Every quota of every studio as of the scope's day (``compliance_grid``: constant
    queries). Rows are (studio, quota); the grid holds a studio's states in memory, which is
    bounded by the number of studios, not of activities."""

    identifier = "compliance"
    title = "任务达标"
    position = 50
    columns = (
        *studio_columns(""),
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
        return Studio.objects.filter(scope.studio_q(), status=StudioStatus.ACTIVE).filter(
            year_overlap(scope, "term_start", "term_end")
        )

    def count(self, scope):
        # studios × their policy's quotas, in one query
        return self.queryset(scope).aggregate(n=Count("policy__activity_quotas"))["n"]

    def rows(self, scope):
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
                    county_name(county),
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


def _actor(name, _scope=None) -> str:
    return name or "系统"


@register
class AuditTrailSheet(PathSheet):
    """The recorded transitions of the organisations in scope (a batch does not narrow it:
    the trail is kept per organisation)."""

    identifier = "audit_trail"
    title = "操作记录"
    position = 900  # always last
    order_by = ("created_at", "pk")
    columns = (
        Column("时间", 17, DATETIME, path="created_at", show=local_time),
        Column("单位", 28, path="organisation__name"),
        Column("操作人", 12, path="actor_shown", show=_actor),
        Column("操作", 36, total=COUNT, path="verb"),
        Column("对象", 36, path="object_repr"),
        Column("原状态", 14, path="from_state", show=or_none),
        Column("新状态", 14, path="to_state", show=or_none),
        Column("说明", 40, path="comment", show=or_none),
    )

    def annotations(self):
        # The actor's name, else their username; a job's entries have no actor (系统).
        return {
            "actor_shown": Coalesce(NullIf(F("actor__full_name"), Value("")), F("actor__username"))
        }

    def queryset(self, scope):
        queryset = AuditEntry.objects.filter(scope.organisation_q("organisation__"))
        if scope.year is not None:
            queryset = queryset.filter(created_at__year=scope.year)
        return queryset
