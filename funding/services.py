"""Writes for studio money: the host school's special account (专户), yearly allocations (one
studio or a whole batch), expenditures (专款专用) confirmed or rejected by the school's finance
officer and corrected only by reversals, fixed assets, and the funds a revoked studio returns.

Every rule is read from the studio's policy: the yearly range (``funding_min``/``funding_max``),
the categories (``expenditure_categories``), whether the school must keep a special account
(``special_account_required``) and whether equipment becomes a state fixed asset
(``equipment_becomes_fixed_asset``). No city is named here.

Money is ``Decimal`` to the fen, never float. Each write asks ``accounts.permissions.can``,
runs in a transaction, records itself with ``audit_record`` and tells whoever acts next with
``notify``.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.permissions import can
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify
from core.uploads import UploadRefused, checked_upload
from studios.models import Activity, Studio, StudioStatus

from . import selectors, workflow
from .errors import FundingError
from .models import (
    Allocation,
    Expenditure,
    ExpenditureStatus,
    FixedAsset,
    FundReturn,
    SpecialAccount,
)

RECEIPT_TYPES = {".jpg", ".jpeg", ".png", ".pdf"}
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_AMOUNT = Decimal("9999999999.99")
FEN = Decimal("0.01")


def yuan(amount: Decimal) -> str:
    """15000 → "15,000.00" (messages show money like the pages do)."""
    return f"{amount:,.2f}"


def money(value, *, label: str = "") -> Decimal:
    """A positive amount of yuan with at most two decimals, from a Decimal, int or string."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise FundingError(_("“%(value)s” is not an amount of yuan.") % {"value": value}) from None
    if not amount.is_finite():
        raise FundingError(_("“%(value)s” is not an amount of yuan.") % {"value": value})
    if amount != amount.quantize(FEN):
        raise FundingError(
            _("Amounts are in yuan to the fen: at most two decimals (%(value)s).")
            % {"value": value}
        )
    if amount <= 0:
        raise FundingError(_("The amount must be more than zero."))
    if amount > MAX_AMOUNT:
        raise FundingError(_("The amount is too large."))
    return amount.quantize(FEN)


def _finance_officers(school: Organisation) -> list[User]:
    return users_with_role(Role.FINANCE_OFFICER, school)


def _studio_url(studio: Studio) -> str:
    return reverse("funding:studio_funding", args=[studio.pk])


def _locked_studio(studio: Studio) -> Studio:
    return (
        Studio.objects.select_for_update(of=("self",))
        .select_related("policy", "school", "host")
        .get(pk=studio.pk)
    )


# --- the special account (专户) ---------------------------------------------------------------


@transaction.atomic
def special_account_save(
    *, actor: User, school: Organisation, bank: str, account_name: str, account_number: str
) -> SpecialAccount:
    """The school's finance officer (or the city's bureau) records the school's special account.
    Allocations already paid keep the account they were paid to."""
    if school.kind != OrganisationKind.SCHOOL:
        raise FundingError(_("Only a school keeps a special account."))
    if not can(actor, "funding.manage_special_account", school):
        raise FundingError(_("You may not keep this school's special account."))
    bank, account_name = bank.strip(), account_name.strip()
    account_number = "".join(account_number.split())
    if not (bank and account_name and account_number):
        raise FundingError(_("Give the bank, the account name and the account number."))
    account = SpecialAccount.objects.select_for_update().filter(school=school).first()
    before = str(account) if account else ""
    if account is None:
        account = SpecialAccount(school=school)
    account.bank, account.account_name, account.account_number = bank, account_name, account_number
    try:
        account.full_clean(exclude=["school"])
    except ValidationError as exc:
        raise FundingError(" ".join(exc.messages)) from exc
    account.save()
    # The account is not a state: what it was and is now goes into the comment.
    audit_record(
        actor=actor,
        obj=account,
        verb="funding.special_account.saved",
        comment=f"{before or '—'} → {account} ({account.account_number})",
    )
    return account


# --- allocations ------------------------------------------------------------------------------


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


# --- expenditures -----------------------------------------------------------------------------


def _check_entry(
    *,
    studio: Studio,
    category: str,
    amount: Decimal,
    spent_on: date,
    payee: str,
    purpose: str,
    activity: Activity | None,
    today: date,
    exclude_pk: int | None = None,
) -> None:
    names = selectors.category_names(studio)
    if category not in names:
        raise FundingError(
            _(
                "“%(category)s” is not one of the policy's expenditure categories (%(names)s): "
                "the money is only for its purpose."
            )
            % {"category": category, "names": "、".join(names.values())}
        )
    if not payee.strip() or not purpose.strip():
        raise FundingError(_("Give the payee and the purpose."))
    if spent_on > today:
        raise FundingError(_("The date is in the future."))
    if not selectors.in_term(studio, spent_on):
        raise FundingError(
            _("The date is outside the studio's term (%(start)s – %(end)s).")
            % {"start": studio.term_start.isoformat(), "end": studio.term_end.isoformat()}
        )
    if activity is not None and activity.studio_id != studio.pk:
        raise FundingError(_("The activity is not one of this studio's."))
    # Carry-over inside the term: at the end of the entry's year and of every later year, what
    # was allocated so far must cover what is spent or waiting so far.
    rows = [b for b in selectors.balances(studio, exclude_pk=exclude_pk) if b.year >= spent_on.year]
    available = min((b.remaining for b in rows), default=Decimal("0"))
    if amount > available:
        raise FundingError(
            _(
                "%(amount)s yuan is more than the studio has left: %(available)s yuan "
                "(allocated so far in the term, less what is spent or waiting for confirmation)."
            )
            % {"amount": yuan(amount), "available": yuan(max(available, Decimal("0")))}
        )


def _check_receipt(receipt):
    """The file to store for ``receipt`` (a re-encoded image or the checked PDF)."""
    try:
        return checked_upload(receipt, accept=RECEIPT_TYPES, max_bytes=MAX_RECEIPT_BYTES)
    except UploadRefused as exc:
        raise FundingError(str(exc)) from exc


def _tell_finance_officers(expenditure: Expenditure) -> None:
    studio = expenditure.studio
    notify(
        _finance_officers(studio.school),
        verb="funding.expenditure.recorded",
        title=lambda: (
            _("%(studio)s: %(amount)s yuan to confirm")
            % {"studio": studio.name, "amount": yuan(expenditure.amount)}
        ),
        body=lambda: (
            f"{expenditure.spent_on.isoformat()} {expenditure.payee} · {expenditure.purpose}"
        ),
        url=reverse("funding:finance_queue"),
        obj=expenditure,
    )


@transaction.atomic
def expenditure_record(
    *,
    actor: User,
    studio: Studio,
    category: str,
    amount,
    spent_on: date,
    payee: str,
    purpose: str,
    receipt,
    today: date,
    activity: Activity | None = None,
) -> Expenditure:
    """The host records one payment from the studio's money; the finance officer confirms it."""
    if not can(actor, "funding.record_expenditure", studio):
        raise FundingError(_("Only the studio's host records its spending."))
    amount = money(amount)
    studio = _locked_studio(studio)  # two entries at once are checked one after the other
    if studio.status == StudioStatus.REVOKED:
        raise FundingError(_("The studio has been revoked: its money has been returned."))
    if receipt is None:
        raise FundingError(_("Attach the receipt (a scan or photo: PDF, JPG or PNG)."))
    receipt = _check_receipt(receipt)
    _check_entry(
        studio=studio,
        category=category,
        amount=amount,
        spent_on=spent_on,
        payee=payee,
        purpose=purpose,
        activity=activity,
        today=today,
    )
    expenditure = Expenditure.objects.create(
        studio=studio,
        category=category,
        amount=amount,
        spent_on=spent_on,
        payee=payee.strip()[:120],
        purpose=purpose.strip()[:300],
        activity=activity,
        receipt=receipt,
        receipt_name=receipt.name[:200],
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        obj=expenditure,
        verb="funding.expenditure.recorded",
        to_state=ExpenditureStatus.PENDING,
        comment=f"{category} {amount}",
    )
    _tell_finance_officers(expenditure)
    return expenditure


def _locked_expenditure(expenditure: Expenditure) -> Expenditure:
    return (
        Expenditure.objects.select_for_update(of=("self",))
        .select_related("studio__policy", "studio__school", "studio__host", "reverses")
        .get(pk=expenditure.pk)
    )


@transaction.atomic
def expenditure_update(
    *,
    actor: User,
    expenditure: Expenditure,
    category: str,
    amount,
    spent_on: date,
    payee: str,
    purpose: str,
    today: date,
    activity: Activity | None = None,
    receipt=None,
) -> Expenditure:
    """The host corrects an entry the finance officer has not decided yet. A confirmed (or
    rejected) entry is never edited: a confirmed one is corrected by a reversal."""
    if not can(actor, "funding.record_expenditure", expenditure.studio):
        raise FundingError(_("Only the studio's host records its spending."))
    amount = money(amount)
    _locked_studio(expenditure.studio)
    locked = _locked_expenditure(expenditure)
    if locked.status == ExpenditureStatus.CONFIRMED:
        raise FundingError(
            _("A confirmed entry is never changed: record a reversal, then a new entry.")
        )
    if locked.status != ExpenditureStatus.PENDING or locked.reverses_id:
        raise FundingError(_("Only an entry still waiting for confirmation can be changed."))
    if receipt is not None:
        receipt = _check_receipt(receipt)
    _check_entry(
        studio=locked.studio,
        category=category,
        amount=amount,
        spent_on=spent_on,
        payee=payee,
        purpose=purpose,
        activity=activity,
        today=today,
        exclude_pk=locked.pk,
    )
    before = f"{locked.category} {locked.amount}"
    locked.category, locked.amount, locked.spent_on = category, amount, spent_on
    locked.payee, locked.purpose, locked.activity = (
        payee.strip()[:120],
        purpose.strip()[:300],
        activity,
    )
    fields = ["category", "amount", "spent_on", "payee", "purpose", "activity"]
    if receipt is not None:
        locked.receipt, locked.receipt_name = receipt, receipt.name[:200]
        fields += ["receipt", "receipt_name"]
    locked.save(update_fields=fields)
    audit_record(
        actor=actor,
        obj=locked,
        verb="funding.expenditure.changed",
        from_state=before,
        to_state=f"{category} {amount}",
    )
    return locked


@transaction.atomic
def expenditure_decide(
    *, actor: User, expenditure: Expenditure, confirm: bool, reason: str = ""
) -> Expenditure:
    """The host school's finance officer confirms or rejects a waiting entry, once."""
    if not can(actor, "funding.decide_expenditure", expenditure):
        raise FundingError(_("Only the finance officer of the host's school decides this entry."))
    reason = reason.strip()
    if not confirm and not reason:
        raise FundingError(_("Say why the entry is rejected."))
    locked = _locked_expenditure(expenditure)
    if confirm:
        workflow.expenditure_confirm(locked, actor=actor, comment=reason)
    else:
        workflow.expenditure_reject(locked, actor=actor, reason=reason[:300])
    expenditure.refresh_from_db(fields=["status", "decided_by", "decided_at", "rejection_reason"])
    studio = locked.studio
    notify(
        [locked.recorded_by, studio.host],
        verb="funding.expenditure.confirmed" if confirm else "funding.expenditure.rejected",
        title=lambda: (
            (
                _("Confirmed: %(amount)s yuan to %(payee)s")
                if confirm
                else _("Rejected: %(amount)s yuan to %(payee)s")
            )
            % {"amount": yuan(locked.amount), "payee": locked.payee}
        ),
        body=reason,
        url=_studio_url(studio),
        obj=locked,
    )
    if studio.status == StudioStatus.REVOKED:
        _return_refresh(studio, actor=actor)
    return locked


@transaction.atomic
def expenditure_reverse(
    *, actor: User, expenditure: Expenditure, reason: str, today: date
) -> Expenditure:
    """The host corrects a confirmed entry: a new entry of the opposite amount, dated today,
    waiting for the finance officer like any other. An entry is reversed once."""
    if not can(actor, "funding.record_expenditure", expenditure.studio):
        raise FundingError(_("Only the studio's host records its spending."))
    reason = reason.strip()
    if not reason:
        raise FundingError(_("Say why the entry is reversed."))
    _locked_studio(expenditure.studio)
    original = _locked_expenditure(expenditure)
    if original.status != ExpenditureStatus.CONFIRMED:
        raise FundingError(_("Only a confirmed entry is reversed; a waiting one can be changed."))
    if original.reverses_id or original.amount < 0:
        raise FundingError(_("A reversal is not reversed again."))
    if Expenditure.objects.filter(reverses=original).exists():
        raise FundingError(_("This entry has already been reversed."))
    studio = original.studio
    if not selectors.in_term(studio, today):
        raise FundingError(_("The studio's term is over: entries can no longer be reversed."))
    with translation.override(settings.LANGUAGE_CODE):
        purpose = _("Reversal of the entry of %(day)s: %(reason)s") % {
            "day": original.spent_on.isoformat(),
            "reason": reason,
        }
    try:
        with transaction.atomic():
            reversal = Expenditure.objects.create(
                studio=studio,
                category=original.category,
                amount=-original.amount,
                spent_on=today,
                payee=original.payee,
                purpose=purpose[:300],
                activity=original.activity,
                reverses=original,
                recorded_by=actor,
            )
    except IntegrityError:
        raise FundingError(_("This entry has already been reversed.")) from None
    audit_record(
        actor=actor,
        obj=reversal,
        verb="funding.expenditure.reversed",
        to_state=ExpenditureStatus.PENDING,
        comment=reason,
    )
    _tell_finance_officers(reversal)
    return reversal


# --- fixed assets (国有固定资产) ---------------------------------------------------------------


@transaction.atomic
def asset_register(
    *,
    actor: User,
    studio: Studio,
    asset_number: str,
    description: str,
    value,
    acquired_on: date,
    location: str,
    custodian: str,
    today: date,
    expenditure: Expenditure | None = None,
) -> FixedAsset:
    """Equipment bought with the studio's money is registered as a state fixed asset of the host
    school (where the policy says so), under a number unique within that school."""
    if not studio.policy.equipment_becomes_fixed_asset:
        raise FundingError(
            _("Under this policy, equipment bought is not a registered fixed asset.")
        )
    if not can(actor, "funding.manage_assets", studio):
        raise FundingError(_("Only the host or the school's finance officer registers assets."))
    value = money(value)
    asset_number = asset_number.strip()
    if not (asset_number and description.strip() and location.strip() and custodian.strip()):
        raise FundingError(
            _("Give the asset number, the description, the location and the custodian.")
        )
    if acquired_on > today:
        raise FundingError(_("The date is in the future."))
    if expenditure is not None and (
        expenditure.studio_id != studio.pk or expenditure.status == ExpenditureStatus.REJECTED
    ):
        raise FundingError(_("The payment is not one of this studio's valid entries."))
    if FixedAsset.objects.filter(school=studio.school, asset_number=asset_number).exists():
        raise FundingError(
            _("%(school)s already has an asset numbered %(number)s.")
            % {"school": studio.school.name, "number": asset_number}
        )
    try:
        with transaction.atomic():
            asset = FixedAsset.objects.create(
                studio=studio,
                school=studio.school,
                asset_number=asset_number,
                description=description.strip()[:200],
                value=value,
                acquired_on=acquired_on,
                location=location.strip()[:200],
                custodian=custodian.strip()[:60],
                expenditure=expenditure,
            )
    except IntegrityError:
        raise FundingError(
            _("%(school)s already has an asset numbered %(number)s.")
            % {"school": studio.school.name, "number": asset_number}
        ) from None
    audit_record(actor=actor, obj=asset, verb="funding.asset.registered", to_state=str(value))
    return asset


@transaction.atomic
def asset_dispose(*, actor: User, asset: FixedAsset, day: date, reason: str) -> FixedAsset:
    """Record an asset's disposal (报废/调拨). The asset stays on the register."""
    if not can(actor, "funding.manage_assets", asset.studio):
        raise FundingError(_("Only the host or the school's finance officer disposes of assets."))
    reason = reason.strip()
    if not reason:
        raise FundingError(_("Say how the asset was disposed of."))
    if day < asset.acquired_on:
        raise FundingError(_("An asset is not disposed of before it was acquired."))
    changed = FixedAsset.objects.filter(pk=asset.pk, disposed_on__isnull=True).update(
        disposed_on=day, disposal_reason=reason[:300]
    )
    if not changed:
        raise FundingError(_("The asset's disposal is already recorded."))
    asset.disposed_on, asset.disposal_reason = day, reason[:300]
    audit_record(
        actor=actor,
        obj=asset,
        verb="funding.asset.disposed",
        from_state="in_use",
        to_state="disposed",
        comment=reason,
    )
    return asset


# --- funds returned -----------------------------------------------------------------------------


def funds_return_on_revocation(
    studio: Studio, day: date, *, actor: User | None = None
) -> FundReturn:
    """A revoked studio's remainder is recorded as returned on ``day``: allocated in the term less
    what was spent or is still waiting. Idempotent: a second call returns the first record.
    Entries still waiting keep the record exact when the finance officer decides them."""
    with transaction.atomic():
        existing = FundReturn.objects.filter(studio=studio).first()
        if existing is not None:
            return existing
        amount = max(selectors.remaining_in_term(studio), Decimal("0.00"))
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("Remainder of a revoked studio (revoked on %(day)s)") % {
                "day": day.isoformat()
            }
        try:
            with transaction.atomic():
                record = FundReturn.objects.create(
                    studio=studio, amount=amount, returned_on=day, reason=reason, recorded_by=actor
                )
        except IntegrityError:
            return FundReturn.objects.get(studio=studio)
        audit_record(
            actor=actor,
            obj=record,
            verb="funding.funds.returned",
            to_state=str(amount),
            comment=reason,
        )
        notify(
            _finance_officers(studio.school),
            verb="funding.funds.returned",
            title=lambda: (
                _("%(studio)s was revoked: %(amount)s yuan to return")
                % {"studio": studio.name, "amount": yuan(amount)}
            ),
            url=_studio_url(studio),
            obj=record,
        )
        return record


def _return_refresh(studio: Studio, *, actor: User | None) -> None:
    """After a revoked studio's waiting entry is decided, the returned amount follows."""
    record = FundReturn.objects.select_for_update().filter(studio=studio).first()
    if record is None:
        return
    amount = max(selectors.remaining_in_term(studio), Decimal("0.00"))
    if amount == record.amount:
        return
    before = record.amount
    record.amount = amount
    record.save(update_fields=["amount"])
    audit_record(
        actor=actor,
        obj=record,
        verb="funding.funds.return_adjusted",
        from_state=str(before),
        to_state=str(amount),
    )
