"""Every form and action, fuzzed: each role's pages are crawled, and each form found in the
HTML is posted as rendered, twice in a row (a double click), empty, with every field hostile
at once (a fixed sweep of the values that broke things before), and with hostile values drawn
by hypothesis (fixed seed, bounded). No answer may be a server error, and a post the product
refuses must change nothing in the database.
"""

import os
import time
from urllib.parse import urlsplit

import pytest
from django.contrib import messages as django_messages
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import coverage
from .forms import (
    EXPLICIT_ROUNDS,
    FormCase,
    duplicate_file_values,
    explicit_data,
    forms_on,
    hostile_data,
)
from .harness import Outcome, clients_for, request
from .table import OK, ROLES
from .tables import ALL_ROWS

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("MINGSHI_FUZZ_EXAMPLES", "4"))
# Forms that are the same whoever posts them (the header's, one's own preferences, the public
# pages'): fuzzed for the anonymous visitor, one bureau and one teacher, not for every role.
EVERYWHERE = {
    "accounts:language_switch",
    "accounts:logout",
    "accounts:preferences",
    "accounts:notice_channels",
    "accounts:password_change",
    "accounts:notifications_read",
    "studios:plaque_verify",
    "studios:studio_directory",
    "studios:calendar_feeds",
    "applications:objection_file",
    "studios:resources",
    "accounts:activate",
    "accounts:password_reset",
}
EVERYWHERE_ROLES = {"anon", "lz_city", "sz_teacher"}
# A refused login or second-factor code is recorded: the attempt counts towards the lockout
# or the code's throttling, and is audited.
REFUSAL_MAY_WRITE = {
    "accounts:login": ("axes_", "accounts_auditentry"),
    "accounts:otp_setup": ("otp_totp_", "accounts_auditentry"),
    "accounts:otp_verify": ("otp_totp_", "otp_static_", "accounts_auditentry"),
    # A wrong activation code counts against the person's printed code (and may block it).
    "accounts:activate": ("accounts_invitation", "accounts_auditentry"),
}


@pytest.fixture(scope="package")
def fuzz_clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients_for(world.users)


def admin_pages() -> list[str]:
    """Every model admin's list, its add form and its first object's page."""
    from django.contrib import admin

    pages = []
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return pages


def pages_for(world, role: str) -> list[str]:
    pages = admin_pages() if role == "admin" else []
    for row in ALL_ROWS:
        if row.method != "GET" or row.expected(role) != OK:
            continue
        kwargs = {key: world.value(spec) for key, spec in row.kwargs.items()}
        pages.append(reverse(row.name, kwargs=kwargs) + (f"?{row.query}" if row.query else ""))
    return pages


def verdict(outcome: Outcome) -> str:
    """accepted, refused or unknown, from the answer and the messages the request queued."""
    response = outcome.response
    if 400 <= outcome.status < 500:
        return "refused"
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = list(getattr(storage, "_queued_messages", []) or [])
    if any(m.level in (django_messages.SUCCESS, django_messages.INFO) for m in queued):
        return "accepted"
    if outcome.status == 200:
        return "refused" if "text/html" in response.get("Content-Type", "") else "accepted"
    if any(m.level >= django_messages.WARNING for m in queued):
        return "refused"
    return "unknown"


def problems_of(case: FormCase, outcome: Outcome) -> list[str]:
    coverage.record_fuzz(case.id, outcome.status)
    if outcome.status >= 500:
        return [f"server error {outcome.status}\n{outcome.error}"]
    if case.method == "GET":
        return [f"a GET form wrote {outcome.writes[:3]}"] if outcome.writes else []
    if verdict(outcome) != "refused":
        return []
    allowed = REFUSAL_MAY_WRITE.get(case.url_name, ())
    writes = [w for w in outcome.writes if not any(t in w for t in allowed)]
    return [f"refused ({outcome.status}) but wrote {writes[:3]}"] if writes else []


def discover(world, role: str, clients) -> list[FormCase]:
    seen, cases = set(), []
    for page in pages_for(world, role):
        outcome = request(clients[role], "GET", page)
        if outcome.status != 200 or "text/html" not in outcome.response.get("Content-Type", ""):
            continue
        for case in forms_on(role, page, outcome.response.content.decode("utf-8", "replace")):
            if case.url_name in EVERYWHERE and role not in EVERYWHERE_ROLES:
                continue
            if case.key in seen:
                continue
            seen.add(case.key)
            cases.append(case)
    return cases


def send(client, case: FormCase, data: dict, *, keep=False) -> Outcome:
    if case.method == "GET":
        plain = {k: v for k, v in data.items() if not hasattr(v, "read")}
        return request(client, "GET", case.action, plain, keep=keep)
    return request(client, "POST", case.action, data, keep=keep)


def _shown(values: dict) -> dict:
    return {
        key: value if len(str(value)) < 80 else f"{str(value)[:40]}… ({len(str(value))} chars)"
        for key, value in values.items()
        if key != "csrfmiddlewaretoken"
    }


def fuzz_form(client, case: FormCase) -> list[str]:
    """Every post at ``case`` sees what opening its page did, as in the browser (a page may
    prepare something: the authenticator page keeps the secret it shows until it is confirmed);
    all of it is rolled back after the form."""
    with transaction.atomic():
        request(client, "GET", case.page, keep=True)
        problems = _fuzz_form(client, case)
        transaction.set_rollback(True)
    return problems


def _fuzz_form(client, case: FormCase) -> list[str]:
    problems = []

    def note(label, outcome):
        problems.extend(f"{case.id} [{label}]: {p}" for p in problems_of(case, outcome))

    rendered = case.defaults()
    note("as rendered", send(client, case, duplicate_file_values(rendered)))
    # A double click: the same post twice, the second seeing what the first did.
    with transaction.atomic():
        note("double click, first", send(client, case, duplicate_file_values(rendered), keep=True))
        note("double click, second", send(client, case, duplicate_file_values(rendered)))
        transaction.set_rollback(True)
    note("empty", send(client, case, {}))
    for i in range(EXPLICIT_ROUNDS):
        values = explicit_data(case, i)
        note(f"every field hostile, round {i + 1}: {_shown(values)}", send(client, case, values))

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        # No shrinking: a failure is reported as found, so a broken form costs a bounded
        # number of requests (shrinking one took minutes).
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(st.data())
    def hostile(data):
        values = hostile_data(data.draw, case)
        found = problems_of(case, send(client, case, values))
        assert not found, f"{case.id} [hostile {_shown(values)}]: {found[0]}"

    try:
        hostile()
    except AssertionError as exc:
        problems.append(str(exc))
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_forms(role, world, fuzz_clients, db):
    client = fuzz_clients[role]
    cases = discover(world, role, fuzz_clients)
    coverage.record_buttons(
        role,
        [
            pair
            for case in cases
            # The admin's own forms are the admin matrix's; unresolved actions have no name.
            if case.method == "POST"
            and not urlsplit(case.action).path.startswith("/admin/")
            and "/" not in case.url_name
            for pair in case.buttons()
        ],
    )
    problems: list[str] = []
    trace = os.environ.get("MINGSHI_FUZZ_TRACE")
    for case in cases:
        started = time.perf_counter()
        problems.extend(fuzz_form(client, case))
        if trace:
            print(f"{time.perf_counter() - started:7.2f}s {len(case.fields):3d} fields {case.id}")
    assert cases, f"no form found on {role}'s pages"
    assert not problems, f"{len(problems)} problems in {len(cases)} forms:\n" + "\n\n".join(
        problems[:40]
    )
