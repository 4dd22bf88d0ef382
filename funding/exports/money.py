"""The audit workbook's sheets about money: allocations, spending, assets, returns.

Registered with core.exports when the funding app is ready; each column is stated once.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.exports import (
    CHUNK_SIZE,
    COUNT,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    SUM,
    Column,
    PathSheet,
    Sheet,
    Uncounted,
    local_time,
    register,
)
from policies.models import Policy
from studios.exports.scope import AuditScope
from studios.exports.sheets import county_name, studio_columns

from ..models import Allocation, Expenditure, ExpenditureStatus, FixedAsset, FundReturn


@register
class AllocationsSheet(PathSheet):
    identifier = "allocations"
    title = "经费下达"
    position = 60
    order_by = ("studio__plaque_number", "year", "pk")
    columns = (
        *studio_columns(),
        Column("年度", 8, INTEGER, path="year"),
        Column("金额（元）", 16, MONEY, SUM, path="amount"),
        Column("批准文号", 24, total=COUNT, path="document_number"),
        Column("批准日期", 12, DATE, path="approved_on"),
        Column("开户银行", 24, path="bank"),
        Column("户名", 24, path="account_name"),
        Column("账号", 24, path="account_number"),
    )

    def queryset(self, scope):
        queryset = Allocation.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(year=scope.year)
        return queryset


def _category_names(scope: AuditScope) -> dict[tuple[int, str], str]:
    """(policy id, category code) → the category's name, for the policies in scope."""
    names = {}
    for pk, categories in Policy.objects.filter(city=scope.city).values_list(
        "pk", "expenditure_categories"
    ):
        for category in categories or []:
            names[(pk, category.get("code"))] = category.get("name") or category.get("code")
    return names


# The workbook's own words for the funding states (the document is Chinese whatever the
# interface language).
EXPENDITURE_STATUS = {"pending": "待财务确认", "confirmed": "已确认", "rejected": "已退回"}


@register
class ExpendituresSheet(Sheet):
    """Every entry with its status; the totals row sums the confirmed entries only (pending
    ones are not yet spending, rejected ones never were). Reversals are negative entries."""

    identifier = "expenditures"
    title = "经费支出明细"
    position = 70
    total_label = "合计（已确认）"
    columns = (
        *studio_columns(),
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
        queryset = Expenditure.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(spent_on__year=scope.year)
        return queryset

    def rows(self, scope):
        names = _category_names(scope)
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
        for (
            name,
            plaque,
            county,
            spent_on,
            policy_id,
            category,
            amount,
            payee,
            purpose,
            activity,
            status,
            reverses,
            decided_at,
        ) in values.iterator(chunk_size=CHUNK_SIZE):
            shown = (
                name,
                plaque,
                county_name(county),
                spent_on,
                names.get((policy_id, category), category),
                amount,
                payee,
                purpose,
                activity,
                EXPENDITURE_STATUS.get(status, status),
                reverses,
                local_time(decided_at),
            )
            yield shown if status == ExpenditureStatus.CONFIRMED else Uncounted(shown)


@register
class ExpenditureCategoriesSheet(Sheet):
    identifier = "expenditure_categories"
    title = "支出分类汇总"
    position = 80
    columns = (
        *studio_columns(),
        Column("类别", 16),
        Column("已确认金额（元）", 18, MONEY, SUM),
        Column("待确认金额（元）", 18, MONEY, SUM),
        Column("已确认笔数", 10, INTEGER, SUM),
        Column("下达经费（元）", 18, MONEY),
    )

    def _spending(self, scope):
        return ExpendituresSheet().queryset(scope).exclude(status=ExpenditureStatus.REJECTED)

    def queryset(self, scope):
        return self._spending(scope).order_by().values("studio_id", "category").distinct()

    def rows(self, scope):
        names = _category_names(scope)
        confirmed = Q(status=ExpenditureStatus.CONFIRMED)
        pending = Q(status=ExpenditureStatus.PENDING)
        values = (
            self._spending(scope)
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
                county_name(row["studio__school__county__name"]),
                names.get((row["studio__policy_id"], row["category"]), row["category"]),
                row["confirmed_sum"],
                row["pending_sum"],
                row["confirmed_count"],
                # The studio's allocation, on its first line only (so that it is not added twice).
                None if plaque in shown else allocated.get(plaque),
            )
            shown.add(plaque)


@register
class FixedAssetsSheet(PathSheet):
    identifier = "fixed_assets"
    title = "固定资产"
    position = 90
    order_by = ("studio__plaque_number", "asset_number", "pk")
    columns = (
        *studio_columns(),
        Column("资产编号", 18, total=COUNT, path="asset_number"),
        Column("资产名称", 28, path="description"),
        Column("登记学校", 28, path="school__name"),
        Column("价值（元）", 16, MONEY, SUM, path="value"),
        Column("购置日期", 12, DATE, path="acquired_on"),
        Column("存放地点", 20, path="location"),
        Column("保管人", 10, path="custodian"),
        Column("处置日期", 12, DATE, path="disposed_on"),
        Column("处置说明", 24, path="disposal_reason"),
    )

    def queryset(self, scope):
        queryset = FixedAsset.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(acquired_on__year__lte=scope.year).filter(
                Q(disposed_on__isnull=True) | Q(disposed_on__year__gte=scope.year)
            )
        return queryset


@register
class FundReturnsSheet(PathSheet):
    identifier = "fund_returns"
    title = "经费缴回"
    position = 100
    order_by = ("studio__plaque_number", "pk")
    columns = (
        *studio_columns(),
        Column("缴回日期", 12, DATE, path="returned_on"),
        Column("金额（元）", 16, MONEY, SUM, path="amount"),
        Column("原因", 36, total=COUNT, path="reason"),
    )

    def queryset(self, scope):
        queryset = FundReturn.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(returned_on__year=scope.year)
        return queryset
