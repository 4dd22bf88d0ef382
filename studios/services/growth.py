"""Members' growth files (成长档案): a personal growth plan, semester summaries with the report-back
at one's own school, attendance, outputs. A file follows the person, not the studio: it shows
every studio they belong or belonged to, and outlives their memberships.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from accounts.permissions import can, scope_q
from accounts.services import audit_record, notify
from core import clock
from policies.models import QuotaPeriod, TeamRole
from policies.rules import Period, period_containing, school_year_start, semester_label

from ..errors import StudioError
from ..models import (
    Attendance,
    AttendanceStatus,
    GrowthPlan,
    Membership,
    Output,
    SemesterSummary,
    Studio,
    StudioStatus,
)
from ..permissions import GROWTH_ROLES, STUDIO_MANAGERS

# --- the school calendar, for summaries -------------------------------------------------------


def semester_period(studio: Studio, school_year: int, semester: int) -> Period:
    """Semester 1 (autumn) or 2 (spring) of ``school_year`` in the studio's policy calendar."""
    policy = studio.policy
    if semester == 1:
        day = date(school_year, policy.school_year_start_month, policy.school_year_start_day)
    else:
        day = date(
            school_year + 1, policy.spring_semester_start_month, policy.spring_semester_start_day
        )
    return period_containing(policy, QuotaPeriod.SEMESTER, day)


def semester_text(school_year: int, semester: int) -> str:
    """“2024—2025学年第一学期”."""
    return semester_label(school_year, autumn=semester == 1)


def current_semester(studio: Studio, day: date) -> tuple[int, int]:
    """(school year, semester) of ``day`` in the studio's calendar."""
    year = school_year_start(studio.policy, day).year
    return year, 1 if semester_period(studio, year, 1).contains(day) else 2


def semesters_to_summarise(membership: Membership, day: date) -> list[tuple[int, int, str]]:
    """The semesters of one membership that have started by ``day``, newest first, as
    (school year, semester, label): the choices of a member's summary form."""
    studio = membership.studio
    last_day = min(d for d in (membership.end_date, studio.term_end, day) if d is not None)
    start = max(membership.start_date, studio.term_start)
    choices = []
    year = start.year - 1
    while year <= last_day.year:
        for semester in (1, 2):
            period = semester_period(studio, year, semester)
            if period.end >= start and period.start <= last_day:
                choices.append((year, semester, semester_text(year, semester)))
        year += 1
    return list(reversed(choices))


# --- writes -----------------------------------------------------------------------------------


def _growth_membership(actor: User, studio: Studio) -> Membership:
    if not can(actor, "studios.keep_growth_file", studio):
        raise StudioError(_("Only a current member of an active studio keeps a growth file there."))
    return (
        Membership.objects.filter(
            studio=studio, user=actor, end_date__isnull=True, role__in=GROWTH_ROLES
        )
        .order_by("-start_date")
        .first()
    )


@transaction.atomic
def growth_plan_save(*, actor: User, text: str, studio: Studio) -> GrowthPlan:
    """A new version of the member's personal growth plan (个人成长规划), written while in
    ``studio``. The plan is the person's: it stays in their file when they move on."""
    _growth_membership(actor, studio)
    text = (text or "").strip()
    if not text:
        raise StudioError(_("The growth plan is empty."))
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one version per save
    latest = GrowthPlan.objects.filter(person=actor).aggregate(latest=Max("version"))["latest"]
    plan = GrowthPlan.objects.create(
        person=actor, studio=studio, version=(latest or 0) + 1, text=text
    )
    audit_record(
        actor=actor,
        obj=plan,
        verb="studios.growth_plan.saved",
        from_state=f"v{latest}" if latest else "",
        to_state=f"v{plan.version}",
        organisation=studio.school,
    )
    return plan


@transaction.atomic
# Complex by nature: one branch per rule of a semester summary.
def summary_save(  # noqa: C901
    *,
    actor: User,
    studio: Studio,
    school_year: int,
    semester: int,
    summary: str,
    report_date: date | None,
    report_place: str,
    today: date | None = None,
) -> SemesterSummary:
    """Write or rewrite the member's own summary of one semester, with the date and place of
    their report-back at their school (返校汇报). Editable until the host has reviewed it."""
    day = today or clock.today()
    membership = _growth_membership(actor, studio)
    if semester not in (1, 2):
        raise StudioError(_("Choose the first or the second semester."))
    period = semester_period(studio, school_year, semester)
    if period.start > day:
        raise StudioError(_("%(semester)s has not started yet.") % {"semester": period.label})
    if period.end < max(membership.start_date, studio.term_start) or period.start > studio.term_end:
        raise StudioError(_("Choose a semester of your time in the studio."))
    summary = (summary or "").strip()
    if not summary:
        raise StudioError(_("The summary is empty."))
    report_place = (report_place or "").strip()[:200]
    if bool(report_date) != bool(report_place):
        raise StudioError(_("Give both the date and the place of your report-back, or neither."))
    if report_date is not None:
        if report_date < period.start:
            raise StudioError(
                _("The report-back cannot be before the semester it reports on (%(start)s).")
                % {"start": period.start.isoformat()}
            )
        if report_date > day:
            raise StudioError(_("The report-back date is in the future."))

    existing = (
        SemesterSummary.objects.select_for_update()
        .filter(person=actor, school_year=school_year, semester=semester)
        .first()
    )
    if existing is not None:
        if existing.reviewed_at is not None:
            raise StudioError(_("The host has reviewed this summary; it can no longer be changed."))
        if existing.studio_id != studio.pk:
            raise StudioError(
                _("You already wrote the summary of %(semester)s in another studio.")
                % {"semester": period.label}
            )
        existing.summary = summary
        existing.report_date = report_date
        existing.report_place = report_place
        existing.save(update_fields=["summary", "report_date", "report_place"])
        verb, saved = "studios.semester_summary.updated", existing
    else:
        try:
            with transaction.atomic():
                saved = SemesterSummary.objects.create(
                    person=actor,
                    studio=studio,
                    school_year=school_year,
                    semester=semester,
                    summary=summary,
                    report_date=report_date,
                    report_place=report_place,
                )
        except IntegrityError:
            raise StudioError(
                _("This summary was just saved from another window; reload and try again.")
            ) from None
        verb = "studios.semester_summary.submitted"
    audit_record(
        actor=actor,
        obj=saved,
        verb=verb,
        to_state="submitted",
        comment=period.label,
        organisation=studio.school,
    )
    return saved


@transaction.atomic
def summary_review(*, actor: User, summary: SemesterSummary, comment: str) -> SemesterSummary:
    """The host of the summary's studio reviews it; the member is told, and can no longer
    change it. Two clicks make one review."""
    studio = summary.studio
    if studio is None or not can(actor, "studios.manage_studio", studio):
        raise StudioError(_("Only the host of the member's studio may review this summary."))
    comment = (comment or "").strip()
    if not comment:
        raise StudioError(_("Write your review."))
    updated = SemesterSummary.objects.filter(pk=summary.pk, reviewed_at__isnull=True).update(
        host_comment=comment, reviewed_by=actor, reviewed_at=timezone.now()
    )
    if not updated:
        raise StudioError(_("This summary has already been reviewed."))
    summary.refresh_from_db()
    audit_record(
        actor=actor,
        obj=summary,
        verb="studios.semester_summary.reviewed",
        from_state="submitted",
        to_state="reviewed",
        comment=comment,
        organisation=studio.school,
    )
    notify(
        [summary.person],
        verb="studios.semester_summary.reviewed",
        title=lambda: (
            _("%(host)s reviewed your summary of %(semester)s")
            % {
                "host": actor.get_full_name(),
                "semester": semester_text(summary.school_year, summary.semester),
            }
        ),
        body=comment,
        url=reverse("studios:growth_file", args=[summary.person_id]),
        obj=summary,
    )
    return summary


# --- reads ------------------------------------------------------------------------------------


@dataclass
class AttendanceRate:
    """考勤: present over every recorded activity; leave is counted apart from absence."""

    present: int = 0
    leave: int = 0
    absent: int = 0

    @property
    def recorded(self) -> int:
        return self.present + self.leave + self.absent

    @property
    def rate(self) -> float | None:
        return self.present / self.recorded if self.recorded else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def _attendance_counts(queryset, key: str) -> dict[int, AttendanceRate]:
    rows = queryset.values(key).annotate(
        present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
        leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
        absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
    )
    return {
        row[key]: AttendanceRate(row["present"], row["leave"], row["absent"])
        for row in rows.order_by()
    }


def attendance_by_studio(person: User) -> dict[int, AttendanceRate]:
    """The person's attendance in each studio they belong or belonged to (studio id → rate)."""
    return _attendance_counts(
        Attendance.objects.filter(membership__user=person), "membership__studio"
    )


def attendance_by_member(studio: Studio) -> dict[int, AttendanceRate]:
    """Each member's attendance in ``studio`` (user id → rate)."""
    return _attendance_counts(
        Attendance.objects.filter(membership__studio=studio, membership__user__isnull=False),
        "membership__user",
    )


def _label(summaries):
    for s in summaries:
        s.semester_text = semester_text(s.school_year, s.semester)
    return summaries


@dataclass
class StudioTime:
    """One studio in a person's file: their place there, attendance, summaries and outputs."""

    studio: Studio
    memberships: list[Membership]
    attendance: AttendanceRate
    summaries: list[SemesterSummary] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(m.end_date is None for m in self.memberships)


@dataclass
class GrowthFile:
    person: User
    studios: list[StudioTime]
    plans: list[GrowthPlan]  # newest first
    summaries: list[SemesterSummary]  # newest first, every studio
    outputs: list[Output]

    @property
    def plan(self) -> GrowthPlan | None:
        return self.plans[0] if self.plans else None

    @property
    def plan_history(self) -> list[GrowthPlan]:
        return self.plans[1:]


def growth_file(person: User) -> GrowthFile:
    """Everything in one person's file, across every studio, in a constant number of queries."""
    memberships = list(
        Membership.objects.filter(user=person)
        .select_related("studio", "studio__policy", "studio__school")
        .order_by("-start_date", "-id")
    )
    attendance = attendance_by_studio(person)
    summaries = _label(
        list(
            SemesterSummary.objects.filter(person=person)
            .select_related("studio", "reviewed_by")
            .order_by("-school_year", "-semester")
        )
    )
    times: dict[int, StudioTime] = {}
    for membership in memberships:
        time = times.get(membership.studio_id)
        if time is None:
            time = times[membership.studio_id] = StudioTime(
                studio=membership.studio,
                memberships=[],
                attendance=attendance.get(membership.studio_id, AttendanceRate()),
            )
        time.memberships.append(membership)
    for summary in summaries:
        if summary.studio_id in times:
            times[summary.studio_id].summaries.append(summary)
    plans = list(
        GrowthPlan.objects.filter(person=person).select_related("studio").order_by("-version")
    )
    outputs = list(
        Output.objects.filter(person=person)
        .select_related("studio")
        .order_by("-produced_on", "-id")
    )
    return GrowthFile(
        person=person,
        studios=list(times.values()),
        plans=plans,
        summaries=summaries,
        outputs=outputs,
    )


@dataclass
class MemberRow:
    """One line of the host's review list."""

    membership: Membership
    attendance: AttendanceRate
    summary: SemesterSummary | None
    unreviewed: int
    plan_version: int | None


def studio_growth(studio: Studio) -> list[MemberRow]:
    """Every current member with an account, their latest summary in this studio, attendance,
    how many summaries wait for review, and their growth plan's version: four queries."""
    memberships = list(
        Membership.objects.filter(
            studio=studio, end_date__isnull=True, role__in=GROWTH_ROLES, user__isnull=False
        )
        .select_related("user")
        .order_by("role", "name", "pk")
    )
    people = [m.user_id for m in memberships]
    latest: dict[int, SemesterSummary] = {}
    waiting: dict[int, int] = {}
    for summary in _label(
        list(
            SemesterSummary.objects.filter(studio=studio, person_id__in=people)
            .select_related("reviewed_by")
            .order_by("-school_year", "-semester")
        )
    ):
        latest.setdefault(summary.person_id, summary)
        if summary.reviewed_at is None:
            waiting[summary.person_id] = waiting.get(summary.person_id, 0) + 1
    versions = dict(
        GrowthPlan.objects.filter(person_id__in=people)
        .values("person")
        .annotate(latest=Max("version"))
        .order_by()
        .values_list("person", "latest")
    )
    attendance = attendance_by_member(studio)
    return [
        MemberRow(
            membership=m,
            attendance=attendance.get(m.user_id, AttendanceRate()),
            summary=latest.get(m.user_id),
            unreviewed=waiting.get(m.user_id, 0),
            plan_version=versions.get(m.user_id),
        )
        for m in memberships
    ]


def growth_people_for(user: User) -> QuerySet[User]:
    """People whose growth file ``user`` may open: themselves, the people of the studios they
    host or currently advise, and of the studios they oversee (the same answer as
    ``studios.view_growth_file``)."""

    people = User.objects.all()
    if user.is_superuser:
        return people
    hosted = get_objects_for_user(user, "studios.manage_studio", klass=Studio, with_superuser=False)
    advised = Membership.objects.filter(
        user=user, role=TeamRole.ADVISOR, end_date__isnull=True
    ).values("studio")
    studios = Studio.objects.filter(
        Q(pk__in=hosted.values("pk"))
        | Q(pk__in=advised)
        | scope_q(user, roles=STUDIO_MANAGERS, prefix="school__")
    )
    belongs = Membership.objects.filter(user=OuterRef("pk"), studio__in=studios.values("pk"))
    return people.filter(Q(pk=user.pk) | Q(Exists(belongs)))


def growth_person_for(user: User, pk: int) -> User | None:
    return growth_people_for(user).filter(pk=pk).first()


def my_growth_memberships(user: User) -> list[Membership]:
    """The user's current places where they keep a growth file (for the forms on their file)."""
    return list(
        Membership.objects.filter(
            user=user,
            end_date__isnull=True,
            role__in=GROWTH_ROLES,
            studio__status=StudioStatus.ACTIVE,
        )
        .select_related("studio", "studio__policy")
        .order_by("studio__name")
    )
