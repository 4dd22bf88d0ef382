"""The URL × role matrix: every named URL, reversed with demo objects, as every demo role.

The expected answers are declared in one table per app (``tests/<app>/url_table.py``). Beyond
what a table says, every answer is checked for what must hold everywhere: no server error; no
200 on another city's object, nor on another county's object for county- and school-level
roles; no inline script on a page; a POST to a page refused to a role on GET is refused too.
"""

import json
import os

import pytest
from django.urls import resolve, reverse

from accounts.models import Role

from . import coverage
from .harness import clients_for, named_patterns, page_problems, request
from .table import LOGIN, OK, PUBLIC, ROLES, SCOPED
from .tables import ALL_ROWS

CITY_WIDE = {Role.MUNICIPAL_ADMIN, Role.CE_OFFICER, Role.EXPERT}
DENIED = {LOGIN, 403, 404, 405}
# Every test here reads the world (and pytest-django creates test databases only for tests
# that say they need one).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="package")
def clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients_for(world.users)


def test_every_url_has_a_row():
    rows = {row.name for row in ALL_ROWS}
    missing = sorted(set(named_patterns()) - rows)
    assert not missing, f"URLs without a row in any tests/<app>/url_table.py: {missing}"


def test_every_row_names_a_url():
    unknown = sorted({row.name for row in ALL_ROWS} - set(named_patterns()))
    assert not unknown, f"rows for URLs that do not exist: {unknown}"


def test_rows_are_unique():
    ids = [row.id for row in ALL_ROWS]
    assert len(ids) == len(set(ids)), "two rows share a name: give one a variant"


def test_roles_are_the_demo_logins(world):
    assert set(ROLES) - {"anon"} == set(world.users)


def _reach(user) -> tuple[set[str], set[str | None], bool]:
    """The cities and counties of a user's roles, and whether any role is city-wide."""
    cities, counties, city_wide = set(), set(), False
    for ra in user.role_assignments.select_related("organisation__city", "organisation__county"):
        org = ra.organisation
        cities.add(org.city.code)
        if ra.role in CITY_WIDE or (ra.role == Role.AUDITOR and org.kind == "municipal_bureau"):
            city_wide = True
        elif org.kind == "county_bureau":
            counties.add(org.code)
        else:
            counties.add(org.county.code if org.county_id else None)
    return cities, counties, city_wide


def _leak(row, home, user) -> str:
    if home is None or row.visibility == PUBLIC or user.is_superuser or home.city is None:
        return ""
    cities, counties, city_wide = _reach(user)
    if home.city not in cities:
        return f"answers 200 to a user of another city ({sorted(cities)}, object in {home.city})"
    if row.visibility == SCOPED and not city_wide and home.county not in counties:
        return (
            f"answers 200 to a user of another county ({sorted(map(str, counties))}, "
            f"object in {home.county or 'a bureau-affiliated school'})"
        )
    return ""


@pytest.mark.parametrize("row", ALL_ROWS, ids=lambda row: row.id)
def test_url(row, world, clients, db):
    kwargs = {key: world.value(spec) for key, spec in row.kwargs.items()}
    url = reverse(row.name, kwargs=kwargs) + (f"?{row.query}" if row.query else "")
    home = world.home(row.kwargs)
    view = resolve(url.split("?")[0]).func
    view_class = getattr(view, "view_class", None)
    accepts_post = row.method == "GET" and view_class is not None and hasattr(view_class, "post")
    problems, observed = [], {}
    for role in ROLES:
        outcome = request(clients[role], row.method, url)
        observed[role] = outcome.kind
        coverage.record_matrix(row.id, role, outcome.status)
        if outcome.status >= 500:
            problems.append(f"{role}: server error {outcome.status}\n{outcome.error}")
            continue
        expected = row.expected(role)
        if outcome.kind != expected:
            problems.append(f"{role}: expected {expected}, got {outcome.kind}")
        if outcome.kind == OK and role != "anon":
            leak = _leak(row, home, world.users[role])
            if leak:
                problems.append(f"{role}: {leak}")
        for problem in page_problems(outcome):
            problems.append(f"{role}: the page has {problem}")
        if accepts_post:
            posted = request(clients[role], "POST", url)
            coverage.record_matrix(row.id + " POST", role, posted.status)
            if posted.status >= 500:
                problems.append(f"{role}: POST gives server error\n{posted.error}")
            elif outcome.kind in DENIED and posted.kind not in DENIED:
                problems.append(
                    f"{role}: refused on GET ({outcome.kind}) but POST answers {posted.kind}"
                )
    if os.environ.get("MATRIX_OBSERVE"):
        with open(os.environ["MATRIX_OBSERVE"], "a") as out:
            out.write(json.dumps({"row": row.id, "observed": observed}) + "\n")
    assert not problems, f"{url} ({row.method}):\n" + "\n".join(problems)
