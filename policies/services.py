"""Writes for policies: loading (or bringing up to date) a city's policy preset."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, User
from accounts.services import audit_record, city_ensure, organisation_ensure
from core.errors import DomainError

from .models import ActivityQuota, Indicator, Policy, TeamRule

PRESET_DIR = Path(__file__).resolve().parent / "presets"

_NOT_SCALAR = {"city", "pairing_counties", "team_rules", "activity_quotas", "indicators"}


class PolicyError(DomainError):
    """A policy could not be loaded or saved; the message says why."""


def preset_codes() -> list[str]:
    return sorted(path.stem for path in PRESET_DIR.glob("*.json"))


def preset_data(code: str) -> dict:
    path = PRESET_DIR / f"{code}.json"
    if code not in preset_codes():
        raise PolicyError(_("There is no policy preset called “%(code)s”.") % {"code": code})
    return json.loads(path.read_text(encoding="utf-8"))


def _scalar_fields(data: dict) -> dict:
    fields = {key: value for key, value in data.items() if key not in _NOT_SCALAR}
    for key in (
        "funding_min",
        "funding_max",
        "annual_pass_score",
        "annual_commend_score",
        "term_pass_score",
        "term_excellent_score",
    ):
        if fields.get(key) is not None:
            fields[key] = Decimal(fields[key])
    if fields.get("issued_on"):
        fields["issued_on"] = date.fromisoformat(fields["issued_on"])
    return fields


@transaction.atomic
def policy_load_preset(*, actor: User | None, code: str) -> Policy:
    """Create or bring up to date the policy of preset ``code``, with its city and counties.

    Idempotent: loading the same preset again leaves every row as it was.
    """
    data = preset_data(code)
    city_data = data["city"]
    city = city_ensure(code=city_data["code"], name=city_data["name"])
    bureau = organisation_ensure(
        city=city,
        kind=OrganisationKind.MUNICIPAL_BUREAU,
        code=city_data["bureau_code"],
        name=city_data["bureau_name"],
    )
    counties = [
        organisation_ensure(
            city=city,
            kind=OrganisationKind.COUNTY_BUREAU,
            code=county["code"],
            name=county["name"],
            parent=bureau,
        )
        for county in data["pairing_counties"]
    ]
    policy = Policy.objects.filter(code=data["code"]).first() or Policy(code=data["code"])
    created = policy.pk is None
    policy.city = city
    for key, value in _scalar_fields(data).items():
        setattr(policy, key, value)
    _validate(policy)
    policy.save()
    policy.pairing_counties.set(counties)

    _sync_rows(policy, TeamRule, "role", data["team_rules"])
    _sync_rows(policy, ActivityQuota, "code", data["activity_quotas"])
    _sync_indicators(policy, data.get("indicators", []))

    if created:
        audit_record(
            actor=actor,
            obj=policy,
            verb="policies.policy.loaded",
            to_state="active",
            comment=policy.source_document,
            organisation=bureau,
        )
    return policy


def _sync_indicators(policy: Policy, rows: list[dict]) -> None:
    """Indicators are keyed on (scope, code); the preset lists them in order."""

    kept = []
    for position, row in enumerate(rows):
        indicator, _created = Indicator.objects.update_or_create(
            policy=policy,
            scope=row["scope"],
            code=row["code"],
            defaults={
                "name": row["name"],
                "max_points": Decimal(str(row["max_points"])),
                "position": position,
                "description": row.get("description", ""),
            },
        )
        _validate(indicator)
        kept.append(indicator.pk)
    Indicator.objects.filter(policy=policy).exclude(pk__in=kept).delete()


def _sync_rows(policy: Policy, model, key: str, rows: list[dict]) -> None:
    """Make the policy's ``model`` rows exactly ``rows`` (matched on ``key``), validating each."""
    fields = {f.name for f in model._meta.concrete_fields} - {"id", "policy", key}
    kept = []
    for row in rows:
        unknown = set(row) - fields - {key}
        if unknown:
            raise PolicyError(f"{model.__name__}: unknown fields {sorted(unknown)}")
        instance = model.objects.filter(policy=policy, **{key: row[key]}).first()
        instance = instance or model(policy=policy, **{key: row[key]})
        for field in fields:
            setattr(instance, field, row.get(field, model._meta.get_field(field).get_default()))
        _validate(instance)
        instance.save()
        kept.append(row[key])
    model.objects.filter(policy=policy).exclude(**{f"{key}__in": kept}).delete()


def _validate(instance) -> None:
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise PolicyError(f"{instance}: {'; '.join(exc.messages)}") from exc
