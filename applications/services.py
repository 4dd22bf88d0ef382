"""Writes for calls and application forms. Review transitions live in workflow.py."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.permissions import can, role_assignments
from accounts.services import audit_record, notify
from core.dates import date_problem
from core.errors import DomainError
from core.uploads import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_PHOTO_BYTES,
    PHOTO_TYPES,
    UploadRefused,
    checked_upload,
)
from policies.application_form import definition_for
from policies.models import Policy, TeamRole

from .models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    Call,
    CallAttachment,
    CallStatus,
    RubricCriterion,
    Score,
    TeamEntry,
)
from .review_deadlines import review_deadline_problems


class ApplicationError(DomainError):
    """A write in applications was refused (see core.errors)."""


# --- uploads --------------------------------------------------------------------------------


def check_upload(upload, *, allowed: set[str] | None = None, max_bytes: int):
    """Refuse a file unless its content is one of the ``allowed`` suffixes' kinds, its name
    says the same, and it is within ``max_bytes``; return the file to store in its place
    (images re-encoded, without what followed them or their metadata)."""
    try:
        return checked_upload(upload, accept=allowed or ATTACHMENT_TYPES, max_bytes=max_bytes)
    except UploadRefused as exc:
        raise ApplicationError(str(exc)) from None


# --- calls ----------------------------------------------------------------------------------


@dataclass
class CriterionInput:
    name: str
    max_score: object
    description: str = ""


# A late submission is a matter of days or weeks; a bureau set-by default, not policy.
MAX_EXTENSION_DAYS = 90


def _validate_call(call: Call) -> None:
    policy = call.policy
    problems: dict[str, list[str]] = {}
    for field in ("opens_on", "closes_on"):
        problem = date_problem(getattr(call, field))
        if problem:
            problems.setdefault(field, []).append(problem)
    if call.closes_on < call.opens_on:
        problems.setdefault("closes_on", []).append(
            _("The closing date is before the opening date.")
        )
    for field, found in review_deadline_problems(call).items():
        problems.setdefault(field, []).extend(found)
    stages = set(call.school_stages)
    if not stages or stages - set(policy.school_stages):
        problems.setdefault("school_stages", []).append(
            _("Choose school stages that the policy covers.")
        )
    planned = policy.planned_studio_count
    if planned and call.studio_count and call.studio_count > planned:
        problems.setdefault("studio_count", []).append(
            _("The policy plans %(planned)d studios; a call may found at most that many.")
            % {"planned": planned}
        )
    if policy.public_notice and not (call.notice_days or policy.notice_period_days):
        problems.setdefault("notice_days", []).append(
            _("The policy requires a public notice: say how many days it lasts.")
        )
    if problems:
        raise ApplicationError(_("The call could not be saved."), problems)


def _rubric_save(call: Call, criteria: list[CriterionInput], *, creating: bool) -> None:
    """Replace the rubric, unless experts have scored on it: then it may no longer change
    (their scores name its lines), and the same rubric posted again changes nothing."""
    wanted = [(c.name, Decimal(str(c.max_score)), c.description or "") for c in criteria]
    current = [] if creating else list(call.criteria.order_by("position", "pk"))
    if wanted == [(c.name, c.max_score, c.description) for c in current]:
        return
    if Score.objects.filter(criterion__call=call).exists():
        raise ApplicationError(
            _(
                "Experts have already scored on this rubric, so it can no longer change. "
                "Keep its lines as they are to save the call's other changes."
            )
        )
    call.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            call=call, name=name, max_score=max_score, description=description, position=i
        )
        for i, (name, max_score, description) in enumerate(wanted)
    )


@transaction.atomic
def call_save(
    *,
    actor: User,
    policy: Policy,
    call: Call | None = None,
    criteria: list[CriterionInput] | None = None,
    **fields,
) -> Call:
    """Create or change a call of the actor's bureau; the rubric is replaced when given."""
    bureau = Organisation.objects.get(
        city_id=policy.city_id, kind=OrganisationKind.MUNICIPAL_BUREAU
    )
    creating = call is None
    call = call or Call(policy=policy, bureau=bureau, created_by=actor)
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    if not creating and call.status == CallStatus.PUBLISHED:
        raise ApplicationError(_("A published call can no longer be changed."))
    call.policy = policy
    for key, value in fields.items():
        setattr(call, key, value)
    if call.notice_days is None and policy.public_notice:
        call.notice_days = policy.notice_period_days
    _validate_call(call)
    call.save()
    if criteria is not None:
        _rubric_save(call, criteria, creating=creating)
    if creating:
        audit_record(actor=actor, obj=call, verb="applications.call.created", to_state=call.status)
    return call


@transaction.atomic
def call_attach(*, actor: User, call: Call, title: str, upload) -> CallAttachment:
    if not can(actor, "applications.manage_call", call):
        raise ApplicationError(_("You may not manage this bureau's calls."))
    upload = check_upload(upload, max_bytes=MAX_ATTACHMENT_BYTES)
    return CallAttachment.objects.create(
        call=call, title=title or upload.name, file=upload, original_name=upload.name[:200]
    )


# --- the form -------------------------------------------------------------------------------


def teacher_school(user: User) -> Organisation | None:
    for ra in role_assignments(user):
        if ra.role == Role.TEACHER:
            return ra.organisation
    return None


@transaction.atomic
def application_start(*, actor: User, call: Call) -> Application:
    """Open the actor's draft for ``call`` (or return the one they already have)."""
    existing = Application.objects.filter(call=call, applicant=actor).first()
    if existing is not None:
        return existing
    if not can(actor, "applications.apply_to_call", call):
        raise ApplicationError(_("You cannot apply to this call."))
    school = teacher_school(actor)
    stages = [s for s in call.school_stages if s in school.school_stages]
    try:
        # Several clicks at once: the others wait on the unique (call, applicant) index and
        # then find the draft the first one made.
        with transaction.atomic():
            application = Application.objects.create(
                call=call,
                applicant=actor,
                school=school,
                county=school.county,
                school_stage=stages[0],
                host_name=actor.full_name,
                phone=actor.phone,
                work_unit=school.name,
            )
    except IntegrityError:
        return Application.objects.get(call=call, applicant=actor)
    audit_record(
        actor=actor,
        obj=application,
        verb="applications.application.started",
        to_state=ApplicationStatus.DRAFT,
    )
    return application


HOST_FIELDS = [
    "school_stage",
    "host_name",
    "gender",
    "birth_month",
    "party_member",
    "professional_title",
    "post",
    "head_teacher_years",
    "research_direction",
    "phone",
    "work_unit",
    "paired_county",
    "achievements",
    "existing_studio_name",
    "existing_studio_department",
    "plan",
]
TEAM_FIELDS = [
    "name",
    "gender",
    "birth_month",
    "work_unit",
    "post",
    "professional_title",
    "research_direction",
    "phone",
    "head_teacher_years",
]


def _lock_editable(actor: User, application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not can(actor, "applications.edit_application", locked):
        raise ApplicationError(
            _("This application can no longer be changed: it has been submitted.")
        )
    return locked


@transaction.atomic
def application_save_draft(
    *,
    actor: User,
    application: Application,
    host: dict,
    advisors: list[dict],
    members: list[dict],
    others: dict[str, list[dict]] | None = None,
    answers: dict | None = None,
    photo=None,
) -> Application:
    """Keep what was typed, however incomplete: policy rules are checked only on submission.

    ``others`` holds the rows of further tables the city's form has (shadow trainees…), by
    role; ``answers`` the form's parts without a column (custom fields, sections, the host's
    undertakings), stored in ``form_data``. A row's keys beyond the built-in columns go to
    its ``extra``.
    """
    locked = _lock_editable(actor, application)
    for field in HOST_FIELDS:
        if field in host:
            setattr(locked, field, host[field])
    if answers is not None:
        locked.form_data = {**(locked.form_data or {}), **answers}
    if photo is not None:
        locked.photo = check_upload(photo, allowed=PHOTO_TYPES, max_bytes=MAX_PHOTO_BYTES)
    locked.save()
    locked.team.all().delete()
    tables = {TeamRole.ADVISOR: advisors, TeamRole.MEMBER: members, **(others or {})}
    rows = []
    for role, entries in tables.items():
        if role not in TeamRole.values:
            raise ApplicationError(_("The form has a table for an unknown role."))
        for position, entry in enumerate(entries):
            extra = {k: str(v) for k, v in entry.items() if k not in TEAM_FIELDS and v}
            rows.append(
                TeamEntry(
                    application=locked,
                    role=role,
                    position=position,
                    extra=extra,
                    **{k: entry.get(k) for k in TEAM_FIELDS if entry.get(k) is not None},
                )
            )
    TeamEntry.objects.bulk_create(rows)
    return locked


@transaction.atomic
def application_attach(
    *, actor: User, application: Application, title: str, upload
) -> ApplicationAttachment:
    locked = _lock_editable(actor, application)
    upload = check_upload(upload, max_bytes=MAX_ATTACHMENT_BYTES)
    return ApplicationAttachment.objects.create(
        application=locked,
        title=title or upload.name,
        file=upload,
        original_name=upload.name[:200],
        size=upload.size,
    )


@transaction.atomic
def application_detach(*, actor: User, attachment: ApplicationAttachment) -> None:
    _lock_editable(actor, attachment.application)
    attachment.file.delete(save=False)
    attachment.delete()


def snapshot(application: Application) -> dict:
    """What the form says now, as plain JSON, for the submission history and its diff."""
    data = {}
    for field in HOST_FIELDS:
        value = getattr(application, field)
        if isinstance(value, Organisation):
            value = value.name
        elif isinstance(value, date):
            value = value.isoformat()[:7]
        data[field] = value
    data["photo"] = application.photo.name if application.photo else ""
    for key, value in sorted((application.form_data or {}).items()):
        data[f"form:{key}"] = value
    team = list(application.team.all())
    roles = [TeamRole.ADVISOR, TeamRole.MEMBER]
    roles += sorted({row.role for row in team} - set(roles))
    for role in roles:
        data[f"{role}s"] = [
            {
                **{
                    f: (
                        getattr(row, f).isoformat()[:7]
                        if f == "birth_month" and row.birth_month
                        else getattr(row, f)
                    )
                    for f in TEAM_FIELDS
                },
                **(row.extra or {}),
            }
            for row in team
            if row.role == role
        ]
    data["attachments"] = [a.title for a in application.attachments.all()]
    return data


@dataclass
class Change:
    field: str
    label: str
    before: object
    after: object


def changes_since_last_submission(application: Application) -> list[Change]:
    """What differs between the two latest submissions (empty for a first submission)."""
    latest = list(application.submissions.order_by("-number")[:2])
    if len(latest) < 2:
        return []
    after, before = latest[0].snapshot, latest[1].snapshot
    labels = {f: str(Application._meta.get_field(f).verbose_name) for f in HOST_FIELDS}
    labels.update(
        {
            "photo": str(Application._meta.get_field("photo").verbose_name),
            "advisors": _("Advisors"),
            "members": _("Members"),
            "attachments": _("Attachments"),
        }
    )
    form = definition_for(application.call.policy)
    labels.update({f.key: f.label for f in form.host_fields})
    labels.update({s.key: s.title for s in form.sections})
    labels.update({f"form:{f.key}": f.label for f in form.host_fields})
    labels.update({f"form:{s.key}": s.title for s in form.sections})
    labels["form:undertakings"] = _("Undertakings")
    labels.update({f"{t.role}s": t.title for t in form.tables})
    return [
        Change(key, labels.get(key, key), before.get(key), after.get(key))
        for key in after
        if before.get(key) != after.get(key)
    ]


@transaction.atomic
def application_grant_extension(
    *, actor: User, application: Application, until: date, reason: str
) -> Application:
    if not can(actor, "applications.grant_extension", application):
        raise ApplicationError(_("Only the municipal bureau may grant an extension."))
    if not reason.strip():
        raise ApplicationError(
            _("Give a reason for the extension."), {"reason": [_("A reason is required.")]}
        )
    if until < application.call.closes_on:
        raise ApplicationError(
            _("An extension must end after the call's closing date."),
            {"until": [_("Choose a date after the closing date.")]},
        )
    if until > application.call.closes_on + timedelta(days=MAX_EXTENSION_DAYS):
        limit = application.call.closes_on + timedelta(days=MAX_EXTENSION_DAYS)
        raise ApplicationError(
            _("An extension may run at most %(days)d days past the closing date.")
            % {"days": MAX_EXTENSION_DAYS},
            {"until": [_("Choose a date until %(limit)s.") % {"limit": limit.isoformat()}]},
        )
    application.extension_until = until
    application.extension_reason = reason.strip()
    application.save(update_fields=["extension_until", "extension_reason", "updated_at"])
    audit_record(
        actor=actor,
        obj=application,
        verb="applications.application.extension_granted",
        from_state=application.status,
        to_state=application.status,
        comment=f"{until.isoformat()} · {reason.strip()}",
    )
    notify(
        [application.applicant],
        verb="applications.application.extension_granted",
        title=lambda: (
            _("You may submit your application until %(date)s") % {"date": until.isoformat()}
        ),
        body=reason.strip(),
        url=application.get_absolute_url(),
        obj=application,
    )
    return application
