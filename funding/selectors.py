"""Reads for studio money: balances per year (with carry-over inside the term), the ledger, the
spending by category, and the scoped look-ups the pages use.

Sums are made in Python over ``Decimal`` values, so every figure is exact to the fen whatever
the database (SQLite sums decimals as floats).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.permissions import role_assignments, scope_q
from studios.models import Studio, StudioStatus
from studios.selectors import studios_for

from .models import Allocation, Expenditure, ExpenditureStatus, FixedAsset, SpecialAccount

ZERO = Decimal("0.00")


# --- the term's years and the balance --------------------------------------------------------


def term_years(studio: Studio) -> list[int]:
    """The calendar (budget) years the term touches, up to revocation for a revoked studio."""
    last = studio.term_end
    if studio.status == StudioStatus.REVOKED and studio.revoked_on:
        last = min(last, studio.revoked_on)
    return list(range(studio.term_start.year, max(last.year, studio.term_start.year) + 1))


def in_term(studio: Studio, day: date) -> bool:
    return studio.term_start <= day <= studio.term_end


@dataclass
class Balance:
    """One year of a studio's money. Cumulative figures run from the start of the term, so what
    is left at a year's end carries over into the next (``carried_in``).

    ``pending`` counts entries still waiting for the finance officer that take money out; a
    pending reversal gives money back only once it is confirmed.
    """

    year: int
    allocation: Allocation | None = None
    carried_in: Decimal = ZERO
    allocated_in_year: Decimal = ZERO
    spent_in_year: Decimal = ZERO
    pending_in_year: Decimal = ZERO
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    pending: Decimal = ZERO
    categories: dict = field(default_factory=dict)

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.spent - self.pending

    @property
    def available_in_year(self) -> Decimal:
        return self.carried_in + self.allocated_in_year


def balances(studio: Studio, *, exclude_pk: int | None = None) -> list[Balance]:
    """Every year of the term, oldest first. Two queries."""
    allocations = {a.year: a for a in Allocation.objects.filter(studio=studio)}
    entries = Expenditure.objects.filter(
        studio=studio, spent_on__range=(studio.term_start, studio.term_end)
    ).exclude(status=ExpenditureStatus.REJECTED)
    if exclude_pk is not None:
        entries = entries.exclude(pk=exclude_pk)
    per_year: dict[int, list[tuple[str, str, Decimal]]] = {}
    for spent_on, status, category, amount in entries.values_list(
        "spent_on", "status", "category", "amount"
    ):
        per_year.setdefault(spent_on.year, []).append((status, category, amount))
    result: list[Balance] = []
    allocated = spent = pending = ZERO
    for year in term_years(studio):
        b = Balance(year=year, allocation=allocations.get(year))
        b.carried_in = allocated - spent - pending
        b.allocated_in_year = allocations[year].amount if year in allocations else ZERO
        for status, category, amount in per_year.get(year, []):
            row = b.categories.setdefault(category, {"confirmed": ZERO, "pending": ZERO})
            if status == ExpenditureStatus.CONFIRMED:
                b.spent_in_year += amount
                row["confirmed"] += amount
            elif amount > 0:
                b.pending_in_year += amount
                row["pending"] += amount
        allocated += b.allocated_in_year
        spent += b.spent_in_year
        pending += b.pending_in_year
        b.allocated, b.spent, b.pending = allocated, spent, pending
        result.append(b)
    return result


def balance(studio: Studio, year: int) -> Balance:
    """The studio's money in ``year``: allocated to date in the term, spent (confirmed),
    pending, remaining. A year outside the term gives the term's figures at its nearest end."""
    rows = balances(studio)
    for b in rows:
        if b.year == year:
            return b
    if rows and year > rows[-1].year:
        last = rows[-1]
        return Balance(
            year=year,
            carried_in=last.remaining,
            allocated=last.allocated,
            spent=last.spent,
            pending=last.pending,
        )
    return Balance(year=year)


def remaining_in_term(studio: Studio) -> Decimal:
    rows = balances(studio)
    return rows[-1].remaining if rows else ZERO


def by_category(studio: Studio, year: int) -> list[dict]:
    """The policy's categories in its order, with the year's confirmed and pending spending."""
    b = balance(studio, year)
    rows = []
    for cat in studio.policy.expenditure_categories:
        sums = b.categories.get(cat["code"], {"confirmed": ZERO, "pending": ZERO})
        rows.append({"code": cat["code"], "name": cat["name"], **sums})
    return rows


def category_names(studio: Studio) -> dict[str, str]:
    return {c["code"]: c["name"] for c in studio.policy.expenditure_categories}


def ledger(studio: Studio, year: int) -> QuerySet[Expenditure]:
    """The year's entries, newest first, with what each reverses or is reversed by."""
    return (
        Expenditure.objects.filter(studio=studio, spent_on__year=year)
        .select_related("activity", "reverses", "reversed_by", "recorded_by", "decided_by")
        .order_by("-spent_on", "-pk")
    )


def assets(studio: Studio) -> QuerySet[FixedAsset]:
    return FixedAsset.objects.filter(studio=studio).select_related("school", "expenditure")


# --- scoped look-ups --------------------------------------------------------------------------


def studios_for_funding(user: User) -> QuerySet[Studio]:
    """Studios whose money the user may read: those whose page they may open, and the studios
    hosted at a school where they are the finance officer."""

    if user.is_superuser:
        return studios_for(user)
    finance = Studio.objects.filter(scope_q(user, roles={Role.FINANCE_OFFICER}, prefix="school__"))
    return Studio.objects.filter(
        Q(pk__in=studios_for(user).values("pk")) | Q(pk__in=finance.values("pk"))
    ).select_related("school", "county", "policy", "host", "paired_county")


def studio_for_funding(user: User, pk: int) -> Studio | None:
    return studios_for_funding(user).filter(pk=pk).first()


def expenditure_for(user: User, pk: int) -> Expenditure | None:
    return (
        Expenditure.objects.filter(pk=pk, studio__in=studios_for_funding(user).values("pk"))
        .select_related("studio__policy", "studio__school", "studio__host", "reverses")
        .first()
    )


def finance_queue(user: User) -> QuerySet[Expenditure]:
    """Entries waiting for this finance officer: every studio hosted at their schools."""
    schools = [ra.organisation_id for ra in _assignments(user) if ra.role == Role.FINANCE_OFFICER]
    return (
        Expenditure.objects.filter(studio__school_id__in=schools, status=ExpenditureStatus.PENDING)
        .select_related("studio", "studio__policy", "activity", "reverses", "recorded_by")
        .order_by("spent_on", "pk")
    )


def recently_decided(user: User, limit: int = 20) -> QuerySet[Expenditure]:
    return (
        Expenditure.objects.filter(decided_by=user)
        .select_related("studio", "studio__policy")
        .order_by("-decided_at")[:limit]
    )


def _assignments(user: User):
    return role_assignments(user)


def schools_for_account(user: User) -> QuerySet[Organisation]:
    """Schools whose special account the user keeps: their own (finance officer), or every school
    of the city (the bureau)."""
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
    if user.is_superuser:
        return schools
    return schools.filter(
        scope_q(user, roles={Role.FINANCE_OFFICER, Role.MUNICIPAL_ADMIN})
    ).select_related("city")


def school_for_account(user: User, pk: int) -> Organisation | None:
    return schools_for_account(user).filter(pk=pk).first()


def special_account(school: Organisation) -> SpecialAccount | None:
    return SpecialAccount.objects.filter(school=school).first()


def allocation_studios(user: User) -> QuerySet[Studio]:
    """The bureau's page: the active studios of its city, batch by batch."""
    queryset = Studio.objects.filter(status=StudioStatus.ACTIVE)
    if not user.is_superuser:
        queryset = queryset.filter(scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="school__"))
    return queryset.select_related("school", "policy", "call").order_by("call", "plaque_number")


def allocations_in(studios, year: int) -> dict[int, Allocation]:
    return {a.studio_id: a for a in Allocation.objects.filter(studio__in=list(studios), year=year)}


def studios_without_allocation(user: User, year: int) -> QuerySet[Studio]:
    queryset = Studio.objects.filter(
        status=StudioStatus.ACTIVE, term_start__year__lte=year, term_end__year__gte=year
    ).exclude(allocations__year=year)
    if not user.is_superuser:
        queryset = queryset.filter(scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="school__"))
    return queryset
