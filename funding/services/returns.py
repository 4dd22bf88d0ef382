"""Funds returned: a revoked studio's remainder is recorded as returned, kept exact as spending
changes.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record, notify
from studios.models import Studio

from .. import selectors
from ..models import (
    FundReturn,
)
from .shared import _finance_officers, _studio_url, yuan


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
