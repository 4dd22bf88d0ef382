"""Expert review: assigning experts, conflicts of interest, scoring, the ranking, the selection.

Writes (``experts_assign``, ``expert_declare_conflict``, ``scores_submit``, ``selection_save``)
follow the workflow's order: permission → source-state guard (row lock or conditional update)
→ save → audit record → notifications. Reads (``expert_conflicts``, ``ranking``, the expert's
queue) sit in the selectors section at the end and never write.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, RoleAssignment, User
from accounts.permissions import can
from accounts.services import audit_record, notify

from . import workflow
from .models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    ExpertAssignment,
    ExpertConflict,
    RubricCriterion,
    Score,
    ScoreAggregation,
)
from .selectors import bureau_admins
from .services import ApplicationError

State = ExpertAssignment.State
STATUS_LABELS = dict(ApplicationStatus.choices)
# The applications that appear in a call's ranking.
RANKED_STATUSES = [
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.PUBLISHED,
]
# The applications whose selection the bureau may still set (or change).
SELECTABLE_STATUSES = [
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
]
# Trimming drops one highest and one lowest score, so it needs at least this many.
TRIM_MINIMUM = 3
ONE_DECIMAL = Decimal("0.1")


def experts_for_call(call: Call) -> QuerySet[User]:
    """The active users holding the expert role in the call's city: the only ones assignable."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.EXPERT,
            role_assignments__organisation__city_id=call.bureau.city_id,
        )
        .distinct()
        .order_by("full_name", "username")
    )


# --- conflicts of interest ------------------------------------------------------------------


@dataclass
class ConflictProfile:
    """What an expert's data says about their ties: their roles and their declared conflicts."""

    roles: list[RoleAssignment] = field(default_factory=list)
    declared: list[ExpertConflict] = field(default_factory=list)

    def reasons(self, application: Application) -> list[str]:
        """Why this expert may not score ``application`` (empty: no conflict).

        ``application.school`` and ``application.county`` should be loaded (select_related).
        """
        found: list[str] = []
        county_id = application.county_id
        for ra in self.roles:
            org = ra.organisation
            role = ra.get_role_display()
            if org.pk == application.school_id:
                found.append(
                    _("%(role)s at the applicant's school, %(school)s.")
                    % {"role": role, "school": org.name}
                )
            elif county_id is not None and org.pk == county_id:
                found.append(
                    _("%(role)s at the applicant's county bureau, %(county)s.")
                    % {"role": role, "county": org.name}
                )
            elif county_id is not None and org.county_id == county_id:
                found.append(
                    _("%(role)s at %(school)s, a school in the same county (%(county)s).")
                    % {"role": role, "school": org.name, "county": application.county.name}
                )
        for conflict in self.declared:
            if conflict.organisation_id in (application.school_id, county_id):
                found.append(
                    _("Declared a conflict of interest with %(organisation)s: %(reason)s")
                    % {"organisation": conflict.organisation.name, "reason": conflict.reason}
                )
        return found


def conflict_profiles(expert_ids: Iterable[int]) -> dict[int, ConflictProfile]:
    """Profiles for many experts in two queries, so a batch or a page checks every pair."""
    ids = list(set(expert_ids))
    profiles = {pk: ConflictProfile() for pk in ids}
    for ra in RoleAssignment.objects.filter(user_id__in=ids).select_related("organisation"):
        profiles[ra.user_id].roles.append(ra)
    for conflict in ExpertConflict.objects.filter(expert_id__in=ids).select_related("organisation"):
        profiles[conflict.expert_id].declared.append(conflict)
    return profiles


def expert_conflicts(expert: User, application: Application) -> list[str]:
    """Conflicts of interest detected from the data: a role at the applicant's school, at its
    county bureau or at another school of the same county, or a conflict the expert declared
    with the school or the county. Returns the reasons, translated; empty means none."""
    return conflict_profiles([expert.pk])[expert.pk].reasons(application)


# --- assigning experts ----------------------------------------------------------------------


@dataclass
class Skipped:
    """A pair not assigned, and why. ``application`` or ``expert`` is None when the reason
    concerns the other one alone (an expert of another city, an application not in review)."""

    application: Application | None
    expert: User | None
    reason: str

    def __str__(self) -> str:
        parts = []
        if self.expert is not None:
            parts.append(str(self.expert))
        if self.application is not None:
            parts.append(self.application.host_name or str(self.application))
        return f"{' → '.join(parts)}: {self.reason}" if parts else self.reason


@transaction.atomic
# Complex by nature: each refusal (call, state, expert, conflict, count) is its own branch.
def experts_assign(  # noqa: C901
    *,
    actor: User,
    call: Call,
    experts: Iterable[User],
    applications: Iterable[Application],
) -> tuple[list[ExpertAssignment], list[Skipped]]:
    """Assign every expert to every application (one, or many of each).

    Skips, with the reason: experts without the expert role in the call's city, applications
    of another call or not in expert review, pairs already assigned, and conflicts of
    interest. Each expert is told once about the whole batch.
    """
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    experts = list({e.pk: e for e in experts}.values())
    wanted = list({a.pk: a for a in applications}.values())
    if not experts or not wanted:
        raise ApplicationError(_("Choose at least one expert and at least one application."))
    # One batch at a time per call: two bureau officers clicking at once queue up here.
    call = Call.objects.select_for_update().select_related("bureau__city").get(pk=call.pk)
    skipped: list[Skipped] = []

    eligible = set(
        experts_for_call(call).filter(pk__in=[e.pk for e in experts]).values_list("pk", flat=True)
    )
    for expert in experts:
        if expert.pk not in eligible:
            skipped.append(
                Skipped(
                    None,
                    expert,
                    _("not an expert of %(city)s: only the city's experts can be assigned.")
                    % {"city": call.bureau.city.name},
                )
            )
    experts = [e for e in experts if e.pk in eligible]

    fresh = {
        a.pk: a
        for a in Application.objects.filter(pk__in=[a.pk for a in wanted]).select_related(
            "school", "county"
        )
    }
    targets: list[Application] = []
    for application in wanted:
        current = fresh.get(application.pk)
        if current is None or current.call_id != call.pk:
            skipped.append(Skipped(application, None, _("not an application to this call.")))
        elif current.status != ApplicationStatus.EXPERT_REVIEW:
            skipped.append(
                Skipped(
                    current,
                    None,
                    _("not in expert review (it is “%(status)s”).")
                    % {"status": STATUS_LABELS[current.status]},
                )
            )
        else:
            targets.append(current)

    existing = dict(
        (
            ((application_id, expert_id), state)
            for application_id, expert_id, state in ExpertAssignment.objects.filter(
                application__in=targets, expert_id__in=[e.pk for e in experts]
            ).values_list("application_id", "expert_id", "state")
        )
    )
    profiles = conflict_profiles(e.pk for e in experts)
    to_create: list[ExpertAssignment] = []
    for application in targets:
        for expert in experts:
            state = existing.get((application.pk, expert.pk))
            if state == State.CONFLICT:
                skipped.append(
                    Skipped(application, expert, _("already declined: conflict of interest."))
                )
                continue
            if state is not None:
                skipped.append(Skipped(application, expert, _("already assigned.")))
                continue
            reasons = profiles[expert.pk].reasons(application)
            if reasons:
                skipped.append(
                    Skipped(
                        application,
                        expert,
                        _("conflict of interest: %(reasons)s") % {"reasons": " ".join(reasons)},
                    )
                )
                continue
            to_create.append(
                ExpertAssignment(application=application, expert=expert, assigned_by=actor)
            )

    created = ExpertAssignment.objects.bulk_create(to_create)
    per_expert: dict[int, list[ExpertAssignment]] = defaultdict(list)
    for assignment in created:
        audit_record(
            actor=actor,
            obj=assignment,
            verb="applications.expert.assigned",
            to_state=State.ASSIGNED,
            comment=str(assignment.expert),
            organisation=assignment.application.school,
        )
        per_expert[assignment.expert_id].append(assignment)

    queue_url = reverse("applications:expert_queue")
    for mine in per_expert.values():
        count, title = len(mine), call.title
        notify(
            [mine[0].expert],
            verb="applications.expert.assigned",
            title=lambda count=count: (
                ngettext(
                    "%(count)d new application to score",
                    "%(count)d new applications to score",
                    count,
                )
                % {"count": count}
            ),
            body=title,
            url=queue_url,
            obj=call,
        )
    return created, skipped


# --- the expert's own work ------------------------------------------------------------------


def _lock_assignment(assignment: ExpertAssignment) -> ExpertAssignment:
    """Lock the application, then the assignment (always in this order), and reload both."""
    Application.objects.select_for_update().filter(pk=assignment.application_id).first()
    return (
        ExpertAssignment.objects.select_for_update(of=("self",))
        .select_related(
            "expert",
            "application__call__bureau",
            "application__school",
            "application__county",
        )
        .get(pk=assignment.pk)
    )


def _check_scorable(actor: User, assignment: ExpertAssignment) -> None:
    """Why ``actor`` may not act on ``assignment`` now, as a clear message (or nothing)."""
    if assignment.expert_id != actor.pk:
        raise ApplicationError(_("This application is not assigned to you."))
    if assignment.state == State.SUBMITTED:
        raise ApplicationError(
            _("You have already submitted your scores for this application; they are final.")
        )
    if assignment.state == State.CONFLICT:
        raise ApplicationError(
            _("You declined this application for a conflict of interest; it cannot be scored.")
        )
    if not can(actor, "applications.score_application", assignment):
        raise ApplicationError(_("The expert review of this application is over."))


@transaction.atomic
def expert_declare_conflict(
    *, actor: User, assignment: ExpertAssignment, reason: str, always: bool = False
) -> ExpertAssignment:
    """The expert declines an assignment for a conflict of interest; with ``always``, the
    conflict with the applicant's school is remembered for every later assignment."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say what the conflict of interest is."),
            {"reason": [_("A reason is required.")]},
        )
    locked = _lock_assignment(assignment)
    _check_scorable(actor, locked)
    application = locked.application
    workflow.assignment_decline(locked, actor=actor, reason=reason, organisation=application.school)
    if always:
        conflict, created = ExpertConflict.objects.get_or_create(
            expert=actor, organisation=application.school, defaults={"reason": reason[:300]}
        )
        if created:
            audit_record(
                actor=actor,
                obj=conflict,
                verb="applications.expert.conflict_declared",
                to_state="declared",
                comment=reason,
                organisation=application.school,
            )
    expert, host = str(actor), application.host_name
    notify(
        bureau_admins(application.call),
        verb="applications.expert.conflict",
        title=lambda: (
            _("%(expert)s declined to score %(host)s: conflict of interest")
            % {"expert": expert, "host": host}
        ),
        body=reason,
        url=reverse("applications:call_experts", args=[application.call_id]),
        obj=application,
    )
    return locked


def check_score(name: str, raw, maximum: Decimal) -> tuple[Decimal | None, str | None]:
    """One score as typed: (the value, None) if it is a number from 0 to ``maximum`` with at
    most one decimal place, else (None, a message naming ``name``). Rubrics and checklists
    alike are scored this way."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("%(criterion)s: a score is required.") % {"criterion": name}
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        return None, _("%(criterion)s: enter a number.") % {"criterion": name}
    if value < 0 or value > maximum:
        return None, _("%(criterion)s: the score must be between 0 and %(max)s.") % {
            "criterion": name,
            "max": maximum,
        }
    if value != value.quantize(ONE_DECIMAL):
        return None, _("%(criterion)s: use at most one decimal place.") % {"criterion": name}
    return value.quantize(ONE_DECIMAL), None


def score_problems(
    criteria: list[RubricCriterion], values: dict
) -> tuple[dict[int, Decimal], dict[str, list[str]]]:
    """Check one expert's scores against the rubric: every criterion scored, each between 0
    and its maximum, at most one decimal place. Returns (clean values, problems by field)."""
    problems: dict[str, list[str]] = {}
    by_id: dict[int, object] = {}
    for key, raw in values.items():
        try:
            by_id[int(key)] = raw
        except (TypeError, ValueError):
            problems.setdefault("__all__", []).append(
                _("“%(key)s” is not a criterion of this call.") % {"key": key}
            )
    known = {c.pk for c in criteria}
    if set(by_id) - known:
        problems.setdefault("__all__", []).append(
            _("Some scores are for criteria that are not in this call's rubric.")
        )
    clean: dict[int, Decimal] = {}
    for criterion in criteria:
        value, problem = check_score(criterion.name, by_id.get(criterion.pk), criterion.max_score)
        if problem:
            problems.setdefault(f"criterion_{criterion.pk}", []).append(problem)
        else:
            clean[criterion.pk] = value
    return clean, problems


@transaction.atomic
def scores_submit(
    *, actor: User, assignment: ExpertAssignment, values: dict, comment: str = ""
) -> ExpertAssignment:
    """Record the expert's score for every criterion of the rubric. Final once submitted."""
    locked = _lock_assignment(assignment)
    _check_scorable(actor, locked)
    application = locked.application
    criteria = list(application.call.criteria.all())
    if not criteria:
        raise ApplicationError(_("This call has no scoring rubric; ask the bureau."))
    clean, problems = score_problems(criteria, values)
    if problems:
        raise ApplicationError(_("The scores were not saved: see the marked criteria."), problems)
    Score.objects.bulk_create(
        Score(assignment=locked, criterion_id=pk, value=value) for pk, value in clean.items()
    )
    comment = (comment or "").strip()
    total = sum(clean.values(), Decimal(0))
    workflow.assignment_submit(
        locked, actor=actor, comment=comment, total=total, organisation=application.school
    )
    # The application row is locked, so exactly one expert's submission sees the last one in.
    pending = application.expert_assignments.filter(state=State.ASSIGNED).exists()
    if not pending:
        host = application.host_name
        notify(
            bureau_admins(application.call),
            verb="applications.expert.scoring_complete",
            title=lambda: _("Every expert has scored %(host)s") % {"host": host},
            body=str(application.call),
            url=reverse("applications:call_ranking", args=[application.call_id]),
            obj=application,
        )
    return locked


# --- selection ------------------------------------------------------------------------------


SELECTION_VERBS = {
    ApplicationStatus.SELECTED: "applications.application.selected",
    ApplicationStatus.NOT_SELECTED: "applications.application.not_selected",
}
SELECTION_TITLES = {
    ApplicationStatus.SELECTED: lambda call: (
        _("Your application was selected: %(call)s") % {"call": call}
    ),
    ApplicationStatus.NOT_SELECTED: lambda call: (
        _("Your application was not selected: %(call)s") % {"call": call}
    ),
}


@transaction.atomic
def selection_save(
    *, actor: User, call: Call, application_ids: Iterable[int]
) -> tuple[list[Application], list[Application]]:
    """Select the chosen applications (at most the call's number of studios); every other
    application in expert review, or selected before, becomes not selected.

    Saving the same selection twice changes nothing; each application that does move is
    audited and its applicant told. Returns (newly selected, newly not selected).
    """
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    try:
        chosen = {int(pk) for pk in application_ids}
    except (TypeError, ValueError):
        raise ApplicationError(_("The selection could not be read; reload the page.")) from None
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status in (CallStatus.NOTICE, CallStatus.PUBLISHED):
        raise ApplicationError(
            _("The selection of this call is already “%(status)s” and can no longer change.")
            % {"status": call.get_status_display()}
        )
    if not chosen:
        raise ApplicationError(_("Choose the applications to select."))
    if len(chosen) > call.studio_count:
        raise ApplicationError(
            ngettext(
                "You chose %(chosen)d applications, but this call founds at most %(limit)d studio.",
                "You chose %(chosen)d applications, but this call founds at most %(limit)d "
                "studios.",
                call.studio_count,
            )
            % {"chosen": len(chosen), "limit": call.studio_count}
        )
    candidates = {
        a.pk: a
        for a in call.applications.filter(status__in=SELECTABLE_STATUSES)
        .select_related("applicant", "school")
        .order_by("pk")
    }
    if chosen - set(candidates):
        raise ApplicationError(
            _("Only applications of this call that went through expert review can be selected.")
        )
    selected: list[Application] = []
    not_selected: list[Application] = []
    for application in candidates.values():
        target = (
            ApplicationStatus.SELECTED
            if application.pk in chosen
            else ApplicationStatus.NOT_SELECTED
        )
        if application.status == target:
            continue
        workflow.application_select(
            application, actor=actor, selected=target == ApplicationStatus.SELECTED
        )
        title = SELECTION_TITLES[target]
        notify(
            [application.applicant],
            verb=SELECTION_VERBS[target],
            title=lambda title=title, name=call.title: title(name),
            url=application.get_absolute_url(),
            obj=application,
        )
        (selected if target == ApplicationStatus.SELECTED else not_selected).append(application)
    return selected, not_selected


# --- selectors: reads for the expert pages --------------------------------------------------


def assignments_for(user: User, *, state: str = "") -> QuerySet[ExpertAssignment]:
    """The expert's own assignments, the ones to score first."""
    queryset = ExpertAssignment.objects.filter(expert=user).select_related(
        "application__call", "application__school", "application__county"
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("state", "-assigned_at", "-pk")


def assignment_for(user: User, pk: int) -> ExpertAssignment | None:
    """One of the expert's own assignments (None for anyone else's: the view answers 404)."""
    return (
        ExpertAssignment.objects.filter(pk=pk, expert=user)
        .select_related(
            "application__call__bureau",
            "application__call__policy",
            "application__school",
            "application__county",
            "application__applicant",
        )
        .first()
    )


@dataclass
class ScoreCard:
    """One expert's submitted scores for one application."""

    assignment: ExpertAssignment
    values: list[tuple[RubricCriterion, Decimal | None]]
    total: Decimal


def score_cards(application: Application, criteria: list[RubricCriterion]) -> list[ScoreCard]:
    """Every submitted score of ``application`` (ask ``applications.view_scores`` first)."""
    assignments = (
        application.expert_assignments.filter(state=State.SUBMITTED)
        .select_related("expert")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
    cards = []
    for assignment in assignments:
        by_criterion = {s.criterion_id: s.value for s in assignment.scores.all()}
        values = [(c, by_criterion.get(c.pk)) for c in criteria]
        total = sum((v for v in by_criterion.values()), Decimal(0))
        cards.append(ScoreCard(assignment, values, total))
    return cards


def applications_for_assignment(call: Call) -> QuerySet[Application]:
    """The call's applications waiting for experts, with their assignments loaded."""
    return (
        call.applications.filter(status=ApplicationStatus.EXPERT_REVIEW)
        .select_related("school", "county")
        .prefetch_related("expert_assignments__expert")
        .order_by("county__name", "school__name", "host_name", "pk")
    )


def without_experts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    active = ExpertAssignment.objects.filter(application=OuterRef("pk")).exclude(
        state=State.CONFLICT
    )
    return queryset.filter(~Exists(active))


# --- selectors: the ranking -----------------------------------------------------------------


def aggregate(values: list[Decimal], method: str) -> tuple[Decimal | None, bool]:
    """Combine experts' scores as the call says. Returns (value, whether trimmed).

    ``trimmed_mean`` drops one highest and one lowest score, which needs at least three
    scores; with fewer, it is the plain mean (and the second value says so).
    """
    if not values:
        return None, False
    if method == ScoreAggregation.TRIMMED_MEAN and len(values) >= TRIM_MINIMUM:
        kept = sorted(values)[1:-1]
        return sum(kept, Decimal(0)) / Decimal(len(kept)), True
    return sum(values, Decimal(0)) / Decimal(len(values)), False


@dataclass
class CriterionResult:
    criterion: RubricCriterion
    value: Decimal | None


@dataclass
class ExpertTotal:
    expert: str
    total: Decimal


@dataclass
class RankedApplication:
    """One line of the ranking. Values are exact Decimals; round them only for display."""

    application: Application
    criteria: list[CriterionResult]
    total: Decimal | None
    spread: Decimal | None
    count: int
    assigned: int
    trimmed: bool
    expert_totals: list[ExpertTotal]
    rank: int | None = None

    @property
    def mean_instead_of_trimmed(self) -> bool:
        """The call trims, but there were too few scores to drop the extremes."""
        return (
            self.application.call.score_aggregation == ScoreAggregation.TRIMMED_MEAN
            and 0 < self.count < TRIM_MINIMUM
        )

    @property
    def pending(self) -> int:
        return max(self.assigned - self.count, 0)


def ranking(call: Call) -> list[RankedApplication]:
    """The call's applications from expert review on, best total first.

    For each: the aggregate of every criterion and of the experts' totals (mean or trimmed
    mean, as the call says), the spread (highest minus lowest expert total) and how many
    experts have submitted. Three queries, however many applications and experts.
    """
    criteria = list(call.criteria.all())
    applications = list(
        call.applications.filter(status__in=RANKED_STATUSES)
        .select_related("school", "county", "call")
        .annotate(
            assigned_count=Count(
                "expert_assignments",
                filter=~Q(expert_assignments__state=State.CONFLICT),
            )
        )
        .order_by("pk")
    )
    rows = (
        Score.objects.filter(
            assignment__application__call=call,
            assignment__application__status__in=RANKED_STATUSES,
            assignment__state=State.SUBMITTED,
        )
        .values_list(
            "assignment__application_id",
            "assignment_id",
            "assignment__expert__full_name",
            "assignment__expert__username",
            "criterion_id",
            "value",
        )
        .order_by("assignment__submitted_at", "assignment_id")
    )
    # application → assignment → (expert name, {criterion: value})
    sheets: dict[int, dict[int, tuple[str, dict[int, Decimal]]]] = defaultdict(dict)
    for application_id, assignment_id, full_name, username, criterion_id, value in rows:
        sheet = sheets[application_id].setdefault(assignment_id, (full_name or username, {}))
        sheet[1][criterion_id] = value

    method = call.score_aggregation
    ranked: list[RankedApplication] = []
    for application in applications:
        sheet = sheets.get(application.pk, {})
        results = []
        for criterion in criteria:
            values = [v[criterion.pk] for _name, v in sheet.values() if criterion.pk in v]
            results.append(CriterionResult(criterion, aggregate(values, method)[0]))
        totals = [ExpertTotal(name, sum(v.values(), Decimal(0))) for name, v in sheet.values()]
        numbers = [t.total for t in totals]
        total, trimmed = aggregate(numbers, method)
        ranked.append(
            RankedApplication(
                application=application,
                criteria=results,
                total=total,
                spread=(max(numbers) - min(numbers)) if numbers else None,
                count=len(numbers),
                assigned=application.assigned_count,
                trimmed=trimmed,
                expert_totals=totals,
            )
        )
    ranked.sort(
        key=lambda r: (
            r.total is None,
            -(r.total or 0),
            r.application.host_name,
            r.application.pk,
        )
    )
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row.total is None:
            continue
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank  # ties share a rank (1, 2, 2, 4)
    return ranked
