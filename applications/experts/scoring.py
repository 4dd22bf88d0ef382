"""The expert's own work: scores checked against the rubric and submitted once, or the application
declined for a conflict.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from accounts.services import audit_record, notify

from .. import workflow
from ..models import (
    Application,
    ExpertAssignment,
    ExpertConflict,
    RubricCriterion,
    Score,
)
from ..selectors import bureau_admins
from ..services import ApplicationError
from .assignment import ONE_DECIMAL, State


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
