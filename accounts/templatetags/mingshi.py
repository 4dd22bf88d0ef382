from django import template
from django.http import QueryDict

from accounts.history import history_rows as build_history_rows
from accounts.permissions import can as can_check
from core.pagination import PAGE_PARAMETERS

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, permission: str, obj=None) -> bool:
    """``{% can "accounts.view_organisation" org as allowed %}``: the same rule the views use."""
    return can_check(context["request"].user, permission, obj)


@register.simple_tag(takes_context=True)
def page_url(context, page_number) -> str:
    """A link to another page of a list that keeps the current filters."""
    return page_link(context, f"page={page_number}")


@register.simple_tag(takes_context=True)
def page_link(context, fragment: str) -> str:
    """A link to another page of a list ("page=3", "after=123") that keeps the current filters
    and drops the current page's own parameters."""
    query = QueryDict(context.get("querystring", ""), mutable=True)
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    query = query.urlencode()
    return f"?{query}&{fragment}" if query else f"?{fragment}"


@register.simple_tag
def history_rows(entries):
    """``{% history_rows entries as rows %}``: audit entries as sentences (accounts.history)."""
    return build_history_rows(entries)
