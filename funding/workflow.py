"""Every move of an expenditure's state: the host school's finance officer decides it once.

Each is one plain function on :func:`core.workflow.transition` (row lock → source-state guard →
conditional update → audit record with a literal verb); ``expenditure_decide`` checks the
officer's permission first and sends the notifications. No status is written anywhere else.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.workflow import transition

from .errors import FundingError
from .models import Expenditure, ExpenditureStatus


def _decided(_state) -> FundingError:
    return FundingError(_("This entry has already been decided."))


def expenditure_settle(
    expenditure: Expenditure, *, actor: User, confirm: bool, reason: str
) -> None:
    """The finance officer confirms the entry, or rejects it with ``reason``; once."""
    transition(
        expenditure,
        permission=("funding.decide_expenditure", expenditure),
        to=ExpenditureStatus.CONFIRMED if confirm else ExpenditureStatus.REJECTED,
        sources=ExpenditureStatus.PENDING,
        actor=actor,
        verb="funding.expenditure.confirmed" if confirm else "funding.expenditure.rejected",
        comment=reason,
        changes={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "rejection_reason": "" if confirm else reason,
        },
        refused=_decided,
    )
