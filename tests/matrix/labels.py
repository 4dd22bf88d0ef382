"""Which form fields of a page a screen reader cannot name.

A visible ``<input>``, ``<select>`` or ``<textarea>`` (not hidden, not a button) needs a name:
an ``aria-label`` or ``aria-labelledby``, an enclosing ``<label>``, or a ``<label for>`` its id.
A field inside an element with ``hidden`` or inside a ``<template>`` is not shown and is skipped.
"""

from html.parser import HTMLParser

FIELDS = {"input", "select", "textarea"}
NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, dict, bool]] = []  # tag, attributes, inside a <label>

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if tag in FIELDS:
            concealed = any(
                t == "template" or "hidden" in a or a.get("aria-hidden") == "true"
                for t, a in self.stack
            )
            if not concealed and "hidden" not in attributes:
                inside_label = any(t == "label" for t, _ in self.stack)
                self.fields.append((tag, attributes, inside_label))
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def unlabelled_fields(html: str) -> list[str]:
    """A short description of each visible field without a name for assistive technology."""
    parser = _Fields()
    parser.feed(html)
    missing = []
    for tag, attributes, inside_label in parser.fields:
        if tag == "input" and attributes.get("type", "text").lower() in NOT_FIELDS:
            continue
        if attributes.get("aria-label", "").strip() or attributes.get("aria-labelledby"):
            continue
        if inside_label or attributes.get("id") in parser.label_for:
            continue
        name = attributes.get("name") or attributes.get("id") or "?"
        missing.append(f"<{tag} name={name!r}>")
    return missing
