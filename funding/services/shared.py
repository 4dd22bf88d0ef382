"""What every money write shares: amounts to the fen, the studio locked, the
finance officers told.
"""

from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, User
from accounts.selectors import users_with_role
from studios.models import Studio

from ..errors import FundingError

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
