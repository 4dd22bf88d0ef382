"""The funding app's forms: they check what was typed; services decide."""

from django import forms
from django.utils.translation import gettext_lazy

from accounts.imports import (
    IMPORT_RESOURCES,
    import_bureaus_for,
)
from core import forms as core_forms
from core.spreadsheets import WorkbookRefused, inspect_workbook
from core.uploads import UploadRefused, checked_upload
from funding.imports import MAX_IMPORT_BYTES


def money_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class YearForm(core_forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [(year, str(year)) for year in years]


class ImportForm(core_forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"), widget=forms.RadioSelect)
    bureau = forms.ModelChoiceField(label=gettext_lazy("Into"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, r.title) for k, r in IMPORT_RESOURCES.items()]
        bureaus = import_bureaus_for(user)
        self.fields["bureau"].queryset = bureaus
        self.fields["bureau"].label_from_instance = lambda bureau: bureau.city.name
        self.only_bureau = bureaus[0] if len(bureaus) == 1 else None
        if self.only_bureau is not None:  # the usual case: one city, nothing to choose
            self.fields["bureau"].required = False
            self.fields["bureau"].widget = forms.HiddenInput()

    def clean_bureau(self):
        return self.cleaned_data.get("bureau") or self.only_bureau

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size <= MAX_IMPORT_BYTES:
            # A workbook is measured by its own limits first (rows, shared strings, parts):
            # they are stricter than the general check of Office files and say more.
            try:
                inspect_workbook(upload.read())
            except WorkbookRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
            finally:
                upload.seek(0)
        try:
            checked_upload(upload, accept={".xlsx"}, max_bytes=MAX_IMPORT_BYTES)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class ExpenditureForm(core_forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    amount = money_field(gettext_lazy("Amount (yuan)"))
    spent_on = forms.DateField(label=gettext_lazy("Date"), widget=core_forms.DateInput())
    payee = forms.CharField(label=gettext_lazy("Payee"), max_length=120)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=300)
    activity = forms.ModelChoiceField(
        label=gettext_lazy("Activity served"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— none —"),
    )
    receipt = forms.FileField(
        label=gettext_lazy("Receipt (scan or photo: PDF, JPG, PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c["code"], c["name"]) for c in studio.policy.expenditure_categories
        ]
        self.fields["activity"].queryset = studio.activities.order_by("-held_on", "-pk")


class AssetForm(core_forms.Form):
    asset_number = forms.CharField(label=gettext_lazy("Asset number"), max_length=60)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200)
    value = money_field(gettext_lazy("Value (yuan)"))
    acquired_on = forms.DateField(label=gettext_lazy("Acquired on"), widget=core_forms.DateInput())
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200)
    custodian = forms.CharField(label=gettext_lazy("Custodian"), max_length=60)


class AllocationForm(core_forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    amount = money_field(gettext_lazy("Amount (yuan)"))
    document_number = forms.CharField(
        label=gettext_lazy("Approving document number"), max_length=100
    )
    approved_on = forms.DateField(label=gettext_lazy("Approved on"), widget=core_forms.DateInput())


class SpecialAccountForm(core_forms.Form):
    bank = forms.CharField(label=gettext_lazy("Bank"), max_length=120)
    account_name = forms.CharField(label=gettext_lazy("Account name"), max_length=120)
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=40)
