"""Spending: recorded by the host with a receipt, decided once by the school's finance officer,
reversed rather than edited.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from core.uploads import UploadRefused, checked_upload
from studios.models import Activity, Studio, StudioStatus

from .. import selectors, workflow
from ..errors import FundingError
from ..models import (
    Expenditure,
    ExpenditureStatus,
)
from .returns import _return_refresh
from .shared import (
    MAX_RECEIPT_BYTES,
    RECEIPT_TYPES,
    _finance_officers,
    _locked_studio,
    _studio_url,
    money,
    yuan,
)


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


def _refusal(studio: Studio) -> str:
    """Why the rule said no, in words: a revoked studio spends nothing any more."""
    if studio.status == StudioStatus.REVOKED:
        return _("The studio has been revoked: its money has been returned.")
    return _("Only the studio's host records its spending.")


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
        raise FundingError(_refusal(studio))
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
        raise FundingError(_refusal(expenditure.studio))
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
    workflow.expenditure_settle(locked, actor=actor, confirm=confirm, reason=reason[:300])
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
        raise FundingError(_refusal(expenditure.studio))
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
