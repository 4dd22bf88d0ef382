"""A studio's plans (规划、年度计划、培训计划): the three-year plan, yearly and training plans.

Every save adds a version; earlier versions stay readable. The three-year plan starts as the
text of the application (version 0, never stored twice); yearly and training plans belong to one
school year of the studio's term.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify
from policies.rules import school_year_label, school_year_start, text_length

from ..errors import StudioError
from ..models import Membership, PlanKind, Studio, StudioPlan

# Plans that belong to one school year; the three-year plan covers the whole term.
PER_SCHOOL_YEAR = {PlanKind.YEARLY, PlanKind.TRAINING}
TITLE_MAX = StudioPlan._meta.get_field("title").max_length


def term_school_years(studio: Studio) -> list[int]:
    """The school years (first calendar year) the studio's term touches, in order."""
    first = school_year_start(studio.policy, studio.term_start).year
    last = school_year_start(studio.policy, studio.term_end).year
    return list(range(first, last + 1))


def default_title(kind: str, school_year: int | None) -> str:
    """The plan's usual name: “三年发展规划”, “2024—2025学年年度计划”, “2024—2025学年培训计划”."""
    if kind == PlanKind.THREE_YEAR:
        return str(PlanKind.THREE_YEAR.label)
    label = school_year_label(school_year)
    if kind == PlanKind.YEARLY:
        return _("Yearly plan, %(year)s") % {"year": label}
    return _("Training plan, %(year)s") % {"year": label}


def _current_members(studio: Studio) -> list[User]:
    """Current members (any role) who have an account: they read the studio's plans."""
    return [
        m.user
        for m in Membership.objects.filter(
            studio=studio, user__isnull=False, end_date__isnull=True
        ).select_related("user")
    ]


@transaction.atomic
def plan_save(
    *,
    actor: User,
    studio: Studio,
    kind: str,
    school_year: int | None,
    title: str,
    text: str,
) -> StudioPlan:
    """Add a new version of one of the studio's plans (the host only).

    Yearly and training plans need a school year within the term; the three-year plan has none.
    An empty title takes the plan's usual name. The members are told that the plan changed.
    """
    if not can(actor, "studios.manage_studio", studio):
        raise StudioError(_("Only the host of an active studio may edit its plans."))
    if kind not in PlanKind.values:
        raise StudioError(_("Choose the kind of plan."))
    kind = PlanKind(kind)
    if kind in PER_SCHOOL_YEAR:
        if school_year is None:
            raise StudioError(_("Yearly and training plans belong to a school year: choose one."))
        if school_year not in term_school_years(studio):
            raise StudioError(_("Choose a school year within the studio's term."))
    else:
        school_year = None
    text = (text or "").strip()
    if not text:
        raise StudioError(_("The plan is empty."))
    policy = studio.policy
    if kind == PlanKind.THREE_YEAR and policy.plan_max_length:
        length = text_length(policy, text)
        if length > policy.plan_max_length:
            raise StudioError(
                _("The three-year plan is %(length)d characters long; the limit is %(limit)d.")
                % {"length": length, "limit": policy.plan_max_length}
            )
    title = (title or "").strip() or default_title(kind, school_year)
    title = title[:TITLE_MAX]

    # One version number per save, even when two saves race: the studio row serialises them.
    Studio.objects.select_for_update().filter(pk=studio.pk).first()
    latest = StudioPlan.objects.filter(studio=studio, kind=kind, school_year=school_year).aggregate(
        latest=Max("version")
    )["latest"]
    plan = StudioPlan.objects.create(
        studio=studio,
        kind=kind,
        school_year=school_year,
        version=(latest or 0) + 1,
        title=title,
        text=text,
        author=actor,
    )
    audit_record(
        actor=actor,
        obj=plan,
        verb="studios.plan.saved",
        from_state=f"v{latest}" if latest else "",
        to_state=f"v{plan.version}",
        comment=plan.title,
        organisation=studio.school,
    )
    recipients = [u for u in _current_members(studio) if u.pk != actor.pk]
    notify(
        recipients,
        verb="studios.plan.saved",
        title=lambda: (
            _("%(studio)s updated a plan: %(title)s") % {"studio": studio.name, "title": plan.title}
        ),
        body=lambda: (
            _("Version %(version)d of “%(title)s” is now the current one.")
            % {"version": plan.version, "title": plan.title}
        ),
        url=reverse("studios:plan_version", args=[studio.pk, plan.pk]),
        obj=plan,
    )
    return plan


# --- reads ----------------------------------------------------------------------------------


def three_year_plan(studio: Studio) -> StudioPlan:
    """The current three-year plan: the latest saved version, or the application's text as
    version 0 (an unsaved object: it has no pk and is never written)."""
    latest = (
        StudioPlan.objects.filter(studio=studio, kind=PlanKind.THREE_YEAR)
        .select_related("author")
        .order_by("-version")
        .first()
    )
    return latest or application_plan(studio)


def application_plan(studio: Studio) -> StudioPlan:
    """Version 0 of the three-year plan: what the host wrote in the application."""
    return StudioPlan(
        studio=studio,
        kind=PlanKind.THREE_YEAR,
        school_year=None,
        version=0,
        title=_("Three-year plan, as written in the application"),
        text=studio.application.plan,
        author=studio.host,
    )


def latest_plan(studio: Studio, kind: str, school_year: int | None) -> StudioPlan | None:
    if kind == PlanKind.THREE_YEAR:
        return three_year_plan(studio)
    return (
        StudioPlan.objects.filter(studio=studio, kind=kind, school_year=school_year)
        .order_by("-version")
        .first()
    )


@dataclass
class PlanSeries:
    """Every version of one plan (one kind, one school year), newest first."""

    kind: str
    school_year: int | None
    label: str
    versions: list[StudioPlan] = field(default_factory=list)

    @property
    def current(self) -> StudioPlan | None:
        return self.versions[0] if self.versions else None

    @property
    def history(self) -> list[StudioPlan]:
        return self.versions[1:]


def plan_series(studio: Studio, kind: str, school_year: int | None) -> PlanSeries:
    """One plan with its history; the three-year plan ends with the application's version 0."""
    versions = list(
        StudioPlan.objects.filter(studio=studio, kind=kind, school_year=school_year)
        .select_related("author")
        .order_by("-version")
    )
    if kind == PlanKind.THREE_YEAR:
        versions.append(application_plan(studio))
        label = str(PlanKind.THREE_YEAR.label)
    else:
        label = school_year_label(school_year)
    return PlanSeries(kind=kind, school_year=school_year, label=label, versions=versions)


def studio_plans(studio: Studio) -> dict[str, list[PlanSeries]]:
    """Every plan of the studio by kind, in two queries: the three-year plan, then one series
    per school year of the term for yearly and training plans (empty series included)."""
    rows = list(
        StudioPlan.objects.filter(studio=studio).select_related("author").order_by("-version")
    )
    years = term_school_years(studio)
    extra = sorted({p.school_year for p in rows if p.school_year is not None} - set(years))
    result: dict[str, list[PlanSeries]] = {}
    three_year = [p for p in rows if p.kind == PlanKind.THREE_YEAR]
    three_year.append(application_plan(studio))
    result[PlanKind.THREE_YEAR] = [
        PlanSeries(PlanKind.THREE_YEAR, None, str(PlanKind.THREE_YEAR.label), three_year)
    ]
    for kind in (PlanKind.YEARLY, PlanKind.TRAINING):
        result[kind] = [
            PlanSeries(
                kind,
                year,
                school_year_label(year),
                [p for p in rows if p.kind == kind and p.school_year == year],
            )
            for year in [*years, *extra]
        ]
    return result
