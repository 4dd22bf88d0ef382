import io

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every model of ours, as plain values."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {"accounts", "studios", "guardian", "applications"}:
            fields = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
            rows[model._meta.label] = list(model.objects.order_by("pk").values(*fields))
    return rows


def test_seed_demo_prints_logins_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "lz_county" in out.getvalue() and "sz_ce" in out.getvalue()
    assert "Second factor: OFF" in out.getvalue()  # the demo says it runs without 2FA
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first
    assert len(first["applications.Application"]) == 24
    statuses = {row["status"] for row in first["applications.Application"]}
    assert statuses >= {
        "draft",
        "at_school",
        "at_county",
        "at_city",
        "returned",
        "rejected",
        "expert_review",
        "selected",
        "published",
    }
    assert len(first["studios.Studio"]) == 6


def test_seed_demo_has_the_real_counties():
    from accounts.models import Organisation, OrganisationKind

    call_command("seed_demo", stdout=io.StringIO())
    liuzhou = set(
        Organisation.objects.filter(
            city__code="liuzhou", kind=OrganisationKind.COUNTY_BUREAU
        ).values_list("name", flat=True)
    )
    assert liuzhou == {
        "城中区",
        "鱼峰区",
        "柳南区",
        "柳北区",
        "柳江区",
        "柳城县",
        "鹿寨县",
        "融安县",
        "融水苗族自治县",
        "三江侗族自治县",
    }
    suizhou = set(
        Organisation.objects.filter(
            city__code="suizhou", kind=OrganisationKind.COUNTY_BUREAU
        ).values_list("name", flat=True)
    )
    assert {"曾都区", "随县", "广水市"} <= suizhou
