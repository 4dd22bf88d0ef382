"""Fixed assets (国有固定资产) bought with studio funds: registered at the host's school
and disposed of with a reason.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record
from studios.models import Studio

from ..errors import FundingError
from ..models import (
    Expenditure,
    ExpenditureStatus,
    FixedAsset,
)
from .shared import money


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
