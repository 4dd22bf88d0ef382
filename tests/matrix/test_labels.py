"""Every field on every page has a name a screen reader can read (tests/matrix/labels.py).

Each GET row of the URL tables is rendered as every role the table lets in, in the demo world.
"""

import pytest
from django.urls import reverse

from .harness import clients_for, request
from .labels import unlabelled_fields
from .table import OK
from .tables import ALL_ROWS

pytestmark = pytest.mark.django_db
PAGES = [row for row in ALL_ROWS if row.method == "GET"]


@pytest.fixture(scope="package")
def label_clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients_for(world.users)


def test_the_check_finds_an_unlabelled_field_and_accepts_the_labelled_ones():
    html = (
        '<form><input name="a"><label>B <input name="b"></label>'
        '<label for="c">C</label><select id="c" name="c"></select>'
        '<input name="d" aria-label="D"><input type="hidden" name="e">'
        '<span hidden><input type="checkbox" name="f"></span>'
        '<template><input name="g"></template><textarea name="h"></textarea>'
        '<button type="submit">OK</button></form>'
    )
    assert unlabelled_fields(html) == ["<input name='a'>", "<textarea name='h'>"]


@pytest.mark.parametrize("row", PAGES, ids=lambda row: row.id)
def test_every_field_is_labelled(row, world, label_clients, db):
    kwargs = {key: world.value(spec) for key, spec in row.kwargs.items()}
    url = reverse(row.name, kwargs=kwargs) + (f"?{row.query}" if row.query else "")
    problems = []
    for role, client in label_clients.items():
        if row.expected(role) != OK:
            continue
        outcome = request(client, "GET", url)
        response = outcome.response
        if outcome.status != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        missing = unlabelled_fields(response.content.decode("utf-8", "replace"))
        if missing:
            problems.append(f"{role}: {', '.join(sorted(set(missing)))}")
    assert not problems, f"{url}: fields without a label:\n" + "\n".join(problems)
