"""Allocations (经费下达): one studio's, or a batch's in one go (all or nothing),
within the policy's range.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from studios.models import Studio, StudioStatus

from .. import selectors
from ..errors import FundingError
from ..models import (
    Allocation,
)
from .shared import _finance_officers, _locked_studio, _studio_url, money, yuan


def _allocation_problem(studio: Studio, year: int, amount: Decimal) -> str | None:
    """Why ``studio`` may not get ``amount`` for ``year``, or None."""
    policy = studio.policy
    if studio.status != StudioStatus.ACTIVE:
        return _("%(studio)s is not active.") % {"studio": studio.name}
    if year not in selectors.term_years(studio):
        return _("%(year)s is outside %(studio)s's term (%(start)s – %(end)s).") % {
            "year": year,
            "studio": studio.name,
            "start": studio.term_start.isoformat(),
            "end": studio.term_end.isoformat(),
        }
    low, high = policy.funding_min, policy.funding_max
    if (low is not None and amount < low) or (high is not None and amount > high):
        return _(
            "%(amount)s yuan is outside the policy's yearly range (%(low)s – %(high)s yuan)."
        ) % {
            "amount": yuan(amount),
            "low": yuan(low) if low is not None else "—",
            "high": yuan(high) if high is not None else "—",
        }
    if policy.special_account_required and selectors.special_account(studio.school) is None:
        return _("%(school)s has no special account yet: its finance officer records it first.") % {
            "school": studio.school.name
        }
    return None


def _allocate(
    *,
    actor: User,
    studio: Studio,
    year: int,
    amount: Decimal,
    document_number: str,
    approved_on: date,
) -> Allocation:
    account = selectors.special_account(studio.school)
    allocation = Allocation.objects.select_for_update().filter(studio=studio, year=year).first()
    before = str(allocation.amount) if allocation else ""
    if allocation is None:
        allocation = Allocation(studio=studio, year=year, created_by=actor)
    allocation.amount = amount
    allocation.document_number = document_number
    allocation.approved_on = approved_on
    allocation.bank = account.bank if account else ""
    allocation.account_name = account.account_name if account else ""
    allocation.account_number = account.account_number if account else ""
    allocation.save()
    if before:
        # A lowered allocation may not leave what was already spent uncovered.
        short = min((b.remaining for b in selectors.balances(studio) if b.year >= year), default=0)
        if short < 0:
            raise FundingError(
                _(
                    "%(studio)s has already spent or committed more than %(amount)s yuan "
                    "allows (%(short)s yuan short)."
                )
                % {"studio": studio.name, "amount": yuan(amount), "short": yuan(-short)}
            )
    audit_record(
        actor=actor,
        obj=allocation,
        verb="funding.allocation.changed" if before else "funding.allocation.made",
        from_state=before,
        to_state=str(amount),
        comment=document_number,
    )
    notify(
        [studio.host, *_finance_officers(studio.school)],
        verb="funding.allocation.made",
        title=lambda: (
            _("%(studio)s: %(amount)s yuan allocated for %(year)s")
            % {"studio": studio.name, "amount": yuan(amount), "year": year}
        ),
        body=lambda: (
            _("Approving document %(document)s of %(day)s.")
            % {"document": document_number, "day": approved_on.isoformat()}
        ),
        url=_studio_url(studio),
        obj=allocation,
    )
    return allocation


def _allocation_inputs(document_number: str, approved_on: date, today: date | None) -> str:
    document_number = document_number.strip()
    if not document_number:
        raise FundingError(_("Give the approving document's number."))
    if today is not None and approved_on > today:
        raise FundingError(_("The approval date is in the future."))
    return document_number


@transaction.atomic
def allocation_save(
    *,
    actor: User,
    studio: Studio,
    year: int,
    amount,
    document_number: str,
    approved_on: date,
    today: date | None = None,
) -> Allocation:
    """The bureau allocates ``year``'s money to one studio (or corrects that year's allocation),
    paid to the host school's special account, whose details are copied onto the allocation."""
    if not can(actor, "funding.allocate", studio):
        raise FundingError(_("Only the studio's municipal bureau allocates its money."))
    amount = money(amount)
    document_number = _allocation_inputs(document_number, approved_on, today)
    studio = _locked_studio(studio)
    problem = _allocation_problem(studio, year, amount)
    if problem:
        raise FundingError(problem)
    return _allocate(
        actor=actor,
        studio=studio,
        year=year,
        amount=amount,
        document_number=document_number,
        approved_on=approved_on,
    )


@dataclass
class BulkResult:
    created: list[Allocation] = field(default_factory=list)
    skipped: list[Studio] = field(default_factory=list)  # already had this year's allocation


@transaction.atomic
def allocations_bulk(
    *,
    actor: User,
    call,
    year: int,
    amount,
    document_number: str,
    approved_on: date,
    today: date | None = None,
) -> BulkResult:
    """One document allocates the same amount to every active studio of a batch. All or
    nothing: if any studio may not receive it, none does, and each problem is named. Studios
    that already have this year's allocation keep it (change those one by one)."""
    amount = money(amount)
    document_number = _allocation_inputs(document_number, approved_on, today)
    studios = list(
        Studio.objects.select_for_update(of=("self",))
        .filter(call=call, status=StudioStatus.ACTIVE)
        .select_related("policy", "school", "host")
        .order_by("plaque_number")
    )
    if not studios:
        raise FundingError(_("This batch has no active studio."))
    problems = []
    for studio in studios:
        if not can(actor, "funding.allocate", studio):
            problems.append(
                _("%(studio)s: only its municipal bureau allocates its money.")
                % {"studio": studio.name}
            )
            continue
        problem = _allocation_problem(studio, year, amount)
        if problem:
            problems.append(f"{studio.name}: {problem}")
    if problems:
        raise FundingError(
            _("Nothing was allocated: %(count)d studios cannot receive this allocation.")
            % {"count": len(problems)},
            problems=problems,
        )
    result = BulkResult()
    taken = set(
        Allocation.objects.filter(studio__in=studios, year=year).values_list("studio_id", flat=True)
    )
    for studio in studios:
        if studio.pk in taken:
            result.skipped.append(studio)
            continue
        result.created.append(
            _allocate(
                actor=actor,
                studio=studio,
                year=year,
                amount=amount,
                document_number=document_number,
                approved_on=approved_on,
            )
        )
    return result
