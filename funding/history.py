"""The phrases of funding's audit verbs and the labels of its states (see accounts.history).

Funding's entries record amounts as their from/to, which show as they are.
"""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_states, register_verbs
from accounts.models import Role

from .models import Expenditure, ExpenditureStatus

register_states(Expenditure, ExpenditureStatus.choices)

register_verbs(
    {
        "funding.special_account.saved": _("saved the special account"),
        "funding.allocation.made": _("allocated funds"),
        "funding.allocation.changed": _("changed the allocation"),
        "funding.expenditure.recorded": _("recorded an expenditure"),
        "funding.expenditure.changed": _("changed the expenditure"),
        "funding.expenditure.confirmed": _("confirmed the expenditure"),
        "funding.expenditure.rejected": _("rejected the expenditure"),
        "funding.expenditure.reversed": _("reversed the expenditure"),
        "funding.asset.registered": _("registered an asset"),
        "funding.asset.disposed": _("disposed of the asset"),
        "funding.funds.returned": _("returned unspent funds"),
        "funding.funds.return_adjusted": _("corrected the returned amount"),
    },
    roles={
        "funding.expenditure.confirmed": (Role.FINANCE_OFFICER, Role.SCHOOL_ADMIN),
        "funding.expenditure.rejected": (Role.FINANCE_OFFICER, Role.SCHOOL_ADMIN),
    },
)
