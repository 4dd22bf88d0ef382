"""The Django admin in the matrix: every model's pages answer the superuser without a server
error, and send every other demo role to the admin's own login."""

import pytest
from django.contrib import admin
from django.urls import reverse

from . import coverage
from .harness import clients_for, request
from .table import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="package")
def admin_clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients_for(world.users)


def _model_pages():
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        first = model._default_manager.order_by("pk").first()
        yield model, reverse("admin:{}_{}_changelist".format(*info)), "list"
        yield model, reverse("admin:{}_{}_add".format(*info)), "add"
        if first is not None:
            yield model, reverse("admin:{}_{}_change".format(*info), args=[first.pk]), "change"


def test_every_admin_page_answers_the_superuser(world, admin_clients):
    problems = []
    for model, url, kind in _model_pages():
        outcome = request(
            admin_clients["admin"], "GET", url, {"q": "柳"} if kind == "list" else None
        )
        coverage.record_matrix(f"admin:{model._meta.label}:{kind}", "admin", outcome.status)
        model_admin = admin.site._registry[model]
        expected = {200}
        if kind == "add" and not model_admin.has_add_permission(outcome.response.wsgi_request):
            expected = {403}
        if outcome.status not in expected:
            problems.append(f"{url}: {outcome.status} (expected {expected})\n{outcome.error}")
    assert not problems, "\n".join(problems)


def test_no_other_role_reaches_the_admin(world, admin_clients):
    problems = []
    for model, url, kind in _model_pages():
        if kind != "list":
            continue
        for role in ROLES:
            if role == "admin":
                continue
            outcome = request(admin_clients[role], "GET", url)
            coverage.record_matrix(f"admin:{model._meta.label}:{kind}", role, outcome.status)
            location = outcome.response.get("Location", "")
            if outcome.status != 302 or not location.startswith(reverse("admin:login")):
                problems.append(f"{role} {url}: {outcome.status} {location}")
    assert not problems, "\n".join(problems)
