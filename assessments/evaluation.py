"""期满评估: the three-year evaluation at the end of a studio's term.

The life of one evaluation, each step a service below:

1. ``evaluation_open`` (the daily job ``assessments.open_term_evaluations``): an evaluation
   opens on the first day of the term's last month — ``term_end`` minus
   ``OPEN_DAYS_BEFORE_TERM_END`` days — so that the experts score while the term's results
   are complete and the decision can fall on the term's end. A job that missed that day opens
   it on the next run, even after the term ended. The bureau is told.
2. ``evaluation_assign_experts``: the bureau chooses experts of the studio's city; none with
   a tie to the studio's school or county (``applications.experts.expert_conflicts``, on the
   studio's founding application, which carries the same school and county) nor a place in
   the studio's team.
3. ``evaluation_score``: each expert scores every term indicator of the policy, 0 to its
   points; final once submitted. An expert sees the others' scores only after submitting.
4. ``evaluation_decide``: the bureau decides. The total is the mean of the experts' totals;
   the outcome follows the policy's thresholds (``term_excellent_score``,
   ``term_pass_score``). Excellent → a commendation on the host's and each current member's
   record; fail, where ``failed_term_excludes_next_cycle`` → the host may not host in the
   next cycle (``HostExclusion`` until the term's end plus one more term), which the
   application form enforces. The studio's term has ended.

Writes follow the workflow's order: permission → source-state guard (row lock or
conditional update) → save → audit record → notifications. The permission rules and the
scoped reads of these pages sit at the end of this module.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import can, scope_q
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify
from applications.experts import check_score, expert_conflicts
from policies.models import Indicator, IndicatorScope, TeamRole
from studios import workflow as studios_workflow
from studios.models import Membership, Studio, StudioStatus

from . import workflow
from .errors import AssessmentError
from .models import Commendation, ExpertScore, HostExclusion, TermEvaluation

# The evaluation opens on the first day of the term's last month (term_end − 30 days).
OPEN_DAYS_BEFORE_TERM_END = 30
# The bureau's list shows studios whose term ends within this many days.
NEARING_DAYS = 90
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")
# Who an excellent term commends: the host and the members (主持人及成员).
COMMENDED_ROLES = (TeamRole.HOST, TeamRole.MEMBER)
# A record kept on people's files, stored as issued (like the certificate's fixed wording)
# when the policy does not word the reward itself.
DEFAULT_COMMENDATION = "三年期满评估优秀"

Result = TermEvaluation.Result
Status = TermEvaluation.Status


# --- helpers --------------------------------------------------------------------------------


def opens_on_for(studio: Studio) -> date:
    return studio.term_end - timedelta(days=OPEN_DAYS_BEFORE_TERM_END)


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_indicators(policy) -> list[Indicator]:
    return list(policy.indicators.filter(scope=IndicatorScope.TERM).order_by("position", "id"))


def bureau_of(studio: Studio) -> list[User]:
    return users_with_role(Role.MUNICIPAL_ADMIN, studio.call.bureau)


def current_team(studio: Studio, roles=None) -> list[Membership]:
    """Current memberships with an account (the people a decision reaches)."""
    queryset = studio.memberships.filter(end_date__isnull=True, user__isnull=False)
    if roles is not None:
        queryset = queryset.filter(role__in=roles)
    return list(queryset.select_related("user").order_by("role", "start_date", "pk"))


def experts_for_studio(studio: Studio) -> QuerySet[User]:
    """The active users holding the expert role in the studio's city."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.EXPERT,
            role_assignments__organisation__city_id=studio.school.city_id,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def evaluation_conflicts(expert: User, studio: Studio) -> list[str]:
    """Why ``expert`` may not evaluate ``studio`` (empty: no conflict): a role at the studio's
    school, its county bureau or a school of that county, a declared conflict with them, or a
    place in the studio's team."""

    reasons = expert_conflicts(expert, studio.application)
    if studio.host_id == expert.pk or studio.memberships.filter(user=expert).exists():
        reasons.append(_("A member of the studio's team."))
    return reasons


# --- 1. opening -----------------------------------------------------------------------------


@transaction.atomic
def evaluation_open(studio: Studio, today: date) -> TermEvaluation | None:
    """Open the studio's three-year evaluation from the first day of its term's last month.

    Idempotent: returns the evaluation it opened, or None when it is too early, the studio is
    not active, or the evaluation is already open (a second run, or two workers at once).
    """
    if studio.status != StudioStatus.ACTIVE or today < opens_on_for(studio):
        return None
    evaluation, created = TermEvaluation.objects.get_or_create(
        studio=studio,
        defaults={"opens_on": today},  # opens in its default state
    )
    if not created:
        return None
    key = f"term-evaluation-opened:{studio.pk}"
    audit_record(
        actor=None,
        obj=evaluation,
        verb="assessments.term_evaluation.opened",
        to_state=Status.OPEN,
        comment=studio.term_end.isoformat(),
        idempotency_key=key,
    )
    name, term_end = studio.name, studio.term_end.isoformat()
    notify(
        bureau_of(studio),
        verb="assessments.term_evaluation.opened",
        title=lambda: _("Three-year evaluation open: %(studio)s") % {"studio": name},
        body=lambda: (
            _("The term ends on %(date)s. Assign experts to score the studio.") % {"date": term_end}
        ),
        url=evaluation.get_absolute_url(),
        obj=evaluation,
        dedupe_key=key,
    )
    return evaluation


# --- 2. assigning experts -------------------------------------------------------------------


def _lock_open(evaluation: TermEvaluation) -> TermEvaluation:
    locked = (
        TermEvaluation.objects.select_for_update()
        .select_related("studio__school", "studio__policy", "studio__call__bureau")
        .get(pk=evaluation.pk)
    )
    if locked.status != Status.OPEN:
        raise AssessmentError(_("This three-year evaluation has already been decided."))
    return locked


@transaction.atomic
def evaluation_assign_experts(
    *, actor: User, evaluation: TermEvaluation, experts
) -> list[ExpertScore]:
    """Assign experts of the studio's city without a conflict of interest. Assigns all or
    none; experts already assigned are left as they are. Each new expert is told."""
    if not can(actor, "assessments.evaluate_term", evaluation.studio):
        raise AssessmentError(_("Only the municipal bureau of the studio's city runs this."))
    experts = list({e.pk: e for e in experts}.values())
    if not experts:
        raise AssessmentError(_("Choose at least one expert."))
    locked = _lock_open(evaluation)
    studio = locked.studio
    eligible = set(
        experts_for_studio(studio)
        .filter(pk__in=[e.pk for e in experts])
        .values_list("pk", flat=True)
    )
    problems: list[str] = []
    for expert in experts:
        if expert.pk not in eligible:
            problems.append(
                _("%(expert)s is not an expert of %(city)s.")
                % {"expert": expert, "city": studio.school.city.name}
            )
            continue
        for reason in evaluation_conflicts(expert, studio):
            problems.append(
                _("%(expert)s has a conflict of interest: %(reason)s")
                % {"expert": expert, "reason": reason}
            )
    if problems:
        raise AssessmentError(_("No expert was assigned."), {"experts": problems})
    already = set(locked.expert_scores.values_list("expert_id", flat=True))
    created = [
        ExpertScore.objects.create(evaluation=locked, expert=expert, scores={})
        for expert in experts
        if expert.pk not in already
    ]
    for score in created:
        audit_record(
            actor=actor,
            obj=locked,
            verb="assessments.term_evaluation.expert_assigned",
            comment=str(score.expert),
        )
    name = studio.name
    notify(
        [s.expert for s in created],
        verb="assessments.term_evaluation.expert_assigned",
        title=lambda: _("Please score the three-year evaluation of %(studio)s") % {"studio": name},
        url=locked.get_absolute_url(),
        obj=locked,
    )
    return created


# --- 3. scoring -----------------------------------------------------------------------------


def score_problems(
    indicators: list[Indicator], values: dict
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Every term indicator scored, each 0..its points with at most one decimal place, and
    nothing else. Returns (clean values by indicator code, problems by field)."""
    problems: dict[str, list[str]] = {}
    known = {i.code for i in indicators}
    if set(values) - known:
        problems.setdefault("__all__", []).append(
            _("Some scores are for indicators that are not in the policy's checklist.")
        )
    clean: dict[str, Decimal] = {}
    for indicator in indicators:
        value, problem = check_score(
            indicator.name, values.get(indicator.code), indicator.max_points
        )
        if problem:
            problems.setdefault(f"indicator_{indicator.code}", []).append(problem)
        else:
            clean[indicator.code] = value
    return clean, problems


@transaction.atomic
def evaluation_score(
    *, actor: User, evaluation: TermEvaluation, scores: dict, comment: str = ""
) -> ExpertScore:
    """The assigned expert's scores on every term indicator (stored as exact decimal strings,
    {code: "35.5"}). Final once submitted."""
    locked = _lock_open(evaluation)
    sheet = ExpertScore.objects.select_for_update().filter(evaluation=locked, expert=actor).first()
    if sheet is None:
        raise AssessmentError(_("You are not an expert of this evaluation."))
    if sheet.submitted_at is not None:
        raise AssessmentError(_("You have already submitted your scores; they are final."))
    indicators = term_indicators(locked.studio.policy)
    if not indicators:
        raise AssessmentError(_("The policy has no three-year indicators; ask the bureau."))
    clean, problems = score_problems(indicators, scores)
    if problems:
        raise AssessmentError(_("The scores were not saved: see the marked criteria."), problems)
    total = sum(clean.values(), Decimal(0))
    now = timezone.now()
    comment = (comment or "").strip()
    values = {code: str(value) for code, value in clean.items()}
    moved = ExpertScore.objects.filter(pk=sheet.pk, submitted_at__isnull=True).update(
        scores=values, total=total, comment=comment, submitted_at=now
    )
    if moved != 1:  # the lock makes this unreachable; kept as a last line of defence
        raise AssessmentError(_("You have already submitted your scores; they are final."))
    sheet.scores, sheet.total, sheet.comment, sheet.submitted_at = values, total, comment, now
    audit_record(
        actor=actor,
        obj=locked,
        verb="assessments.term_evaluation.scored",
        to_state="submitted",
        comment=str(total),
    )
    if not locked.expert_scores.filter(submitted_at__isnull=True).exists():
        name = locked.studio.name
        notify(
            bureau_of(locked.studio),
            verb="assessments.term_evaluation.scoring_complete",
            title=lambda: (
                _("Every expert has scored the three-year evaluation of %(studio)s")
                % {"studio": name}
            ),
            url=locked.get_absolute_url(),
            obj=locked,
        )
    return sheet


# --- 4. the decision ------------------------------------------------------------------------


def outcome_for(policy, total: Decimal) -> str:
    if total >= policy.term_excellent_score:
        return Result.EXCELLENT
    if total >= policy.term_pass_score:
        return Result.PASS
    return Result.FAIL


@transaction.atomic
def evaluation_decide(
    *,
    actor: User,
    evaluation: TermEvaluation,
    comment: str = "",
    today: date | None = None,
) -> TermEvaluation:
    """Decide from the experts' submitted scores (the mean of their totals); experts who have
    not submitted by then no longer can. The studio's term has ended."""
    today = today or timezone.localdate()
    if not can(actor, "assessments.evaluate_term", evaluation.studio):
        raise AssessmentError(_("Only the municipal bureau of the studio's city runs this."))
    locked = _lock_open(evaluation)
    studio, policy = locked.studio, locked.studio.policy
    totals = list(
        locked.expert_scores.filter(submitted_at__isnull=False).values_list("total", flat=True)
    )
    if not totals:
        raise AssessmentError(_("No expert has submitted scores yet: there is nothing to decide."))
    total = (sum(totals, Decimal(0)) / len(totals)).quantize(TWO_DECIMALS)
    outcome = outcome_for(policy, total)
    comment = (comment or "").strip()
    workflow.term_evaluation_decide(
        locked,
        actor=actor,
        outcome=outcome,
        decision={
            "total": total,
            "comment": comment,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
        comment=f"{total} {comment}".strip(),
    )

    commended = current_team(studio, COMMENDED_ROLES)
    if outcome == Result.EXCELLENT:
        title = (policy.excellent_term_reward or DEFAULT_COMMENDATION)[:200]
        for person in {m.user_id: m.user for m in commended}.values():
            Commendation.objects.get_or_create(
                person=person, studio=studio, title=title, year=today.year
            )
    elif outcome == Result.FAIL and policy.failed_term_excludes_next_cycle:
        until = add_years(studio.term_end, policy.term_years)
        HostExclusion.objects.create(
            person=studio.host,
            evaluation=locked,
            until=until,
            reason=f"{studio.name}三年期满评估不合格（{total}分）",
        )
        audit_record(
            actor=actor,
            obj=locked,
            verb="assessments.host.excluded",
            to_state="excluded",
            comment=f"{studio.host} → {until.isoformat()}",
        )

    studios_workflow.studio_end(studio, actor=actor)

    name, label = studio.name, Result(outcome).label
    team = [m.user for m in current_team(studio)]
    notify(
        [studio.host, *team],
        verb="assessments.term_evaluation.decided",
        title=lambda: (
            _("Three-year evaluation of %(studio)s: %(outcome)s")
            % {"studio": name, "outcome": label}
        ),
        body=lambda: _("Total %(total)s.") % {"total": total},
        url=reverse("assessments:term_certificate", args=[locked.pk]),
        obj=locked,
    )
    return locked


# --- reads, scoped to the user asking -------------------------------------------------------


def evaluations_for(user: User) -> QuerySet[TermEvaluation]:
    """Evaluations the user may open: the bureau's city, or those the expert is assigned to."""
    queryset = TermEvaluation.objects.select_related(
        "studio__school__city", "studio__county", "studio__policy", "studio__call__bureau"
    )
    if user.is_superuser:
        return queryset
    assigned = ExpertScore.objects.filter(evaluation=OuterRef("pk"), expert=user)
    return queryset.filter(
        scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="studio__school__") | Q(Exists(assigned))
    )


def evaluation_for(user: User, pk: int) -> TermEvaluation | None:
    return evaluations_for(user).filter(pk=pk).first()


def certificates_for(user: User) -> QuerySet[TermEvaluation]:
    """Decided evaluations whose certificate the user may download: the bureau, the host and
    the studio's members (those still in the team when the evaluation opened)."""
    queryset = TermEvaluation.objects.filter(status=Status.DECIDED).select_related(
        "studio__school", "studio__policy", "studio__call__bureau", "studio__host"
    )
    if user.is_superuser:
        return queryset
    member = Membership.objects.filter(studio=OuterRef("studio"), user=user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("opens_on"))
    )
    return queryset.filter(
        scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="studio__school__")
        | Q(studio__host=user)
        | Q(Exists(member))
    )


def term_studios_for(user: User, today: date) -> QuerySet[Studio]:
    """The bureau's studios nearing or at their term's end, or with an evaluation."""
    queryset = (
        Studio.objects.select_related("school", "county", "evaluation")
        .prefetch_related("evaluation__expert_scores")
        .order_by("term_end", "name")
    )
    if not user.is_superuser:
        queryset = queryset.filter(scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="school__"))
    nearing = Q(status=StudioStatus.ACTIVE, term_end__lte=today + timedelta(days=NEARING_DAYS))
    return queryset.filter(nearing | Q(evaluation__isnull=False))


def expert_sheets_for(user: User) -> QuerySet[ExpertScore]:
    """The expert's own evaluations, the ones still to score first."""
    return (
        ExpertScore.objects.filter(expert=user, evaluation__isnull=False)
        .select_related("evaluation__studio__school")
        .order_by("-submitted_at", "-pk")
    )


@dataclass
class ScoreSheet:
    score: ExpertScore
    values: list[tuple[Indicator, str | None]]


def score_sheets(evaluation: TermEvaluation, indicators: list[Indicator]) -> list[ScoreSheet]:
    """Every submitted score (ask ``assessments.view_term_scores`` first)."""
    rows = (
        evaluation.expert_scores.filter(submitted_at__isnull=False)
        .select_related("expert")
        .order_by("submitted_at", "pk")
    )
    return [ScoreSheet(s, [(i, s.scores.get(i.code)) for i in indicators]) for s in rows]


def person_for(user: User, pk: int) -> User | None:
    """A person whose record the user may read: themselves, or (for the bureau) a person
    working or belonging to a studio in the bureau's city."""
    if user.pk == pk:
        return user
    queryset = User.objects.filter(pk=pk)
    if not user.is_superuser:
        queryset = queryset.filter(
            scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="role_assignments__organisation__")
            | scope_q(user, roles={Role.MUNICIPAL_ADMIN}, prefix="memberships__studio__school__")
        )
    return queryset.distinct().first()


def term_evaluations_open_due(*, today: date) -> list[str]:
    """Open the evaluation of every active studio in its term's last month (or later, when a
    run was missed). ``evaluation_open`` is idempotent, so a second run opens nothing."""
    studios = Studio.objects.filter(
        status=StudioStatus.ACTIVE,
        term_end__lte=today + timedelta(days=OPEN_DAYS_BEFORE_TERM_END),
        evaluation__isnull=True,
    ).select_related("school", "policy", "call__bureau")
    lines = []
    for studio in studios.order_by("term_end", "pk"):
        evaluation = evaluation_open(studio, today)
        if evaluation is not None:
            lines.append(f"{studio.name}: three-year evaluation opened ({studio.term_end})")
    return lines
