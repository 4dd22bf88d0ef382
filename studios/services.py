"""Writes for studios: loading a city's policy preset; founding a studio at publication."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind, User
from accounts.services import audit_record, city_ensure, organisation_ensure
from applications.models import ApplicationStatus
from core.errors import DomainError

from .models import (
    ActivityQuota,
    Membership,
    MembershipSource,
    Policy,
    Studio,
    StudioStatus,
    TeamRole,
    TeamRule,
)

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
            verb="studios.policy.loaded",
            to_state="active",
            comment=policy.source_document,
            organisation=bureau,
        )
    return policy


def _sync_indicators(policy: Policy, rows: list[dict]) -> None:
    """Indicators are keyed on (scope, code); the preset lists them in order."""
    from .models import Indicator

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


# --- founding a studio (publication of a call's results) ----------------------------------


class StudioError(DomainError):
    """A studio write was refused; the message is translated and safe to show."""


def term_end_for(start: date, years: int) -> date:
    """The last day of a term of ``years`` starting on ``start``: the same day ``years`` later,
    minus one (1 September 2024, 3 years → 31 August 2027; 29 February → 28 February)."""
    try:
        same_day = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a year that has none: the term ends on 28 February
        same_day = date(start.year + years, 3, 1)
    return same_day - timedelta(days=1)


_MEMBER_FIELDS = [
    "name",
    "gender",
    "birth_month",
    "work_unit",
    "professional_title",
    "post",
    "phone",
    "head_teacher_years",
]


@transaction.atomic
def studio_found(*, actor: User, application, seq: int, published_on: date) -> Studio:
    """Found the studio of a selected application: named after its host, based at the host's
    school, for the policy's term from ``published_on``, with plaque number ``seq`` of the year.

    The host, the advisors and the members named in the application become its first
    memberships; the host gets the per-object ``studios.manage_studio`` grant. The caller
    (publication) checks the bureau's permission and the call's state.
    """
    from guardian.shortcuts import assign_perm

    if application.status != ApplicationStatus.SELECTED:
        raise StudioError(_("Only a selected application founds a studio."))
    if Studio.objects.filter(application_id=application.pk).exists():
        raise StudioError(_("This application has already founded a studio."))
    call = application.call
    policy = call.policy
    term_start = published_on
    studio = Studio.objects.create(
        policy=policy,
        call=call,
        application=application,
        name=policy.studio_name(application.host_name),
        host=application.applicant,
        school=application.school,
        county=application.county,
        paired_county=application.paired_county,
        school_stage=application.school_stage,
        research_direction=application.research_direction,
        term_start=term_start,
        term_end=term_end_for(term_start, policy.term_years),
        status=StudioStatus.ACTIVE,
        plaque_number=policy.plaque_number(year=published_on.year, seq=seq),
        published_on=published_on,
    )
    host = Membership(
        studio=studio,
        role=TeamRole.HOST,
        user=application.applicant,
        source=MembershipSource.APPLICATION,
        start_date=term_start,
        **{field: getattr(application, field) for field in _MEMBER_FIELDS if field != "name"},
    )
    host.name = application.host_name
    team = [
        Membership(
            studio=studio,
            role=entry.role,
            source=MembershipSource.APPLICATION,
            start_date=term_start,
            **{field: getattr(entry, field) for field in _MEMBER_FIELDS},
        )
        for entry in sorted(application.team.all(), key=lambda e: (e.role, e.position, e.pk))
        if entry.role in (TeamRole.ADVISOR, TeamRole.MEMBER)
    ]
    Membership.objects.bulk_create([host, *team])
    assign_perm("studios.manage_studio", application.applicant, studio)
    audit_record(
        actor=actor,
        obj=studio,
        verb="studios.studio.founded",
        to_state=StudioStatus.ACTIVE,
        comment=studio.plaque_number,
    )
    return studio
