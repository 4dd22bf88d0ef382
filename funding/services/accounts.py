"""The host school's special account (专户), kept by its finance officer or the bureau."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, User
from accounts.permissions import can
from accounts.services import audit_record

from ..errors import FundingError
from ..models import (
    SpecialAccount,
)


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
