"""The deadlines of running a studio (``accounts.agenda``): a host's quotas still short in their
current period, and a member's own report-back (返校汇报) where the policy asks one of each
member. The same counts as the compliance panel, with a constant number of queries."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.agenda import Deadline, deadline_source
from policies.models import ActivityQuota, TeamRole
from policies.rules import period_containing

from .compliance import compliance_grid
from .models import SemesterSummary, StudioStatus
from .selectors import memberships_of


def _current(user, role: str) -> list:
    return [
        m
        for m in memberships_of(user)
        if m.end_date is None and m.role == role and m.studio.status == StudioStatus.ACTIVE
    ]


@deadline_source
def quota_deadlines(user, today):
    """For the host: each quota whose current period ends short of its target so far."""
    studios = [m.studio for m in _current(user, TeamRole.HOST)]
    for row in compliance_grid(studios, today):
        studio = row.studio
        for state in row.states:
            if state.closed or state.count >= state.target:
                continue
            period = state.period
            yield Deadline(
                key=f"studio-{studio.pk}-quota-{state.quota.code}-{period.start:%Y%m%d}",
                day=period.end,
                summary=_("%(quota)s: %(count)d of %(target)d (%(period)s) · %(studio)s")
                % {
                    "quota": state.quota.name,
                    "count": state.count,
                    "target": state.target,
                    "period": period.label,
                    "studio": studio.name,
                },
                url=reverse("studios:studio_home", args=[studio.pk]),
                description=state.quota.description,
            )


@deadline_source
def member_report_deadlines(user, today):
    """For a member: the report-back each member owes in the current period, until it is
    recorded in their growth file."""
    memberships = _current(user, TeamRole.MEMBER)
    in_term = [m for m in memberships if m.studio.term_start <= today <= m.studio.term_end]
    if not in_term:
        return
    quotas: dict[int, list[ActivityQuota]] = {}
    for quota in ActivityQuota.objects.filter(
        policy_id__in={m.studio.policy_id for m in in_term}, per_member=True
    ).select_related("policy"):
        quotas.setdefault(quota.policy_id, []).append(quota)
    if not quotas:
        return
    reported = list(
        SemesterSummary.objects.filter(
            person=user, report_date__isnull=False, report_date__lte=today
        ).values_list("report_date", flat=True)
    )
    for membership in in_term:
        studio = membership.studio
        for quota in quotas.get(studio.policy_id, []):
            whole = period_containing(quota.policy, quota.period, today)
            start, end = max(whole.start, studio.term_start), min(whole.end, studio.term_end)
            if sum(start <= day <= end for day in reported) >= quota.min_count:
                continue
            yield Deadline(
                key=f"studio-{studio.pk}-quota-{quota.code}-{start:%Y%m%d}",
                day=end,
                summary=_("%(quota)s (%(period)s) · %(studio)s")
                % {"quota": quota.name, "period": whole.label, "studio": studio.name},
                url=reverse("studios:my_growth"),
                description=quota.description,
            )
