"""Which buttons the browser journeys pressed: every POST the browser sends is recorded with
the URL it went to and the action it carried (``action``/``decision`` fields)."""

import re
from urllib.parse import parse_qs, urlsplit

from django.urls import Resolver404, resolve

PRESSED: set[tuple[str, str]] = set()
# The form fields that say which of a page's buttons was pressed.
ACTION_FIELDS = ("action", "decision")
_MULTIPART_FIELD = re.compile(r'name="(action|decision)"\r\n\r\n([^\r]*)')


def _actions(post_data: str | None) -> list[str]:
    if not post_data:
        return []
    found = _MULTIPART_FIELD.findall(post_data)
    if found:
        return [value for _name, value in found]
    fields = parse_qs(post_data, keep_blank_values=True)
    return [value for name in ACTION_FIELDS for value in fields.get(name, [])]


def record(request) -> None:
    """A Playwright "request" handler: remember (URL name, action) of every POST."""
    if request.method != "POST":
        return
    try:
        post_data = request.post_data
    except (UnicodeDecodeError, ValueError):  # a binary upload: no action field to read
        post_data = None
    try:
        name = resolve(urlsplit(request.url).path).url_name
    except Resolver404:
        return
    actions = _actions(post_data) or [""]
    for action in actions:
        PRESSED.add((name, action))
