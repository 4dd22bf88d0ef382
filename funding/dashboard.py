"""Reads for the funding dashboard: a year's allocations against confirmed spending, by county,
by expenditure category and by month, for the studios in the asking user's scope.

A city-wide role (the bureau, the centre, a city auditor) sees its city; a county reviewer or
county auditor their county. Every figure is one ``values().annotate(Sum(...))`` query, so the
page costs the same number of queries for 2 studios or 200. Money stays ``Decimal``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.permissions import scope_q
from policies.models import Policy
from studios.models import Studio

from .models import Allocation, Expenditure, ExpenditureStatus

DASHBOARD_ROLES = {Role.AUDITOR, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER, Role.COUNTY_REVIEWER}
ZERO = Decimal("0.00")
BUREAU_AFFILIATED = "bureau"  # the key of the line for studios outside every county


def dashboard_studios(user) -> QuerySet:
    """The studios whose money the user may see on the dashboard."""
    if user.is_superuser:
        return Studio.objects.all()
    return Studio.objects.filter(scope_q(user, roles=DASHBOARD_ROLES, prefix="school__"))


@dataclass
class Line:
    key: str
    label: str
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    # For a category: its spending as a share of the whole allocation (categories get none).
    share_of_allocation: Decimal | None = None

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.spent

    @property
    def percent_spent(self) -> Decimal | None:
        if not self.allocated:
            return None
        return (self.spent * 100 / self.allocated).quantize(Decimal("0.1"))


@dataclass
class MonthLine:
    month: int
    label: str
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    allocated_to_date: Decimal = ZERO
    spent_to_date: Decimal = ZERO


@dataclass
class FundingDashboard:
    year: int
    by_county: list[Line] = field(default_factory=list)
    by_category: list[Line] = field(default_factory=list)
    by_month: list[MonthLine] = field(default_factory=list)

    @property
    def allocated(self) -> Decimal:
        return sum((line.allocated for line in self.by_county), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((line.spent for line in self.by_county), ZERO)

    @property
    def total(self) -> Line:
        return Line("total", _("Total"), self.allocated, self.spent)

    @property
    def has_money(self) -> bool:
        return any(line.allocated or line.spent for line in self.by_county)

    def chart_data(self) -> dict:
        """What the charts draw, for ``json_script``: amounts as exact decimal strings."""

        def money(values):
            return [str(value) for value in values]

        return {
            "year": self.year,
            "series": {
                "allocated": _("Allocated"),
                "spent": _("Spent (confirmed)"),
                "allocated_to_date": _("Allocated to date"),
                "spent_to_date": _("Spent to date"),
            },
            "county": {
                "labels": [line.label for line in self.by_county],
                "allocated": money(line.allocated for line in self.by_county),
                "spent": money(line.spent for line in self.by_county),
            },
            "category": {
                "labels": [line.label for line in self.by_category],
                "spent": money(line.spent for line in self.by_category),
            },
            "month": {
                "labels": [line.label for line in self.by_month],
                "allocated": money(line.allocated for line in self.by_month),
                "spent": money(line.spent for line in self.by_month),
                "allocated_to_date": money(line.allocated_to_date for line in self.by_month),
                "spent_to_date": money(line.spent_to_date for line in self.by_month),
            },
        }


def dashboard_years(*, user) -> list[int]:
    """Years with an allocation or a confirmed expenditure in scope, newest first."""
    studios = dashboard_studios(user)
    years = set(
        Allocation.objects.filter(studio__in=studios)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years.update(
        Expenditure.objects.filter(studio__in=studios, status=ExpenditureStatus.CONFIRMED)
        .order_by()
        .annotate(year=ExtractYear("spent_on"))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years, reverse=True)


def funding_dashboard(*, user, year: int) -> FundingDashboard:
    """One year's allocations (by ``Allocation.year``) against confirmed spending (by date)."""
    studios = dashboard_studios(user)
    allocations = Allocation.objects.filter(studio__in=studios, year=year).order_by()
    spending = Expenditure.objects.filter(
        studio__in=studios, status=ExpenditureStatus.CONFIRMED, spent_on__year=year
    ).order_by()
    dashboard = FundingDashboard(
        year=year,
        by_county=_by_county(allocations, spending),
        by_category=_by_category(spending, studios),
        by_month=_by_month(allocations, spending, year),
    )
    allocated = dashboard.allocated
    for line in dashboard.by_category:
        if allocated:
            line.share_of_allocation = (line.spent * 100 / allocated).quantize(Decimal("0.1"))
    return dashboard


def _by_county(allocations: QuerySet, spending: QuerySet) -> list[Line]:
    keys = ("studio__county_id", "studio__county__code", "studio__county__name")
    lines: dict[object, Line] = {}

    def line(row) -> Line:
        county_id = row["studio__county_id"]
        if county_id not in lines:
            label = row["studio__county__name"] if county_id else _("Bureau-affiliated")
            lines[county_id] = Line(row["studio__county__code"] or BUREAU_AFFILIATED, label)
        return lines[county_id]

    for row in allocations.values(*keys).annotate(total=Sum("amount")):
        line(row).allocated += row["total"]
    for row in spending.values(*keys).annotate(total=Sum("amount")):
        line(row).spent += row["total"]
    # Counties by code; the bureau's own schools last.
    return sorted(lines.values(), key=lambda x: (x.key == BUREAU_AFFILIATED, x.key))


def _by_category(spending: QuerySet, studios: QuerySet) -> list[Line]:
    """Every category the policies in scope name (in their order), and any other code spent."""
    lines: dict[str, Line] = {}
    names: dict[tuple[int, str], str] = {}
    policies = Policy.objects.filter(pk__in=studios.values("policy_id")).order_by("pk")
    for policy_id, categories in policies.values_list("pk", "expenditure_categories"):
        for category in categories or []:
            code, name = category.get("code"), category.get("name") or category.get("code")
            names[(policy_id, code)] = name
            lines.setdefault(name, Line(code, name))
    for row in spending.values("studio__policy_id", "category").annotate(total=Sum("amount")):
        name = names.get((row["studio__policy_id"], row["category"]), row["category"])
        lines.setdefault(name, Line(row["category"], name)).spent += row["total"]
    return list(lines.values())


def _by_month(allocations: QuerySet, spending: QuerySet, year: int) -> list[MonthLine]:
    """Money in (allocations by the month approved; approved in an earlier year counts from
    January, a later one in December) against money out, month by month and to date."""
    months = [MonthLine(m, str(MONTHS[m])) for m in range(1, 13)]
    approved = allocations.values("approved_on__year", "approved_on__month").annotate(
        total=Sum("amount")
    )
    for row in approved:
        approved_year = row["approved_on__year"]
        month = (
            1 if approved_year < year else 12 if approved_year > year else row["approved_on__month"]
        )
        months[month - 1].allocated += row["total"]
    for row in spending.values("spent_on__month").annotate(total=Sum("amount")):
        months[row["spent_on__month"] - 1].spent += row["total"]
    allocated_to_date = spent_to_date = ZERO
    for line in months:
        allocated_to_date += line.allocated
        spent_to_date += line.spent
        line.allocated_to_date, line.spent_to_date = allocated_to_date, spent_to_date
    return months
