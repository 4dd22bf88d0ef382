"""Every button the fuzz found on the demo roles' pages is pressed by a browser journey, or
says why not (``tests/browser/buttons.py``): a new button without a journey fails here.

Runs after the fuzz (pytest takes a folder's files in name order), and only when the fuzz
crawled every role in this session."""

import pytest

from tests.browser import buttons

from . import coverage
from .table import ROLES


def test_every_button_found_is_in_a_journey():
    if coverage.fuzz_roles != set(ROLES):
        pytest.skip("only meaningful after the fuzz crawled every role in this session")
    declared = set(buttons.JOURNEYS) | set(buttons.NOT_IN_A_JOURNEY)
    missing = sorted(set(coverage.buttons_found) - declared)
    assert not missing, "buttons in no journey (tests/browser/buttons.py):\n" + "\n".join(
        f"  {name} {action!r}, seen by {' '.join(sorted(coverage.buttons_found[(name, action)]))}"
        for name, action in missing
    )
