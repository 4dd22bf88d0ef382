"""The scope of an audit workbook: a city, or one county of it, a batch, a year.

The scope comes from the user's roles (``scope_for_user``) and can never be wider than them: a
county auditor exports their county, a city auditor their city. The command line
(``manage.py export_audit``) builds the whole city's scope without a user (``city_scope``).
Every sheet reads its rows through ``AuditScope.studio_q`` or ``organisation_q``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import City, Organisation, OrganisationKind, Role
from accounts.permissions import areas_for, can
from applications.models import Call
from core import forms as core_forms

# The roles whose holders may ask for an audit export (funding.export_audit).
EXPORT_ROLES = {Role.AUDITOR, Role.MUNICIPAL_ADMIN, Role.CE_OFFICER}


class ScopeError(Exception):
    """The scope asked for lies outside the user's roles, or names nothing known."""


@dataclass(frozen=True)
class AuditScope:
    """What one workbook covers. ``county`` None: the whole city (bureau-affiliated schools
    included); ``call`` None: every batch; ``year`` None: every year."""

    city: City
    county: Organisation | None = None
    call: Any = None  # applications.Call
    year: int | None = None
    today: date | None = None  # the day quota compliance is counted on
    # Birth months in full, or masked (1980-**) for a reader who may not see them
    # (accounts.view_personal_details over the whole scope: not auditors).
    reveal_personal: bool = True

    def studio_q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}school__city_id": self.city.pk})
        if self.county is not None:
            q &= Q(**{f"{prefix}school__county_id": self.county.pk})
        if self.call is not None:
            q &= Q(**{f"{prefix}call_id": self.call.pk})
        return q

    def organisation_q(self, prefix: str = "") -> Q:
        """Organisations in scope: the city's, or the county bureau and its schools."""
        q = Q(**{f"{prefix}city_id": self.city.pk})
        if self.county is not None:
            q &= Q(**{f"{prefix}county_id": self.county.pk}) | Q(**{f"{prefix}pk": self.county.pk})
        return q

    @property
    def as_of(self) -> date:
        """Compliance is counted today, or on the last day of a past year asked for."""
        day = self.today or timezone.localdate()
        if self.year is not None:
            day = min(day, date(self.year, 12, 31))
        return day

    def params(self) -> dict:
        """JSON for a background job; ``scope_for_user`` turns it back into a scope."""
        return {
            "city": self.city.code,
            "county": self.county.code if self.county else None,
            "call": self.call.pk if self.call else None,
            "year": self.year,
        }

    @property
    def label(self) -> str:
        parts = [self.city.name]
        if self.county is not None:
            parts.append(self.county.name)
        if self.call is not None:
            parts.append(self.call.title)
        parts.append(f"{self.year}年" if self.year else "全部年度")
        return " · ".join(parts)

    @property
    def filename(self) -> str:
        parts = ["审计导出", self.city.name]
        if self.county is not None:
            parts.append(self.county.name)
        if self.call is not None:
            parts.append(f"批次{self.call.pk}")
        if self.year:
            parts.append(str(self.year))
        return "-".join(parts) + ".xlsx"


def allowed_areas(user) -> dict[int, set[int] | None]:
    """City id → the county ids the user may export (None: the whole city)."""
    return areas_for(user, roles=EXPORT_ROLES)


def city_scope(
    *, city: str, county: str | None = None, call: int | None = None, year: int | None = None
) -> AuditScope:
    """A scope from codes, with no user (the command line): unknown codes raise ScopeError."""

    found = City.objects.filter(code=city).first()
    if found is None:
        raise ScopeError(f"unknown city {city!r}")
    county_org = None
    if county:
        county_org = Organisation.objects.filter(
            city=found, kind=OrganisationKind.COUNTY_BUREAU, code=county
        ).first()
        if county_org is None:
            raise ScopeError(f"unknown county {county!r} in {found.code}")
    call_obj = None
    if call is not None:
        call_obj = Call.objects.filter(pk=call, bureau__city=found).first()
        if call_obj is None:
            raise ScopeError(f"no batch (call) {call} in {found.code}")
    if year is not None and not 2000 <= int(year) <= 2100:
        raise ScopeError(f"implausible year {year}")
    return AuditScope(city=found, county=county_org, call=call_obj, year=year)


def scope_for_user(
    user,
    *,
    city: str | None = None,
    county: str | None = None,
    call: int | None = None,
    year: int | None = None,
) -> AuditScope:
    """The scope asked for, checked against the user's roles: never wider than they allow.

    A user whose roles cover one county only gets that county even when none is named; a
    county outside their roles, or a city they have no role in, raises ScopeError.
    """
    areas = allowed_areas(user)
    if not areas:
        raise ScopeError(_("You have no role that allows audit exports."))
    if city is None:
        if len(areas) != 1:
            raise ScopeError(_("Choose a city."))
        city = City.objects.get(pk=next(iter(areas))).code
    try:
        scope = city_scope(city=city, county=county, call=call, year=year)
    except ScopeError:
        raise ScopeError(_("That scope does not exist.")) from None
    if scope.city.pk not in areas:
        raise ScopeError(_("That city is outside your scope."))
    counties = areas[scope.city.pk]
    if counties is not None:
        if scope.county is None:
            if len(counties) != 1:
                raise ScopeError(_("Choose one of your counties."))
            county_org = Organisation.objects.get(pk=next(iter(counties)))
            scope = replace(scope, county=county_org)
        elif scope.county.pk not in counties:
            raise ScopeError(_("That county is outside your scope."))
    area = scope.county or Organisation.objects.get(
        city=scope.city, kind=OrganisationKind.MUNICIPAL_BUREAU
    )
    return replace(scope, reveal_personal=can(user, "accounts.view_personal_details", area))


class AuditScopeForm(core_forms.Form):
    """The scope an auditor picks, its choices limited to what their roles cover."""

    city = forms.ModelChoiceField(
        label=_("City"), queryset=City.objects.none(), to_field_name="code", empty_label=None
    )
    county = forms.ModelChoiceField(
        label=_("County/district"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All counties"),
    )
    call = forms.ModelChoiceField(
        label=_("Batch"), queryset=None, required=False, empty_label=_("All batches")
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        areas = allowed_areas(user)
        self.fields["city"].queryset = City.objects.filter(pk__in=areas).order_by("code")
        counties = Organisation.objects.filter(kind=OrganisationKind.COUNTY_BUREAU)
        limited = Q(pk__in=[])
        for city_id, county_ids in areas.items():
            if county_ids is None:
                limited |= Q(city_id=city_id)
            else:
                limited |= Q(pk__in=county_ids)
        self.fields["county"].queryset = counties.filter(limited).order_by("city", "code")
        if areas and all(county_ids is not None for county_ids in areas.values()):
            # A county auditor: no "all counties" choice to pick.
            self.fields["county"].required = True
            self.fields["county"].empty_label = None
        self.fields["call"].queryset = Call.objects.filter(bureau__city_id__in=areas).order_by(
            "-opens_on", "-pk"
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.scope = scope_for_user(
                self.user,
                city=data["city"].code,
                county=data["county"].code if data.get("county") else None,
                call=data["call"].pk if data.get("call") else None,
                year=data.get("year"),
            )
        except ScopeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data
