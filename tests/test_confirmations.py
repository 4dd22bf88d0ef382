"""Irreversible buttons ask before they act: each carries ``data-confirm`` (static/js/confirm.js).

The list names each irreversible action by its template and its button's words; a button that
loses its confirmation, or a template that renames it, fails here.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IRREVERSIBLE = [
    ("applications/templates/applications/call_detail.html", "Close the call early"),
    ("applications/templates/applications/call_detail.html", "Close the call"),
    ("applications/templates/applications/call_detail.html", "Publish the results"),
    ("applications/templates/applications/notice_manage.html", "Start the public notice"),
    ("applications/templates/applications/notice_manage.html", "Save the decision"),
    ("applications/templates/applications/notice_manage.html", "Publish the results"),
    ("applications/templates/applications/experts/ranking.html", "Save the selection"),
    ("applications/templates/applications/experts/assignment.html", "Submit my scores (final)"),
    ("applications/templates/applications/experts/assignment.html", "Decline this application"),
    ("applications/templates/applications/application_detail.html", "Do not recommend"),
    ("studios/templates/studios/team/team.html", "End this membership"),
    ("studios/templates/studios/outputs/studio_outputs.html", "Remove"),
    ("studios/templates/studios/recruitment/detail.html", "Close the round"),
    ("studios/templates/studios/recruitment/detail.html", "Mark the round done"),
    # The calendar address in use stops working.
    ("studios/templates/studios/calendar_feeds.html", "Make a new address"),
    ("studios/templates/studios/calendar_feeds.html", "Revoke the address"),
    ("assessments/templates/assessments/assessment_detail.html", "Revoke the studio"),
    ("assessments/templates/assessments/assessment_detail.html", "Decide"),
    ("assessments/templates/assessments/annual_report.html", "Remove"),
    ("assessments/templates/assessments/term/detail.html", "Submit my scores (final)"),
    ("assessments/templates/assessments/term/detail.html", "Decide"),
    ("funding/templates/funding/studio_funding.html", "Record a reversal"),
    ("templates/accounts/channels/robot.html", "Remove the robot"),
]
BUTTON = re.compile(r"<button\b([^>]*)>\s*\{%\s*translate\s+\"([^\"]+)\"\s*%\}\s*</button>", re.S)


def buttons(template: str) -> list[tuple[str, str]]:
    """(attributes, words) of each ``<button …>{% translate "…" %}</button>`` of a template."""
    source = (ROOT / template).read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in BUTTON.finditer(source)]


@pytest.mark.parametrize(("template", "words"), IRREVERSIBLE)
def test_the_irreversible_button_asks_first(template, words):
    found = [attributes for attributes, label in buttons(template) if label == words]
    assert found, f"no button “{words}” in {template}"
    for attributes in found:
        assert re.search(r'data-confirm="[^"]{20,}"', attributes), (template, words)


def test_the_selection_confirmation_counts_the_ticked_boxes():
    (attributes,) = [
        a
        for a, label in buttons("applications/templates/applications/experts/ranking.html")
        if label == "Save the selection"
    ]
    assert 'data-confirm-count="selected"' in attributes
    assert "{chosen}" in attributes and "{others}" in attributes


def test_every_page_loads_the_confirmation_script():
    base = (ROOT / "templates/base.html").read_text(encoding="utf-8")
    assert "js/confirm.js" in base
    script = (ROOT / "static/js/confirm.js").read_text(encoding="utf-8")
    assert "window.confirm" in script and "data-confirm" in script
