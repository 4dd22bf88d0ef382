"""Live quota compliance: every studio's logged activities counted against its policy's quotas.

Pure reads. The periods are the policy's school calendar (``studios.rules.period_containing``),
clipped to the studio's term; what counts for a quota is the quota's own data (kinds, paired
county, per member). Nothing here knows a city.

For each quota the current period gets a count, a target and a state:

* ``on_track``: the target is reached, or the count keeps pace with the part of the period
  already gone (count ≥ ⌊target × days elapsed (today included) / days in the period⌋);
* ``behind``: not on pace, and the period is still open;
* ``missed``: the most recent closed period of the term fell short.

A period the term only partly covers (the term starts on 1 September, the calendar year on
1 January) asks for a pro-rata target, rounded up. ``compliance_grid`` computes the same for
many studios with a fixed number of queries: it fetches the activities and reports of all the
studios at once and groups them in Python.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from policies.models import ActivityQuota, Policy, TeamRole
from policies.rules import Period, period_containing

from .models import Activity, Membership, SemesterSummary, Studio

ON_TRACK = "on_track"
BEHIND = "behind"
MISSED = "missed"

STATE_LABELS = {
    ON_TRACK: _("On track"),
    BEHIND: _("Behind"),
    MISSED: _("Missed a period"),
}
STATE_COLOURS = {ON_TRACK: "green", BEHIND: "amber", MISSED: "red"}


@dataclass(frozen=True)
class PeriodCount:
    """One period of a quota within the term: what was done and what was asked."""

    period: Period
    count: int
    target: int
    partial: bool = False

    @property
    def met(self) -> bool:
        return self.count >= self.target

    @property
    def ratio(self) -> str:
        return f"{self.count}/{self.target}"


@dataclass
class QuotaState:
    """One quota of one studio, as of one day."""

    quota: ActivityQuota
    period: Period
    count: int
    target: int
    state: str
    expected: int = 0
    partial: bool = False
    closed: bool = False
    missed: list[PeriodCount] = field(default_factory=list)

    @property
    def ratio(self) -> str:
        return f"{self.count}/{self.target}"

    @property
    def colour(self) -> str:
        return STATE_COLOURS[self.state]

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def last_missed(self) -> PeriodCount | None:
        return self.missed[-1] if self.missed else None


@dataclass
class GridRow:
    studio: Studio
    policy: Policy
    states: list[QuotaState]


@dataclass
class GridGroup:
    """Rows of one policy, so that the columns (its quotas) are the same for every row."""

    policy: Policy
    quotas: list[ActivityQuota]
    rows: list[GridRow]


@dataclass(frozen=True)
class _Slot:
    period: Period  # clipped to the term
    full_days: int  # the length of the whole calendar period

    @property
    def days(self) -> int:
        return (self.period.end - self.period.start).days + 1

    @property
    def partial(self) -> bool:
        return self.days < self.full_days


def term_periods(policy: Policy, kind: str, term_start: date, term_end: date) -> list[_Slot]:
    """Every period of ``kind`` that meets the term, clipped to it, in order."""
    slots = []
    day = term_start
    while day <= term_end:
        whole = period_containing(policy, kind, day)
        start, end = max(whole.start, term_start), min(whole.end, term_end)
        slots.append(
            _Slot(Period(whole.kind, start, end, whole.label), (whole.end - whole.start).days + 1)
        )
        day = whole.end + timedelta(days=1)
    return slots


def pro_rata(min_count: int, slot: _Slot) -> int:
    """The quota for the part of the period inside the term, rounded up (never below 1)."""
    if not slot.partial:
        return min_count
    return max(1, -(-min_count * slot.days // slot.full_days))


def expected_by(target: int, slot: _Slot, today: date) -> int:
    """What keeping pace asks for by ``today``: ⌊target × days gone / days in the period⌋,
    today counted as gone (so on a period's last day the whole target is due)."""
    if today > slot.period.end:
        return target
    elapsed = min(max((today - slot.period.start).days + 1, 0), slot.days)
    return target * elapsed // slot.days


class _Calendar:
    """Periods of a term, computed once per (policy calendar, term) for a whole grid."""

    def __init__(self):
        self._cache: dict[tuple, list[_Slot]] = {}

    def slots(self, policy: Policy, kind: str, start: date, end: date) -> list[_Slot]:
        key = (
            policy.school_year_start_month,
            policy.school_year_start_day,
            policy.spring_semester_start_month,
            policy.spring_semester_start_day,
            kind,
            start,
            end,
        )
        if key not in self._cache:
            self._cache[key] = term_periods(policy, kind, start, end)
        return self._cache[key]


def _count_between(days: list[date], start: date, end: date) -> int:
    return bisect_right(days, end) - bisect_left(days, start)


def _active_on(membership: tuple, day: date) -> bool:
    _user_id, start, end = membership
    return start <= day and (end is None or end >= day)


def _quota_state(
    quota: ActivityQuota,
    slots: list[_Slot],
    today: date,
    count_in,
) -> QuotaState:
    """``count_in(slot, reference_day) -> (count, target)`` does the counting of one period."""
    reference = min(max(today, slots[0].period.start), slots[-1].period.end)
    current_index = next(i for i, s in enumerate(slots) if s.period.contains(reference))
    missed: list[PeriodCount] = []
    latest_closed: PeriodCount | None = None
    for slot in slots[: current_index + 1]:
        if slot.period.end >= today:
            break  # still open
        count, target = count_in(slot, slot.period.end)
        result = PeriodCount(slot.period, count, target, slot.partial)
        latest_closed = result
        if not result.met:
            missed.append(result)
    current = slots[current_index]
    count, target = count_in(current, min(today, current.period.end))
    if quota.per_member:
        # Members report at the end of the period (学期末汇报): due on its last day, not paced.
        expected = target if today >= current.period.end else 0
    else:
        expected = expected_by(target, current, today)
    closed = current.period.end < today
    if latest_closed is not None and not latest_closed.met:
        state = MISSED
    elif closed or count >= target or count >= expected:
        state = ON_TRACK
    else:
        state = BEHIND
    return QuotaState(
        quota=quota,
        period=current.period,
        count=count,
        target=target,
        state=state,
        expected=expected,
        partial=current.partial,
        closed=closed,
        missed=missed,
    )


def compliance_grid(studios: Iterable[Studio], today: date) -> list[GridRow]:
    """Every quota of every studio, as of ``today``, in the studios' order.

    Five queries at most, however many studios: policies, quotas, activities, and — when a
    policy has a per-member quota — members and their semester reports.
    """
    studios = list(studios)
    if not studios:
        return []
    ids = [s.pk for s in studios]
    policies = {
        p.pk: p
        for p in Policy.objects.filter(pk__in={s.policy_id for s in studios}).prefetch_related(
            "activity_quotas"
        )
    }
    quotas = {pk: list(p.activity_quotas.all()) for pk, p in policies.items()}
    kinds = {kind for qs in quotas.values() for q in qs if not q.per_member for kind in q.kinds}

    # studio → quota kind → sorted dates; paired-county activities kept apart.
    held: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    held_paired: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    paired = {s.pk: s.paired_county_id for s in studios}
    if kinds:
        rows = (
            Activity.objects.filter(studio_id__in=ids, kind__in=kinds, held_on__lte=today)
            .order_by("held_on")
            .values_list("studio_id", "kind", "held_on", "served_county_id")
        )
        for studio_id, kind, held_on, county_id in rows:
            held[studio_id][kind].append(held_on)
            if county_id is not None and county_id == paired[studio_id]:
                held_paired[studio_id][kind].append(held_on)

    members: dict[int, list[tuple]] = defaultdict(list)
    reports: dict[int, list[date]] = defaultdict(list)
    per_member_policies = {pk for pk, qs in quotas.items() if any(q.per_member for q in qs)}
    per_member_ids = [s.pk for s in studios if s.policy_id in per_member_policies]
    if per_member_ids:
        team = Membership.objects.filter(studio_id__in=per_member_ids, role=TeamRole.MEMBER)
        for studio_id, user_id, start, end in team.values_list(
            "studio_id", "user_id", "start_date", "end_date"
        ):
            members[studio_id].append((user_id, start, end))
        summaries = (
            SemesterSummary.objects.filter(
                person_id__in=team.filter(user__isnull=False).values("user_id"),
                report_date__isnull=False,
                report_date__lte=today,
            )
            .order_by("report_date")
            .values_list("person_id", "report_date")
        )
        for person_id, report_date in summaries:
            reports[person_id].append(report_date)

    calendar = _Calendar()
    result = []
    for studio in studios:
        policy = policies[studio.policy_id]
        states = []
        for quota in quotas[policy.pk]:
            slots = calendar.slots(policy, quota.period, studio.term_start, studio.term_end)
            if quota.per_member:
                count_in = _per_member_counter(quota, members[studio.pk], reports)
            else:
                source = held_paired if quota.in_paired_county else held
                days = sorted(d for kind in quota.kinds for d in source[studio.pk].get(kind, ()))
                count_in = _activity_counter(quota, days)
            states.append(_quota_state(quota, slots, today, count_in))
        result.append(GridRow(studio=studio, policy=policy, states=states))
    return result


def _activity_counter(quota: ActivityQuota, days: list[date]):
    def count_in(slot: _Slot, _reference: date) -> tuple[int, int]:
        return _count_between(days, slot.period.start, slot.period.end), pro_rata(
            quota.min_count, slot
        )

    return count_in


def _per_member_counter(quota: ActivityQuota, team: list[tuple], reports: dict[int, list[date]]):
    """Each member active on the reference day owes ``min_count``; extra reports by one member
    do not stand in for another's."""

    def count_in(slot: _Slot, reference: date) -> tuple[int, int]:
        each = pro_rata(quota.min_count, slot)
        present = [m for m in team if _active_on(m, reference)]
        done = sum(
            min(each, _count_between(reports.get(user_id, []), slot.period.start, slot.period.end))
            for user_id, _start, _end in present
            if user_id is not None
        )
        return done, each * len(present)

    return count_in


def studio_compliance(studio: Studio, today: date) -> list[QuotaState]:
    """The quota states of one studio (the studio home page's panel)."""
    rows = compliance_grid([studio], today)
    return rows[0].states if rows else []


def group_by_policy(rows: Iterable[GridRow]) -> list[GridGroup]:
    """Consecutive-or-not rows of the same policy together, in the order policies first appear."""
    groups: dict[int, GridGroup] = {}
    for row in rows:
        group = groups.get(row.policy.pk)
        if group is None:
            group = groups[row.policy.pk] = GridGroup(
                policy=row.policy, quotas=[s.quota for s in row.states], rows=[]
            )
        group.rows.append(row)
    return list(groups.values())
