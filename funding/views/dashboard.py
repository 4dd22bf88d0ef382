"""The funding dashboard: a year's allocations against confirmed spending, charted and tabled."""

from django.utils import timezone
from django.views.generic import TemplateView

from accounts.mixins import PermissionRequiredMixin
from funding.forms import YearForm

from ..dashboard import dashboard_years, funding_dashboard


class FundingDashboardView(PermissionRequiredMixin, TemplateView):
    """Three charts (by county, by category, by month) with the same figures as tables."""

    permission = "funding.view_dashboard"
    template_name = "funding/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        this_year = timezone.localdate().year
        with_money = dashboard_years(user=user)
        years = sorted({this_year, *with_money}, reverse=True)
        # By default this year, or the latest year with money when this one has none yet.
        default = this_year if this_year in with_money or not with_money else with_money[0]
        form = YearForm(self.request.GET or None, years=years)
        year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else default
        if not form.is_bound:
            form = YearForm({"year": year}, years=years)
        dashboard = funding_dashboard(user=user, year=year)
        return super().get_context_data(
            year_form=form, dashboard=dashboard, chart_data=dashboard.chart_data(), **kwargs
        )
