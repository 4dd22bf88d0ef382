"""The home page asks every app what is waiting for a user; each app registers a provider.

A provider is ``fn(user) -> HomePanel | None``. Providers run on every home page view, so each
must cost a constant number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.functional import Promise

from core import freshness


@dataclass
class HomeItem:
    label: str | Promise
    url: str = ""
    count: int | None = None
    # The count stopped at ``count`` and there are more (shown "1000+"; core.pagination).
    more: bool = False
    urgent: bool = False
    detail: str | Promise = ""


@dataclass
class HomePanel:
    title: str | Promise
    items: list[HomeItem] = field(default_factory=list)
    empty_text: str | Promise = ""
    order: int = 100


_PROVIDERS: list[Callable] = []


def home_panel(provider: Callable) -> Callable:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panels_for(user) -> list[HomePanel]:
    panels = [panel for provider in _PROVIDERS if (panel := provider(user)) is not None]
    return sorted(panels, key=lambda panel: panel.order)


def panels_html(user) -> str:
    """The home page's panels, rendered (about 10 queries and most of the page's time)."""
    return freshness.cached(
        "panels",
        user,
        lambda: render_to_string("accounts/_home_panels.html", {"panels": panels_for(user)}),
    )
