from django import template

from accounts.history import history_rows as build_history_rows
from accounts.permissions import can as can_check

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, permission: str, obj=None) -> bool:
    """``{% can "accounts.view_organisation" org as allowed %}``: the same rule the views use."""
    return can_check(context["request"].user, permission, obj)


@register.simple_tag(takes_context=True)
def page_url(context, page_number) -> str:
    """A link to another page of a list that keeps the current filters."""
    query = context.get("querystring", "")
    return f"?{query}&page={page_number}" if query else f"?page={page_number}"


@register.simple_tag
def history_rows(entries):
    """``{% history_rows entries as rows %}``: audit entries as sentences (accounts.history)."""
    return build_history_rows(entries)
