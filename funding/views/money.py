"""The money pages: a studio's funding (balance per year, ledger, spending form, reversals,
assets), the finance officer's queue and decisions, receipts, the bureau's allocations (one
studio or a whole batch) and a school's special account.

Forms only read the request; the services (funding.services) decide and refuse with a message.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.mixins import ActionPermissionMixin, PermissionRequiredMixin
from accounts.permissions import can
from applications.models import Call
from core import clock
from core.files import stored_file_response
from core.http import as_id, redirect_next
from funding import selectors, services
from funding.errors import FundingError
from funding.forms import AllocationForm, AssetForm, ExpenditureForm, SpecialAccountForm
from funding.models import ExpenditureStatus, SpecialAccount
from studios.models import StudioStatus


def form_problems(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


# --- a studio's money --------------------------------------------------------------------------


class StudioFundingView(ActionPermissionMixin, TemplateView):
    """GET: the balance of every year, the chosen year's ledger and categories, the assets.
    POST ``action``: record, reverse, asset_register, asset_dispose (the services check who)."""

    permission = "funding.view_funding"
    action_permissions = {
        "record": "funding.record_expenditure",
        "reverse": "funding.record_expenditure",
        "asset_register": "funding.manage_assets",
        "asset_dispose": "funding.manage_assets",
    }
    template_name = "funding/studio_funding.html"

    def lookup(self, user, pk, **kwargs):
        return selectors.studio_for_funding(user, pk)

    def year(self, years: list[int]) -> int:
        asked = self.request.GET.get("year", "")
        if asked.isdigit() and int(asked) in years:
            return int(asked)
        current = clock.today().year
        if not years:
            return current
        return min(max(current, years[0]), years[-1])

    def get_context_data(self, *, form=None, asset_form=None, **kwargs):
        studio, user = self.object, self.request.user
        rows = selectors.balances(studio)
        years = [b.year for b in rows]
        year = self.year(years)
        current = next((b for b in rows if b.year == year), selectors.balance(studio, year))
        may_record = (
            can(user, "funding.record_expenditure", studio)
            and studio.status != StudioStatus.REVOKED
        )
        with_assets = studio.policy.equipment_becomes_fixed_asset
        may_manage_assets = with_assets and can(user, "funding.manage_assets", studio)
        if may_record and form is None:
            form = ExpenditureForm(studio=studio, initial={"spent_on": clock.today()})
        if may_manage_assets and asset_form is None:
            asset_form = AssetForm(initial={"acquired_on": clock.today()})
        return super().get_context_data(
            studio=studio,
            balances=rows,
            year=year,
            current=current,
            ledger=selectors.ledger(studio, year),
            categories=selectors.by_category(studio, year),
            category_names=selectors.category_names(studio),
            may_record=may_record,
            form=form,
            with_assets=with_assets,
            assets=selectors.assets(studio) if with_assets else [],
            may_manage_assets=may_manage_assets,
            asset_form=asset_form,
            fund_return=studio.fund_returns.first(),
            account=selectors.special_account(studio.school),
            may_keep_account=can(user, "funding.manage_special_account", studio.school),
            statuses=ExpenditureStatus,
            **kwargs,
        )

    def post(self, request, pk):
        action = request.POST.get("action", "")
        handler = {
            "record": self.record,
            "reverse": self.reverse_entry,
            "asset_register": self.asset_register,
            "asset_dispose": self.asset_dispose,
        }.get(action)
        if handler is None:
            messages.error(request, _("Unknown action."))
            return redirect("funding:studio_funding", pk)
        return handler(request)

    def again(self, status=400, **forms_):
        return self.render_to_response(self.get_context_data(**forms_), status=status)

    def record(self, request):
        studio = self.object
        form = ExpenditureForm(request.POST, request.FILES, studio=studio)
        if not form.is_valid():
            return self.again(form=form)
        try:
            entry = services.expenditure_record(
                actor=request.user, studio=studio, today=clock.today(), **form.cleaned_data
            )
        except FundingError as exc:
            messages.error(request, str(exc))
            return self.again(form=form)
        messages.success(
            request,
            _("The entry is recorded; the school's finance officer is asked to confirm it."),
        )
        return redirect(
            f"{reverse('funding:studio_funding', args=[studio.pk])}?year={entry.spent_on.year}"
        )

    def reverse_entry(self, request):
        studio = self.object
        entry_id = as_id(request.POST.get("expenditure"))
        entry = studio.expenditures.filter(pk=entry_id).first() if entry_id else None
        if entry is None:
            messages.error(request, _("No such entry."))
            return redirect("funding:studio_funding", studio.pk)
        try:
            services.expenditure_reverse(
                actor=request.user,
                expenditure=entry,
                reason=request.POST.get("reason", ""),
                today=clock.today(),
            )
        except FundingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The reversal is recorded and waits for confirmation."))
        return redirect("funding:studio_funding", studio.pk)

    def asset_register(self, request):
        studio = self.object
        form = AssetForm(request.POST)
        if not form.is_valid():
            return self.again(asset_form=form)
        try:
            services.asset_register(
                actor=request.user, studio=studio, today=clock.today(), **form.cleaned_data
            )
        except FundingError as exc:
            messages.error(request, str(exc))
            return self.again(asset_form=form)
        messages.success(request, _("The asset is registered to the school."))
        return redirect("funding:studio_funding", studio.pk)

    def asset_dispose(self, request):
        studio = self.object
        asset_id = as_id(request.POST.get("asset"))
        asset = studio.fixed_assets.filter(pk=asset_id).first() if asset_id else None
        if asset is None:
            messages.error(request, _("No such asset."))
            return redirect("funding:studio_funding", studio.pk)
        try:
            services.asset_dispose(
                actor=request.user,
                asset=asset,
                day=clock.today(),
                reason=request.POST.get("reason", ""),
            )
        except FundingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The disposal is recorded; the asset stays on the register.")
            )
        return redirect("funding:studio_funding", studio.pk)


class ReceiptFileView(PermissionRequiredMixin, View):
    """The receipt of one entry, for whoever may read the studio's money."""

    permission = "funding.view_funding"
    expenditure = None

    def lookup(self, user, pk):
        self.expenditure = selectors.expenditure_for(user, pk)
        return self.expenditure.studio if self.expenditure else None

    def get(self, request, pk):
        entry = self.expenditure
        return stored_file_response(entry.receipt, entry.receipt_name or "receipt", inline=True)


# --- the finance officer -------------------------------------------------------------------------


class FinanceQueueView(PermissionRequiredMixin, TemplateView):
    permission = "funding.view_finance_queue"
    template_name = "funding/finance_queue.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        entries = list(selectors.finance_queue(user))
        names = {}
        for entry in entries:
            names.setdefault(entry.studio_id, selectors.category_names(entry.studio))
        for entry in entries:
            entry.category_name = names[entry.studio_id].get(entry.category, entry.category)
        return super().get_context_data(
            entries=entries, decided=selectors.recently_decided(user), **kwargs
        )


class ExpenditureDecideView(PermissionRequiredMixin, View):
    permission = "funding.decide_expenditure"

    def lookup(self, user, pk):
        return selectors.expenditure_for(user, pk)

    def post(self, request, pk):
        confirm = request.POST.get("decision") == "confirm"
        try:
            services.expenditure_decide(
                actor=request.user,
                expenditure=self.object,
                confirm=confirm,
                reason=request.POST.get("reason", ""),
            )
        except FundingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The entry is confirmed.") if confirm else _("The entry is rejected.")
            )
        return redirect_next(request, reverse("funding:finance_queue"))


# --- the bureau: allocations ---------------------------------------------------------------------


class AllocationsView(ActionPermissionMixin, TemplateView):
    permission = "funding.manage_allocations"
    # Each studio's allocation also needs funding.allocate on it (the service asks).
    action_permissions = {
        "single": "funding.manage_allocations",
        "bulk": "funding.manage_allocations",
    }
    template_name = "funding/allocations.html"

    def year(self) -> int:
        asked = as_id(self.request.GET.get("year") or self.request.POST.get("year", ""))
        return asked if asked and 2000 <= asked <= 2100 else clock.today().year

    def get_context_data(self, **kwargs):
        user, year = self.request.user, self.year()
        studios = list(selectors.allocation_studios(user))
        given = selectors.allocations_in(studios, year)
        accounts = {
            a.school_id: a
            for a in SpecialAccount.objects.filter(school_id__in={s.school_id for s in studios})
        }
        batches: dict[int, dict] = {}
        for studio in studios:
            batch = batches.setdefault(
                studio.call_id, {"call": studio.call, "policy": studio.policy, "rows": []}
            )
            batch["rows"].append(
                {
                    "studio": studio,
                    "allocation": given.get(studio.pk),
                    "account": accounts.get(studio.school_id),
                    "in_term": studio.term_start.year <= year <= studio.term_end.year,
                }
            )
        for batch in batches.values():
            batch["missing"] = sum(
                1 for r in batch["rows"] if r["allocation"] is None and r["in_term"]
            )
        return super().get_context_data(
            year=year,
            years=range(clock.today().year + 1, clock.today().year - 5, -1),
            batches=list(batches.values()),
            today=clock.today(),
            **kwargs,
        )

    def post(self, request):
        form = AllocationForm(request.POST)
        year = self.year()
        target = f"{reverse('funding:allocations')}?year={year}"
        if not form.is_valid():
            messages.error(request, form_problems(form))
            return redirect(target)
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "bulk":
                call = self.call(request)
                result = services.allocations_bulk(
                    actor=request.user, call=call, today=clock.today(), **data
                )
                messages.success(
                    request,
                    _("%(created)d studios received the allocation; %(skipped)d already had one.")
                    % {"created": len(result.created), "skipped": len(result.skipped)},
                )
            else:
                studio = self.studio(request)
                services.allocation_save(
                    actor=request.user, studio=studio, today=clock.today(), **data
                )
                messages.success(
                    request, _("The allocation of %(studio)s is saved.") % {"studio": studio.name}
                )
        except FundingError as exc:
            messages.error(request, str(exc))
            for problem in exc.problems:
                messages.error(request, problem)
        return redirect(f"{reverse('funding:allocations')}?year={data['year']}")

    def call(self, request) -> Call:
        ids = selectors.allocation_studios(request.user).values("call_id")
        call_id = as_id(request.POST.get("call"))
        call = Call.objects.filter(pk__in=ids, pk=call_id).first() if call_id else None
        if call is None:
            raise FundingError(_("Choose a batch of your city."))
        return call

    def studio(self, request):
        studio_id = as_id(request.POST.get("studio"))
        studio = (
            selectors.allocation_studios(request.user).filter(pk=studio_id).first()
            if studio_id
            else None
        )
        if studio is None:
            raise FundingError(_("Choose an active studio of your city."))
        return studio


# --- a school's special account ------------------------------------------------------------------


class SpecialAccountView(PermissionRequiredMixin, TemplateView):
    permission = "funding.manage_special_account"
    template_name = "funding/special_account.html"

    def lookup(self, user, pk):
        return selectors.school_for_account(user, pk)

    def get_context_data(self, *, form=None, **kwargs):
        account = selectors.special_account(self.object)
        if form is None:
            initial = (
                {
                    "bank": account.bank,
                    "account_name": account.account_name,
                    "account_number": account.account_number,
                }
                if account
                else {"account_name": self.object.name}
            )
            form = SpecialAccountForm(initial=initial)
        return super().get_context_data(school=self.object, account=account, form=form, **kwargs)

    def post(self, request, pk):
        form = SpecialAccountForm(request.POST)
        if form.is_valid():
            try:
                services.special_account_save(
                    actor=request.user, school=self.object, **form.cleaned_data
                )
            except FundingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The special account is saved."))
                return redirect("funding:special_account", pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)
