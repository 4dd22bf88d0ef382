"""Every action button of each role's main journey was pressed in the browser journeys.

Runs last in ``tests/browser`` (pytest takes a folder's files in name order) and only when the
whole folder ran, since a single journey presses only its own buttons."""

from pathlib import Path

import pytest

from tests.matrix.harness import named_patterns

from . import buttons

HERE = Path(__file__).parent


def _whole_folder_ran(session) -> bool:
    journeys = {p.name for p in HERE.glob("test_*.py")} - {Path(__file__).name}
    collected = {Path(str(item.fspath)).name for item in session.items}
    return journeys <= collected


def test_every_journey_button_was_pressed(request):
    if not _whole_folder_ran(request.session):
        pytest.skip("only meaningful when every browser journey ran in this session")
    missing = sorted(set(buttons.JOURNEYS) - buttons.PRESSED)
    assert not missing, "buttons no journey pressed:\n" + "\n".join(
        f"  {name} {action or '(its only button)'}: declared for {buttons.JOURNEYS[(name, action)]}"
        for name, action in missing
    )


def test_the_button_table_names_real_urls():
    names = set(named_patterns())  # namespace:name, as the recorder stores them
    unknown = {name for name, _action in [*buttons.JOURNEYS, *buttons.NOT_IN_A_JOURNEY]} - names
    assert not unknown
