from django.contrib import admin

from core.uploads import checked_files_form

from .models import Allocation, Expenditure, FixedAsset, FundReturn, SpecialAccount
from .services import MAX_RECEIPT_BYTES, RECEIPT_TYPES


@admin.register(SpecialAccount)
class SpecialAccountAdmin(admin.ModelAdmin):
    list_display = ["school", "bank", "account_name", "account_number"]
    search_fields = ["school__name", "bank", "account_name", "account_number"]
    list_filter = ["school__city"]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["studio", "year", "amount", "document_number", "approved_on"]
    list_filter = ["year", "studio__policy"]
    search_fields = ["studio__name", "document_number"]
    raw_id_fields = ["studio", "created_by"]


@admin.register(Expenditure)
class ExpenditureAdmin(admin.ModelAdmin):
    """Read-only money: entries change only through the services (reversals, decisions)."""

    list_display = ["spent_on", "studio", "category", "amount", "payee", "status"]
    list_filter = ["status", "category", "studio__policy"]
    search_fields = ["studio__name", "payee", "purpose"]
    date_hierarchy = "spent_on"
    raw_id_fields = ["studio", "activity", "reverses", "recorded_by", "decided_by"]
    form = checked_files_form(Expenditure, receipt=(RECEIPT_TYPES, MAX_RECEIPT_BYTES))

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FixedAsset)
class FixedAssetAdmin(admin.ModelAdmin):
    list_display = ["asset_number", "description", "school", "value", "acquired_on", "disposed_on"]
    list_filter = [("disposed_on", admin.EmptyFieldListFilter)]
    search_fields = ["asset_number", "description", "custodian", "school__name"]
    raw_id_fields = ["studio", "school", "expenditure"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundReturn)
class FundReturnAdmin(admin.ModelAdmin):
    list_display = ["studio", "amount", "returned_on", "reason"]
    search_fields = ["studio__name", "reason"]
    list_filter = ["returned_on"]
    raw_id_fields = ["studio", "recorded_by"]
