"""What the home page shows from funding: entries waiting for a school's finance officer, and
the bureau's studios without this year's allocation. One query each."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.home import HomeItem, HomePanel, home_panel
from accounts.permissions import can
from core import clock

from .selectors import finance_queue, studios_without_allocation


@home_panel
def finance_queue_panel(user) -> HomePanel | None:
    if not can(user, "funding.view_finance_queue"):
        return None
    waiting = finance_queue(user).count()
    return HomePanel(
        title=_("Studio spending"),
        items=[
            HomeItem(
                label=_("Entries waiting for your confirmation"),
                url=reverse("funding:finance_queue"),
                count=waiting,
                urgent=bool(waiting),
            )
        ],
        order=16,
    )


@home_panel
def allocations_panel(user) -> HomePanel | None:
    if not can(user, "funding.manage_allocations"):
        return None
    year = clock.today().year
    missing = studios_without_allocation(user, year).count()
    return HomePanel(
        title=_("Studio funding"),
        items=[
            HomeItem(
                label=_("Studios without this year's allocation"),
                url=f"{reverse('funding:allocations')}?year={year}",
                count=missing,
                urgent=bool(missing),
            )
        ],
        order=47,
    )


@home_panel
def money_and_reports_panel(user) -> HomePanel | None:
    """Oversight roles: the funding dashboard, the auditors' workbook, the bureau's imports."""

    items = []
    if can(user, "funding.view_dashboard"):
        items.append(
            HomeItem(label=_("Funding dashboard"), url=reverse("funding:funding_dashboard"))
        )
    if can(user, "funding.export_audit"):
        items.append(
            HomeItem(label=_("Audit workbook (Excel)"), url=reverse("funding:audit_export"))
        )
    if can(user, "funding.import_data"):
        items.append(
            HomeItem(
                label=_("Import schools, teachers, counties"), url=reverse("funding:data_import")
            )
        )
    if not items:
        return None
    return HomePanel(title=_("Money and reports"), items=items, order=55)
