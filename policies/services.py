"""Writes for policies: loading a city's preset, and the editor's create, save and new version."""

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, User
from accounts.services import audit_record, city_ensure, organisation_ensure
from core.errors import DomainError

from .application_form import validate_definition
from .models import ActivityQuota, Indicator, Policy, TeamRule
from .selectors import policy_in_use

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


# --- the policy editor: a bureau sets up and changes its rules in the browser ---------------

# The scalar values a bureau edits (everything but identity, versions and the form definition).
EDITABLE_FIELDS = [
    f.name
    for f in Policy._meta.concrete_fields
    if f.name not in {"id", "city", "code", "version", "replaces", "sources", "application_form"}
]
ROW_MODELS = {"team_rules": TeamRule, "activity_quotas": ActivityQuota, "indicators": Indicator}
# What identifies a row of each kind inside one policy (for the history: which row changed).
ROW_KEYS = {"team_rules": ("role",), "activity_quotas": ("code",), "indicators": ("scope", "code")}
ROW_FIELDS = {
    name: [f.name for f in model._meta.concrete_fields if f.name not in {"id", "policy"}]
    for name, model in ROW_MODELS.items()
}


@dataclass(frozen=True)
class PolicyEdit:
    """What the editor sends: every value, its sources, the counties and every rule row.

    ``values`` holds the fields of ``EDITABLE_FIELDS`` (a field left out keeps its value);
    each row is a dict of its model's fields (``position`` of indicators comes from the
    order)."""

    values: dict
    sources: dict = dataclasses.field(default_factory=dict)
    pairing_counties: list = dataclasses.field(default_factory=list)
    team_rules: list = dataclasses.field(default_factory=list)
    activity_quotas: list = dataclasses.field(default_factory=list)
    indicators: list = dataclasses.field(default_factory=list)


def _problems_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            key: [str(m) for m in ValidationError(errors).messages]
            for key, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def rules_problems(policy: Policy, edit: PolicyEdit) -> dict[str, list[str]]:
    """Checks that read the policy and its rows together, as messages a bureau understands.

    Keys: a policy field, or ``team_rules`` / ``activity_quotas`` / ``indicators``."""
    problems: dict[str, list[str]] = {}

    def add(key, message):
        problems.setdefault(key, []).append(message)

    for name, key in ROW_KEYS.items():
        seen = [tuple(str(row.get(k)) for k in key) for row in getattr(edit, name)]
        if len(seen) != len(set(seen)):
            add(
                name,
                _("Two rows describe the same thing: each row needs its own %(what)s.")
                % {
                    "what": "、".join(
                        str(ROW_MODELS[name]._meta.get_field(k).verbose_name) for k in key
                    )
                },
            )
    scored = {"annual": policy.annual_assessment_scale == "scored", "term": True}
    for scope, label in (("annual", _("annual assessment")), ("term", _("term evaluation"))):
        points = [
            Decimal(str(row.get("max_points") or 0))
            for row in edit.indicators
            if row.get("scope") == scope
        ]
        if points and scored[scope] and sum(points) != 100:
            add(
                "indicators",
                _(
                    "The points of the %(what)s checklist add up to %(total)s; "
                    "a scored checklist adds up to 100."
                )
                % {"what": label, "total": f"{sum(points):g}"},
            )
    member = next((r for r in edit.team_rules if r.get("role") == "member"), None)
    recruited, assigned = policy.members_recruited_by_host, policy.members_assigned_by_bureau
    if member is not None and recruited is not None:
        total = recruited + (assigned or 0)
        low, high = member.get("min_count") or 0, member.get("max_count")
        if total < low or (high is not None and total > high):
            add(
                "members_recruited_by_host",
                _(
                    "The host recruits %(recruited)s and the bureau assigns %(assigned)s: "
                    "%(total)s members, but the team rule for members asks for %(range)s."
                )
                % {
                    "recruited": recruited,
                    "assigned": assigned or 0,
                    "total": total,
                    "range": f"{low}–{high}" if high is not None else f"≥{low}",
                },
            )
    if not any(r.get("role") == "host" for r in edit.team_rules):
        add("team_rules", _("The team needs a row for the host."))
    return problems


def _apply(policy: Policy, edit: PolicyEdit) -> None:
    """Set the edit's values on ``policy`` and check everything; nothing is saved here."""
    for name, value in edit.values.items():
        if name not in EDITABLE_FIELDS:
            raise PolicyError(_("“%(field)s” is not a value of a policy.") % {"field": name})
        setattr(policy, name, value)
    policy.sources = {k: str(v).strip() for k, v in edit.sources.items() if str(v).strip()}
    problems: dict[str, list[str]] = {}
    try:
        policy.full_clean(exclude=["city", "pairing_counties"])
    except ValidationError as exc:
        problems.update(_problems_of(exc))
    for name, model in ROW_MODELS.items():
        for row in getattr(edit, name):
            unknown = set(row) - set(ROW_FIELDS[name])
            if unknown:
                raise PolicyError(f"{model.__name__}: unknown fields {sorted(unknown)}")
            try:
                model(**row).full_clean(
                    exclude=["policy"], validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                messages = [m for ms in _problems_of(exc).values() for m in ms]
                problems.setdefault(name, []).extend(messages)
    for key, messages in rules_problems(policy, edit).items():
        problems.setdefault(key, []).extend(messages)
    if problems:
        first = next(iter(problems.values()))[0]
        raise PolicyError(first, problems=problems)


def _write_rows(policy: Policy, edit: PolicyEdit) -> None:
    """The rows become exactly the edit's (nothing points at a rule row, so they are rebuilt)."""
    for name, model in ROW_MODELS.items():
        model.objects.filter(policy=policy).delete()
        rows = []
        for position, row in enumerate(getattr(edit, name)):
            values = dict(row)
            if model is Indicator:
                values["position"] = position
            rows.append(model(policy=policy, **values))
        model.objects.bulk_create(rows)
    policy.pairing_counties.set(edit.pairing_counties)


def _snapshot(policy: Policy) -> dict:
    """Every value of a saved policy, as the history compares them."""
    data = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    data["sources"] = dict(policy.sources or {})
    data["pairing_counties"] = sorted(c.name for c in policy.pairing_counties.all())
    for name, model in ROW_MODELS.items():
        data[name] = {
            tuple(str(getattr(r, k)) for k in ROW_KEYS[name]): {
                f: getattr(r, f) for f in ROW_FIELDS[name]
            }
            for r in model.objects.filter(policy=policy)
        }
    return data


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _changes(before: dict, after: dict) -> list[str]:
    """One line per changed value: “label: old → new” (rows by their key)."""
    lines = []
    for name in EDITABLE_FIELDS + ["pairing_counties"]:
        if before.get(name) != after.get(name):
            label = Policy._meta.get_field(name).verbose_name
            lines.append(f"{label}: {_shown(before.get(name))} → {_shown(after.get(name))}")
    for name in sorted(set(before["sources"]) | set(after["sources"])):
        old, new = before["sources"].get(name, ""), after["sources"].get(name, "")
        if old != new:
            label = Policy._meta.get_field(name).verbose_name if name in EDITABLE_FIELDS else name
            lines.append(
                f"{_('source')} · {label}: {old or _('set by the bureau')} → "
                f"{new or _('set by the bureau')}"
            )
    for name, model in ROW_MODELS.items():
        old_rows, new_rows = before[name], after[name]
        kind = model._meta.verbose_name
        for key in sorted(set(old_rows) | set(new_rows)):
            shown_key = "/".join(
                str(dict(model._meta.get_field(k).choices or ()).get(v, v))
                for k, v in zip(ROW_KEYS[name], key, strict=True)
            )
            if key not in new_rows:
                lines.append(f"{kind} {shown_key}: {_('removed')}")
            elif key not in old_rows:
                lines.append(f"{kind} {shown_key}: {_('added')}")
            else:
                for f in ROW_FIELDS[name]:
                    if f != "position" and old_rows[key][f] != new_rows[key][f]:
                        label = model._meta.get_field(f).verbose_name
                        lines.append(
                            f"{kind} {shown_key} · {label}: "
                            f"{_shown(old_rows[key][f])} → {_shown(new_rows[key][f])}"
                        )
    return lines


def _bureau_of(policy: Policy):
    return Organisation.objects.filter(
        city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU
    ).first()


@transaction.atomic
def policy_create(
    *, actor: User | None, city, code: str, edit: PolicyEdit, application_form: dict | None = None
) -> Policy:
    """A new policy of ``city`` (version 1) with the edit's values and rows."""
    if Policy.objects.filter(code=code).exists():
        raise PolicyError(
            _("The code “%(code)s” is taken; choose another.") % {"code": code},
            problems={
                "code": [_("The code “%(code)s” is taken; choose another.") % {"code": code}]
            },
        )
    policy = Policy(city=city, code=code, application_form=application_form or {})
    _apply(policy, edit)
    policy.save()
    _write_rows(policy, edit)
    audit_record(
        actor=actor,
        obj=policy,
        verb="policies.policy.created",
        to_state="active",
        comment=policy.source_document,
        organisation=_bureau_of(policy),
    )
    return policy


def _version_code(policy: Policy, version: int) -> str:
    root = policy
    while root.replaces_id is not None:
        root = root.replaces
    base = f"{root.code[:52]}-v{version}"
    code, n = base, 1
    while Policy.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def policy_new_version(
    *,
    actor: User | None,
    policy: Policy,
    edit: PolicyEdit,
    application_form: dict | None = None,
) -> Policy:
    """A new version replacing ``policy``: its values and rows copied, then the edit applied.

    What was pinned to ``policy`` (calls, studios) keeps it, unchanged."""
    old = Policy.objects.select_for_update().get(pk=policy.pk)
    if Policy.objects.filter(replaces=old).exists():
        raise PolicyError(_("This version has already been replaced; edit the newest version."))
    before = _snapshot(old)
    new = Policy.objects.get(pk=old.pk)
    new.pk = new.id = None
    new.version = old.version + 1
    new.replaces = old
    new.code = _version_code(old, new.version)
    if application_form is not None:
        new.application_form = application_form
    _apply(new, edit)
    new.save()
    _write_rows(new, edit)
    changes = _changes(before, _snapshot(new))
    if new.application_form != old.application_form:
        changes.append(str(_("The application form was changed.")))
    audit_record(
        actor=actor,
        obj=new,
        verb="policies.policy.versioned",
        from_state=f"v{old.version}",
        to_state=f"v{new.version}",
        comment="\n".join([_("Replaces %(code)s.") % {"code": old.code}, *changes]),
        organisation=_bureau_of(new),
    )
    return new


@transaction.atomic
def policy_save(*, actor: User | None, policy: Policy, edit: PolicyEdit) -> Policy:
    """Save an edit: in place while nothing uses the policy, else as a new version.

    Returns the policy that holds the edit (``policy`` itself, or its new version)."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if Policy.objects.filter(replaces=locked).exists():
        raise PolicyError(_("This version has already been replaced; edit the newest version."))
    if policy_in_use(locked):
        return policy_new_version(actor=actor, policy=locked, edit=edit)
    before = _snapshot(locked)
    _apply(locked, edit)
    locked.save()
    _write_rows(locked, edit)
    changes = _changes(before, _snapshot(locked))
    if changes:
        audit_record(
            actor=actor,
            obj=locked,
            verb="policies.policy.edited",
            comment="\n".join(changes),
            organisation=_bureau_of(locked),
        )
    return locked


# --- where an edit starts: a policy as it is, a preset, or a blank page --------------------


def policy_as_edit(policy: Policy) -> PolicyEdit:
    """A saved policy as the editor shows it."""
    rows = {
        name: [
            {f: getattr(r, f) for f in ROW_FIELDS[name] if f != "position"}
            for r in model.objects.filter(policy=policy)
        ]
        for name, model in ROW_MODELS.items()
    }
    return PolicyEdit(
        values={name: getattr(policy, name) for name in EDITABLE_FIELDS},
        sources=dict(policy.sources or {}),
        pairing_counties=list(policy.pairing_counties.all()),
        **rows,
    )


def preset_as_edit(code: str, city) -> PolicyEdit:
    """A preset's values for a new policy of ``city``: its counties matched by code among the
    city's own county bureaus (a preset names another city's counties, which stay behind)."""
    data = preset_data(code)
    values = {k: v for k, v in _scalar_fields(data).items() if k in EDITABLE_FIELDS}
    county_codes = [c["code"] for c in data.get("pairing_counties", [])]
    counties = list(
        Organisation.objects.filter(
            city=city, kind=OrganisationKind.COUNTY_BUREAU, code__in=county_codes
        )
    )
    rows = {}
    for name, model in ROW_MODELS.items():
        fields = [f for f in ROW_FIELDS[name] if f != "position"]
        rows[name] = [
            {
                f: row.get(f, model._meta.get_field(f).get_default())
                for f in fields
                if f in row or model._meta.get_field(f).has_default() or f == "source"
            }
            for row in data.get(name, [])
        ]
    return PolicyEdit(
        values=values,
        sources={k: str(v) for k, v in (data.get("sources") or {}).items()},
        pairing_counties=counties,
        **rows,
    )


def blank_edit() -> PolicyEdit:
    """A blank page: the model's defaults, a host row, and nothing a document must give."""
    values = {}
    for name in EDITABLE_FIELDS:
        f = Policy._meta.get_field(name)
        values[name] = f.get_default() if f.has_default() else None
    values.update(
        school_stages=[],
        expenditure_categories=[],
        studio_name_pattern="{host}名班主任工作室",
        plaque_number_pattern="〔{year}〕{seq:02d}号",
        term_years=3,
    )
    host = {"role": "host", "min_count": 1, "max_count": 1, "chosen_by": "applicant"}
    return PolicyEdit(values=values, team_rules=[host])


@transaction.atomic
def policy_form_save(*, actor: User | None, policy: Policy, definition: dict) -> Policy:
    """Save the city's application form: checked with ``validate_definition``; in place while
    nothing uses the policy, else as a new version (what uses the old one keeps its form)."""
    problems = validate_definition(definition)
    if problems:
        raise PolicyError(problems[0], problems={"__all__": problems})
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if Policy.objects.filter(replaces=locked).exists():
        raise PolicyError(_("This version has already been replaced; edit the newest version."))
    if policy_in_use(locked):
        return policy_new_version(
            actor=actor, policy=locked, edit=policy_as_edit(locked), application_form=definition
        )
    if locked.application_form == definition:
        return locked
    locked.application_form = definition
    locked.save(update_fields=["application_form"])
    audit_record(
        actor=actor,
        obj=locked,
        verb="policies.policy.form_edited",
        comment=str(_("The application form was changed.")),
        organisation=_bureau_of(locked),
    )
    return locked
