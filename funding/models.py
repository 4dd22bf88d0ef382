"""Money: yearly allocations to studios, the host school's special account, expenditures
confirmed by the school's finance officer, fixed assets, and funds returned."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, upload_path
from studios.models import Activity, Studio

MONEY = {"max_digits": 12, "decimal_places": 2}


class SpecialAccount(models.Model):
    """专户: the host school's account that studio money is paid into."""

    school = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="special_account"
    )
    bank = models.CharField(_("bank"), max_length=120)
    account_name = models.CharField(_("account name"), max_length=120)
    account_number = models.CharField(_("account number"), max_length=40)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("special account")
        verbose_name_plural = _("special accounts")

    def __str__(self) -> str:
        return f"{self.account_name} · {self.bank}"

    def audit_organisation(self):
        return self.school


class Allocation(models.Model):
    """One year's funding for one studio, paid to its host school's special account."""

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    document_number = models.CharField(_("approving document number"), max_length=100)
    approved_on = models.DateField(_("approved on"))
    # What the account was when paid: the school may change banks later.
    bank = models.CharField(_("bank"), max_length=120)
    account_name = models.CharField(_("account name"), max_length=120)
    account_number = models.CharField(_("account number"), max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-year", "studio"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "year"], name="one_allocation_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.studio} {self.year}: {self.amount}"

    def audit_organisation(self):
        return self.studio.school


class ExpenditureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the finance officer")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Expenditure(models.Model):
    """专款专用: one payment from the studio's money. Confirmed entries are never edited; a
    correction is a new entry that reverses it (negative amount, ``reverses`` set)."""

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="expenditures")
    category = models.CharField(_("category"), max_length=40)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    spent_on = models.DateField(_("date"))
    payee = models.CharField(_("payee"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=300)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity served"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenditures",
    )
    receipt = models.FileField(_("receipt"), upload_to=upload_path, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExpenditureStatus.choices,
        default=ExpenditureStatus.PENDING,
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["-spent_on", "-id"]
        indexes = [
            models.Index(fields=["studio", "spent_on"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.payee} {self.amount}"

    def audit_organisation(self):
        return self.studio.school


class FixedAsset(models.Model):
    """State fixed asset (国有固定资产) bought with studio money, registered to the host school.
    Disposal is recorded; an asset is never deleted."""

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="fixed_assets")
    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    asset_number = models.CharField(_("asset number"), max_length=60)
    description = models.CharField(_("description"), max_length=200)
    value = models.DecimalField(_("value (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    acquired_on = models.DateField(_("acquired on"))
    location = models.CharField(_("location"), max_length=200)
    custodian = models.CharField(_("custodian"), max_length=60)
    expenditure = models.ForeignKey(
        Expenditure, on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    disposal_reason = models.CharField(_("disposal"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fixed asset")
        verbose_name_plural = _("fixed assets")
        ordering = ["school", "asset_number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "asset_number"], name="asset_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset_number} {self.description}"

    def audit_organisation(self):
        return self.school


class FundReturn(models.Model):
    """Money handed back: what a revoked studio had left, as the policy says."""

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="fund_returns")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    returned_on = models.DateField(_("returned on"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("funds returned")
        verbose_name_plural = _("funds returned")
        ordering = ["-returned_on"]
        constraints = [models.UniqueConstraint(fields=["studio"], name="one_return_per_studio")]

    def __str__(self) -> str:
        return f"{self.studio}: {self.amount}"

    def audit_organisation(self):
        return self.studio.school
