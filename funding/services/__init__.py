"""Writes for studio money: the host school's special account (专户), yearly allocations (one
studio or a whole batch), expenditures (专款专用) confirmed or rejected by the school's finance
officer and corrected only by reversals, fixed assets, and the funds a revoked studio returns.

Every rule is read from the studio's policy: the yearly range (``funding_min``/``funding_max``),
the categories (``expenditure_categories``), whether the school must keep a special account
(``special_account_required``) and whether equipment becomes a state fixed asset
(``equipment_becomes_fixed_asset``). No city is named here.

Money is ``Decimal`` to the fen, never float. Each write asks ``accounts.permissions.can``,
runs in a transaction, records itself with ``audit_record`` and tells whoever acts next with
``notify``."""

from .accounts import (  # noqa: F401
    special_account_save,
)
from .allocations import (  # noqa: F401
    BulkResult,
    allocation_save,
    allocations_bulk,
)
from .assets import (  # noqa: F401
    asset_dispose,
    asset_register,
)
from .returns import (  # noqa: F401
    funds_return_on_revocation,
)
from .shared import (  # noqa: F401
    FEN,
    MAX_AMOUNT,
    MAX_RECEIPT_BYTES,
    RECEIPT_TYPES,
    money,
    yuan,
)
from .spending import (  # noqa: F401
    expenditure_decide,
    expenditure_record,
    expenditure_reverse,
    expenditure_update,
)
