"""Every permission rule, asked about a demo object by every demo role.

The answers are declared in one table per app (``tests/<app>/rule_table.py``); a rule without
a row fails, and so does a rule that allows a user of another city (or, for county- and
school-level roles, another county) what it should keep in its scope.
"""

import json
import os

import pytest

from accounts.permissions import can, registered_rules

from .table import ROLES
from .test_urls import _leak
from .world import home_of

pytestmark = pytest.mark.django_db


def _rows():
    from tests.accounts.rule_table import RULES as ACCOUNTS
    from tests.applications.rule_table import RULES as APPLICATIONS
    from tests.assessments.rule_table import RULES as ASSESSMENTS
    from tests.funding.rule_table import RULES as FUNDING
    from tests.studios.rule_table import RULES as STUDIOS

    return [*ACCOUNTS, *APPLICATIONS, *STUDIOS, *ASSESSMENTS, *FUNDING]


RULE_ROWS = _rows()


def test_every_rule_has_a_row():
    # "tests.*" rules are registered by the tests themselves (tests/accounts/test_mixins.py).
    product = {name for name in registered_rules() if not name.startswith("tests.")}
    missing = sorted(product - {row.name for row in RULE_ROWS})
    assert not missing, f"rules without a row in any tests/<app>/rule_table.py: {missing}"


def test_every_row_names_a_rule():
    unknown = sorted({row.name for row in RULE_ROWS} - set(registered_rules()))
    assert not unknown, f"rows for rules that do not exist: {unknown}"


def test_the_anonymous_visitor_may_do_nothing(world):
    for row in RULE_ROWS:
        assert not can(None, row.name, world.obj(row.obj) if row.obj else None)


@pytest.mark.parametrize("row", RULE_ROWS, ids=lambda row: row.id)
def test_rule(row, world):
    obj = world.obj(row.obj) if row.obj else None
    home = home_of(obj) if obj is not None and hasattr(obj, "_meta") else None
    problems, observed = [], []
    for role in ROLES:
        if role == "anon":
            continue
        user = world.users[role]
        allowed = can(user, row.name, obj)
        if allowed:
            observed.append(role)
        if allowed != row.expected(role):
            problems.append(f"{role}: expected {row.expected(role)}, got {allowed}")
        if allowed:
            leak = _leak(row, home, user)
            if leak:
                problems.append(f"{role}: {leak.replace('answers 200', 'allowed')}")
    if os.environ.get("MATRIX_OBSERVE"):
        with open(os.environ["MATRIX_OBSERVE"], "a") as out:
            out.write(json.dumps({"row": row.id, "allowed": observed}) + "\n")
    assert not problems, f"{row.name} on {row.obj}:\n" + "\n".join(problems)
