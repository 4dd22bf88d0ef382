"""Every transition of an application through its review chain, one plain function each.

Order in each: permission → source-state guard (row lock + conditional update, so two clicks
make one transition) → save → audit record → notifications (mailed on commit).
Kept as one module on purpose: the review chain's states and guards read top to bottom.
"""

from datetime import date
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.permissions import can, role_assignments
from accounts.selectors import users_with_role
from accounts.services import audit_record, notify
from core.uploads import MAX_ATTACHMENT_BYTES
from core.workflow import TransitionRefused, transition

from .completeness import application_problems
from .models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    ExpertAssignment,
    Objection,
    ReviewDecision,
    ReviewLevel,
    ReviewStep,
    Submission,
)
from .renditions import application_pdfs_refresh_later
from .services import ApplicationError, check_upload, snapshot

# A level's stamped page or the stamped scan of the whole form (盖章扫描件).
SCAN_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}

LEVEL_OF = {
    ApplicationStatus.AT_SCHOOL: ReviewLevel.SCHOOL,
    ApplicationStatus.AT_COUNTY: ReviewLevel.COUNTY,
    ApplicationStatus.AT_CITY: ReviewLevel.CITY,
}
# Applications a county has already passed on count against its quota.
PASSED_COUNTY = [
    ApplicationStatus.AT_CITY,
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SELECTED,
    ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.PUBLISHED,
]
STATUS_LABELS = dict(ApplicationStatus.choices)
# Calls from which the notice may start, or (without a notice) the results be published.
BEFORE_RESULTS = [CallStatus.OPEN, CallStatus.CLOSED]


def _lock(application: Application, expected: set[str]) -> Application:
    """Lock the row and check it is still where the actor saw it."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__policy", "call__bureau", "school", "county", "applicant")
        .get(pk=application.pk)
    )
    if locked.status not in expected:
        raise ApplicationError(
            _(
                "Someone else has already acted on this application: it is now “%(status)s”. "
                "Reload the page to see the current state."
            )
            % {"status": STATUS_LABELS[locked.status]}
        )
    return locked


def _move(actor, application: Application, to: str, *, verb: str, comment: str = "") -> None:
    transition(
        application,
        to=to,
        sources=application.status,
        actor=actor,
        verb=verb,
        comment=comment,
        changes={"updated_at": timezone.now()},
        refused=ApplicationError,
    )


def reviewers_for(application: Application) -> list[User]:
    """Who acts next, by the application's current status."""
    status = application.status
    if status == ApplicationStatus.AT_SCHOOL:
        role, organisation = Role.SCHOOL_ADMIN, application.school
    elif status == ApplicationStatus.AT_COUNTY:
        role, organisation = Role.COUNTY_REVIEWER, application.county
    elif status == ApplicationStatus.AT_CITY:
        role, organisation = Role.MUNICIPAL_ADMIN, application.call.bureau
    else:
        return []
    return users_with_role(role, organisation)


def _tell_next_reviewers(application: Application) -> None:
    host = application.host_name
    notify(
        reviewers_for(application),
        verb="applications.application.waiting",
        title=lambda: _("An application waits for your review: %(host)s") % {"host": host},
        body=str(application.call),
        url=application.get_absolute_url(),
        obj=application,
    )


@transaction.atomic
def submit(*, actor: User, application: Application, today: date) -> Application:
    locked = _lock(application, {ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
    if not can(actor, "applications.edit_application", locked):
        raise ApplicationError(_("Only the applicant may submit this application."))
    problems = application_problems(locked, today=today)
    if problems:
        raise ApplicationError(
            _("The application is not complete yet: see the marked fields."), problems
        )
    number = locked.submission_count + 1
    Submission.objects.create(application=locked, number=number, snapshot=snapshot(locked))
    was = locked.status
    _move(actor, locked, ApplicationStatus.AT_SCHOOL, verb="applications.application.submitted")
    locked.submission_count = number
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["submission_count", "submitted_at"])
    if was == ApplicationStatus.RETURNED:
        # the trail shows a resubmission, not just another submission
        audit_record(
            actor=actor,
            obj=locked,
            verb="applications.application.resubmitted",
            from_state=was,
            to_state=locked.status,
            comment=str(number),
        )
    _tell_next_reviewers(locked)
    application_pdfs_refresh_later(locked)  # no draft mark now: the reviewers will download it
    return locked


def _next_status(application: Application) -> str:
    policy = application.call.policy
    if application.status == ApplicationStatus.AT_SCHOOL:
        # A bureau-affiliated school has no county to review it, whatever the policy says.
        goes_to_county = policy.review_by_county and not application.is_bureau_affiliated
        return ApplicationStatus.AT_COUNTY if goes_to_county else ApplicationStatus.AT_CITY
    if application.status == ApplicationStatus.AT_COUNTY:
        return ApplicationStatus.AT_CITY
    return ApplicationStatus.EXPERT_REVIEW if policy.expert_review else ApplicationStatus.SELECTED


def check_quota(application: Application) -> None:
    """The policy's application quotas, checked when a county (or an affiliated school) passes
    an application on to the city. The call row is locked for the rest of the transaction (the
    caller's), so two recommendations queue up."""
    policy = application.call.policy
    Call.objects.select_for_update().filter(pk=application.call_id).first()
    others = Application.objects.filter(call_id=application.call_id, status__in=PASSED_COUNTY)
    others = others.exclude(pk=application.pk)
    if application.is_bureau_affiliated:
        limit = policy.quota_per_affiliated_school
        if limit is not None and others.filter(school_id=application.school_id).count() >= limit:
            raise ApplicationError(
                _(
                    "Quota reached: a bureau-affiliated school may recommend at most %(limit)d "
                    "application(s) to this call."
                )
                % {"limit": limit}
            )
        return
    limit = policy.quota_per_county_per_stage
    if limit is None:
        return
    taken = others.filter(
        county_id=application.county_id, school_stage=application.school_stage
    ).count()
    if taken >= limit:
        raise ApplicationError(
            _(
                "Quota reached: %(county)s has already recommended %(taken)d application(s) for "
                "the %(stage)s stage; the policy allows %(limit)d."
            )
            % {
                "county": application.county.name,
                "taken": taken,
                "stage": application.get_school_stage_display(),
                "limit": limit,
            }
        )


def _record_step(
    actor, application: Application, level: str, decision: str, opinion: str, scan=None
):
    role = {
        ReviewLevel.SCHOOL: Role.SCHOOL_ADMIN,
        ReviewLevel.COUNTY: Role.COUNTY_REVIEWER,
        ReviewLevel.CITY: Role.MUNICIPAL_ADMIN,
    }[level]
    target = {
        ReviewLevel.SCHOOL: application.school_id,
        ReviewLevel.COUNTY: application.county_id,
        ReviewLevel.CITY: application.call.bureau_id,
    }[level]
    organisation = next(
        (
            ra.organisation
            for ra in role_assignments(actor)
            if ra.role == role and ra.organisation_id == target
        ),
        None,
    )
    if organisation is None:  # a superuser acting for the level
        organisation = {
            ReviewLevel.SCHOOL: application.school,
            ReviewLevel.COUNTY: application.county,
            ReviewLevel.CITY: application.call.bureau,
        }[level]
    return ReviewStep.objects.create(
        application=application,
        submission_number=application.submission_count,
        level=level,
        decision=decision,
        opinion=opinion,
        reviewer=actor,
        organisation=organisation,
        stamped_scan=scan or "",
        stamped_scan_name=PurePath(scan.name or "").name[:200] if scan else "",
    )


def _review(actor, application, opinion: str, decision: str, stamped_scan=None) -> Application:
    opinion = (opinion or "").strip()
    if not opinion:
        raise ApplicationError(
            _("Write an opinion: it goes into the official form."),
            {"opinion": [_("An opinion is required.")]},
        )
    # Guard on the state the reviewer saw: if it moved meanwhile, someone else acted first.
    seen = application.status if application.status in LEVEL_OF else None
    locked = _lock(application, {seen} if seen else set(LEVEL_OF))
    if not can(actor, "applications.review_application", locked):
        raise ApplicationError(_("This application is not waiting for you."))
    level = LEVEL_OF[locked.status]
    if decision == ReviewDecision.APPROVED:
        target = _next_status(locked)
        if target == ApplicationStatus.AT_CITY:
            check_quota(locked)
        verb = "applications.application.approved"
    elif decision == ReviewDecision.RETURNED:
        target, verb = ApplicationStatus.RETURNED, "applications.application.returned"
    else:
        target, verb = ApplicationStatus.REJECTED, "applications.application.rejected"
    scan = None
    if stamped_scan is not None:
        # Checked inside the transaction: a refused file leaves the decision unmade.
        scan = check_upload(stamped_scan, allowed=SCAN_TYPES, max_bytes=MAX_ATTACHMENT_BYTES)
    _record_step(actor, locked, level, decision, opinion, scan)
    _move(actor, locked, target, verb=verb, comment=opinion)
    _tell_applicant(locked, decision, opinion)
    if decision == ReviewDecision.APPROVED:
        _tell_next_reviewers(locked)
    application_pdfs_refresh_later(locked)  # the opinion is printed in its box
    return locked


TITLES = {
    ReviewDecision.APPROVED: gettext_lazy("Your application moved on: %(status)s"),
    ReviewDecision.RETURNED: gettext_lazy("Your application was returned for revision"),
    ReviewDecision.REJECTED: gettext_lazy("Your application was not recommended"),
}


NOTICE_VERBS = {
    ReviewDecision.APPROVED: "applications.application.approved",
    ReviewDecision.RETURNED: "applications.application.returned",
    ReviewDecision.REJECTED: "applications.application.rejected",
}


def _tell_applicant(application: Application, decision: str, opinion: str) -> None:
    status = application.status
    notify(
        [application.applicant],
        verb=NOTICE_VERBS[decision],
        title=lambda: str(TITLES[decision]) % {"status": STATUS_LABELS[status]},
        body=opinion,
        url=application.get_absolute_url(),
        obj=application,
    )


def approve(
    *, actor: User, application: Application, opinion: str, stamped_scan=None
) -> Application:
    with transaction.atomic():
        return _review(actor, application, opinion, ReviewDecision.APPROVED, stamped_scan)


def return_for_revision(
    *, actor: User, application: Application, opinion: str, stamped_scan=None
) -> Application:
    with transaction.atomic():
        return _review(actor, application, opinion, ReviewDecision.RETURNED, stamped_scan)


def reject(
    *, actor: User, application: Application, opinion: str, stamped_scan=None
) -> Application:
    with transaction.atomic():
        return _review(actor, application, opinion, ReviewDecision.REJECTED, stamped_scan)


def bulk_approve(
    *, actor: User, applications, opinion: str
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Approve each application in its own transaction: one refusal (a quota, a race) does not
    undo the others. Returns (approved, [(application, why not)])."""
    done, failed = [], []
    for application in applications:
        try:
            done.append(approve(actor=actor, application=application, opinion=opinion))
        except ApplicationError as exc:
            failed.append((application, str(exc)))
    return done, failed


# --- calls ------------------------------------------------------------------------------------


def _teachers_of_city(call: Call):
    return User.objects.filter(
        role_assignments__role=Role.TEACHER,
        role_assignments__organisation__city_id=call.bureau.city_id,
        is_active=True,
    ).distinct()


def call_open_refusal(call: Call) -> str | None:
    """Why ``call`` cannot be opened yet (None when it can): the page shows it by the button."""
    if not call.criteria.exists() and call.policy.expert_review:
        return _("Define the scoring rubric before opening the call.")
    return None


@transaction.atomic
def call_open(*, actor: User, call: Call) -> Call:
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    refusal = call_open_refusal(call)
    if refusal:
        raise ApplicationError(refusal)
    transition(
        call,
        to=CallStatus.OPEN,
        sources=CallStatus.DRAFT,
        actor=actor,
        verb="applications.call.opened",
        refused=lambda _state: ApplicationError(_("This call is not being prepared any more.")),
    )
    notify(
        _teachers_of_city(call),
        verb="applications.call.opened",
        title=lambda: _("New call for applications: %(title)s") % {"title": call.title},
        body=lambda: _("Applications close on %(date)s.") % {"date": call.closes_on.isoformat()},
        url=call.get_absolute_url(),
        obj=call,
    )
    return call


@transaction.atomic
def call_close(*, actor: User | None, call: Call, today: date) -> bool:
    """Close an open call once its closing date has passed. Idempotent (a job may run twice)."""
    if call.closes_on >= today:
        return False
    try:
        transition(
            call,
            to=CallStatus.CLOSED,
            sources=CallStatus.OPEN,
            actor=actor,
            verb="applications.call.closed",
            idempotency_key=f"call-closed:{call.pk}",
        )
    except TransitionRefused:
        return False
    return True


CLOSED_EARLY_REASON_MAX = Call._meta.get_field("closed_early_reason").max_length
# Forms that were never handed in: their applicants are told when a call closes early.
NOT_SUBMITTED = [ApplicationStatus.DRAFT, ApplicationStatus.RETURNED]


@transaction.atomic
def call_close_early(*, actor: User, call: Call, today: date, reason: str) -> Call:
    """截止申报 before the closing date: the bureau ends the call early and says why. The reason
    is kept on the call (its page shows it) and as the audit comment; applicants whose forms are
    not submitted yet are told, since the date they were working to no longer holds."""
    reason = " ".join((reason or "").split())
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    if call.closes_on < today:
        raise ApplicationError(_("The closing date has passed: close the call without a reason."))
    if not reason:
        raise ApplicationError(
            _("Say why the call closes before its closing date: applicants are told."),
            {"reason": [_("A reason is required to close a call early.")]},
        )
    if len(reason) > CLOSED_EARLY_REASON_MAX:
        raise ApplicationError(
            _("Keep the reason under %(limit)d characters.") % {"limit": CLOSED_EARLY_REASON_MAX},
            {"reason": [_("The reason is too long.")]},
        )
    transition(
        call,
        permission=("applications.manage_call", call),
        to=CallStatus.CLOSED,
        sources=CallStatus.OPEN,
        actor=actor,
        verb="applications.call.closed_early",
        comment=reason,
        changes={"closed_early_reason": reason},
        idempotency_key=f"call-closed:{call.pk}",
        refused=lambda _state: ApplicationError(_("This call is not open any more.")),
    )
    waiting = User.objects.filter(
        applications__call=call, applications__status__in=NOT_SUBMITTED
    ).distinct()
    title, closes_on = call.title, call.closes_on
    notify(
        waiting,
        verb="applications.call.closed_early",
        title=lambda: _("The call “%(title)s” closed early") % {"title": title},
        body=lambda: (
            _("It was to close on %(date)s. Reason: %(reason)s")
            % {"date": closes_on.isoformat(), "reason": reason}
        ),
        url=call.get_absolute_url(),
        obj=call,
    )
    return call


def call_notice_start(call: Call, *, actor: User, starts_on: date, ends_on: date, comment: str):
    """The call enters its public notice (公示); the caller checked the bureau and the list."""
    transition(
        call,
        permission=("applications.manage_call", call),
        to=CallStatus.NOTICE,
        sources=BEFORE_RESULTS,
        actor=actor,
        verb="applications.call.notice_started",
        comment=comment,
        changes={"notice_starts_on": starts_on, "notice_ends_on": ends_on},
        refused=lambda _state: ApplicationError(
            _("The public notice has already started, or the results are published.")
        ),
    )


def call_mark_published(call: Call, *, actor: User, today: date, comment: str) -> None:
    transition(
        call,
        permission=("applications.manage_call", call),
        to=CallStatus.PUBLISHED,
        sources=[*BEFORE_RESULTS, CallStatus.NOTICE],
        actor=actor,
        verb="applications.call.published",
        comment=comment,
        changes={"published_on": today},
        refused=lambda _state: ApplicationError(
            _("Someone else has already published these results.")
        ),
    )


# --- after review: selection, objections, publication --------------------------------------


def application_select(application: Application, *, actor: User, selected: bool) -> None:
    """保存遴选结果 for one application: selected, or not selected."""
    transition(
        application,
        permission=("applications.manage_call", application.call),
        to=ApplicationStatus.SELECTED if selected else ApplicationStatus.NOT_SELECTED,
        sources=application.status,
        actor=actor,
        verb=(
            "applications.application.selected"
            if selected
            else "applications.application.not_selected"
        ),
        changes={"updated_at": timezone.now()},
        refused=lambda _state: ApplicationError(
            _("Someone else has changed these applications meanwhile; reload the page.")
        ),
    )


def application_remove_after_objection(
    application: Application, *, actor: User, resolution: str
) -> bool:
    """An upheld objection takes a selected application off the list; False if it was not on it."""
    try:
        transition(
            application,
            permission=("applications.manage_call", application.call),
            to=ApplicationStatus.NOT_SELECTED,
            sources=ApplicationStatus.SELECTED,
            actor=actor,
            verb="applications.application.removed_after_objection",
            comment=resolution,
            changes={"updated_at": timezone.now()},
        )
    except TransitionRefused:
        return False
    return True


def application_publish(application: Application, *, actor: User, plaque_number: str) -> None:
    transition(
        application,
        permission=("applications.manage_call", application.call),
        to=ApplicationStatus.PUBLISHED,
        sources=ApplicationStatus.SELECTED,
        actor=actor,
        verb="applications.application.published",
        comment=plaque_number,
        changes={"updated_at": timezone.now()},
        refused=ApplicationError,
    )


def objection_decide(objection: Objection, *, actor: User, upheld: bool, resolution: str) -> None:
    transition(
        objection,
        permission=("applications.resolve_objection", objection),
        field="state",
        to=Objection.State.UPHELD if upheld else Objection.State.DISMISSED,
        sources=Objection.State.OPEN,
        actor=actor,
        verb="applications.objection.upheld" if upheld else "applications.objection.dismissed",
        comment=resolution,
        changes={"resolution": resolution, "resolved_by": actor, "resolved_at": timezone.now()},
        refused=lambda _state: ApplicationError(
            _("Someone else has already resolved this objection.")
        ),
    )


# --- experts' assignments ---------------------------------------------------------------------


def assignment_decline(
    assignment: ExpertAssignment, *, actor: User, reason: str, organisation
) -> None:
    """The expert declares a conflict of interest; the caller locked and checked the row."""
    transition(
        assignment,
        permission=("applications.score_application", assignment),
        field="state",
        to=ExpertAssignment.State.CONFLICT,
        sources=ExpertAssignment.State.ASSIGNED,
        actor=actor,
        verb="applications.expert.conflict",
        comment=reason,
        changes={"comment": reason},
        organisation=organisation,
        refused=lambda _state: ApplicationError(
            _("This assignment has changed meanwhile; reload the page.")
        ),
    )


def assignment_submit(
    assignment: ExpertAssignment, *, actor: User, comment: str, total, organisation
) -> None:
    """The expert's scores are final once submitted."""
    transition(
        assignment,
        permission=("applications.score_application", assignment),
        field="state",
        to=ExpertAssignment.State.SUBMITTED,
        sources=ExpertAssignment.State.ASSIGNED,
        actor=actor,
        verb="applications.expert.scored",
        comment=str(total),
        changes={"submitted_at": timezone.now(), "comment": comment},
        organisation=organisation,
        refused=lambda _state: ApplicationError(
            _("You have already submitted your scores for this application; they are final.")
        ),
    )
