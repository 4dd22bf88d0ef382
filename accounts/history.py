"""The audit trail in words: each ``AuditEntry`` as a sentence in the reader's language.

accounts sits below the apps, so it cannot know their verbs or their states. Each app fills
two registries from its own ``history`` module, imported in its ``AppConfig.ready()`` (as
permissions, home panels and jobs are registered): ``register_verbs`` gives a phrase for each
verb it records, ``register_states`` the labels of a model's states. A page then asks
``history_rows(entries)`` (or the ``history_rows`` template tag) for rows to show.

A verb nobody registered still reads as a sentence ("… recorded a change"), never as its code;
``tests/accounts/test_history.py`` fails when the source records a verb without a phrase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import models as account_models
from .models import AuditEntry, Job, JobStatus, Role, RoleAssignment, User

Text = str | Promise

# When an actor holds several roles and the verb does not say in which one they acted, the
# sentence names the most responsible one (a school administrator who is also a teacher
# approves as the administrator).
ROLE_PRECEDENCE = [
    Role.MUNICIPAL_ADMIN,
    Role.CE_OFFICER,
    Role.COUNTY_REVIEWER,
    Role.AUDITOR,
    Role.EXPERT,
    Role.SCHOOL_ADMIN,
    Role.FINANCE_OFFICER,
    Role.TEACHER,
]
# Scheduled reminders are recorded as the reminded verb plus this suffix.
REMINDER_SUFFIX = ".reminded"


@dataclass(frozen=True)
class VerbPhrase:
    """What the actor did, as the predicate of a sentence.

    ``text`` may use ``%(from)s``, ``%(to)s`` (state labels) and ``%(object)s``. ``roles`` are the
    roles the actor acts in for this verb, in order of preference.
    """

    text: Text
    roles: tuple[str, ...] = ()


_PHRASES: dict[str, VerbPhrase] = {}
_STATES: dict[str, dict[str, Text]] = {}  # model label ("applications.application") → labels
_ANY_STATE: dict[str, Text] = {}  # every registered label, for an object whose model is gone


def register_verbs(
    phrases: Mapping[str, Text], *, roles: Mapping[str, Iterable[str]] | None = None
) -> None:
    """Register the phrase of each verb an app records (``{"app.noun.verb": _("…")}``)."""
    roles = roles or {}
    for verb, text in phrases.items():
        _PHRASES[verb] = VerbPhrase(text=text, roles=tuple(roles.get(verb, ())))


def register_states(model: type[models.Model], choices: Iterable[tuple[str, Text]]) -> None:
    """Register the labels of the states an app's ``model`` moves through."""
    labels = _STATES.setdefault(model._meta.label_lower, {})
    for code, label in choices:
        labels[code] = label
        _ANY_STATE.setdefault(code, label)


def registered_verbs() -> set[str]:
    return set(_PHRASES)


def phrase_for(verb: str) -> VerbPhrase | None:
    return _PHRASES.get(verb)


def verb_label(verb: str) -> str:
    """The phrase of a verb on its own (for a filter's choices), its placeholders as "…"."""
    phrase = phrase_for(verb)
    if phrase is None:
        return verb
    return str(phrase.text) % {"from": "…", "to": "…", "object": "…"}


def state_label(code: str, model_label: str = "") -> str:
    """The label of a state; a value that is not a state (an amount, a count) shows as is."""
    if not code:
        return ""
    label = _STATES.get(model_label, {}).get(code) or _ANY_STATE.get(code)
    if label is None and " " in code:  # "lecture 2024-09-01": a kind and a date
        return " ".join(state_label(part, model_label) for part in code.split(" "))
    return str(label) if label is not None else code


def _role_of(verb_phrase: VerbPhrase | None, held: set[str]) -> str | None:
    preferred = verb_phrase.roles if verb_phrase is not None else ()
    for role in [*preferred, *ROLE_PRECEDENCE]:
        if role in held:
            return role
    return None


def actor_label(
    actor: User | None, assignments: list[RoleAssignment], verb_phrase: VerbPhrase | None
) -> str:
    """ "学校管理员 张三", "张三（XX中学）" for a teacher, "系统" for a job."""
    if actor is None:
        return gettext("The system")
    name = actor.get_full_name()
    role = _role_of(verb_phrase, {a.role for a in assignments})
    if role is None:
        return name
    if role == Role.TEACHER:
        school = next(a.organisation for a in assignments if a.role == role)
        return gettext("%(name)s (%(organisation)s)") % {"name": name, "organisation": school}
    return gettext("%(role)s %(name)s") % {"role": Role(role).label, "name": name}


def _predicate(entry: AuditEntry, verb_phrase: VerbPhrase | None, model_label: str) -> str:
    values = {
        "from": state_label(entry.from_state, model_label),
        "to": state_label(entry.to_state, model_label),
        "object": entry.object_repr,
    }
    if verb_phrase is not None:
        return str(verb_phrase.text) % values
    if entry.verb.endswith(REMINDER_SUFFIX):
        reminded = phrase_for(entry.verb.removesuffix(REMINDER_SUFFIX))
        if reminded is not None:
            return gettext("sent a reminder: %(what)s") % {"what": str(reminded.text) % values}
        return gettext("sent a reminder")
    if entry.from_state and entry.to_state:
        return gettext("changed it from “%(from)s” to “%(to)s”") % values
    if entry.to_state:
        return gettext("set it to “%(to)s”") % values
    return gettext("recorded a change")


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditEntry
    created_at: datetime
    actor: str
    sentence: str
    object_repr: str
    from_label: str
    to_label: str
    comment: str
    verb: str  # the code, for a tooltip and the filter; never the visible text


def history_rows(entries: Iterable[AuditEntry]) -> list[HistoryRow]:
    """The entries as sentences, with the actors' roles read in one query."""
    entries = list(entries)
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    assignments: dict[int, list[RoleAssignment]] = {}
    if actor_ids:
        for assignment in RoleAssignment.objects.filter(user_id__in=actor_ids).select_related(
            "organisation"
        ):
            assignments.setdefault(assignment.user_id, []).append(assignment)
    rows = []
    for entry in entries:
        model_label = (
            f"{entry.content_type.app_label}.{entry.content_type.model}"
            if entry.content_type_id
            else ""
        )
        verb_phrase = phrase_for(entry.verb)
        actor = actor_label(entry.actor, assignments.get(entry.actor_id, []), verb_phrase)
        predicate = _predicate(entry, verb_phrase, model_label)
        rows.append(
            HistoryRow(
                entry=entry,
                created_at=entry.created_at,
                actor=actor,
                sentence=gettext("%(actor)s %(action)s") % {"actor": actor, "action": predicate},
                object_repr=entry.object_repr,
                from_label=state_label(entry.from_state, model_label),
                to_label=state_label(entry.to_state, model_label),
                comment=entry.comment,
                verb=entry.verb,
            )
        )
    return rows


# --- accounts' own verbs and states ------------------------------------------------------------

register_verbs(
    {
        "accounts.digest.sent": _("sent the daily digest"),
        "accounts.export.downloaded": _("downloaded an export"),
        "accounts.job.queued": _("queued a background task"),
        "accounts.job.started": _("started the background task"),
        "accounts.job.restarted": _("restarted the background task after its worker stopped"),
        "accounts.job.finished": _("finished the background task"),
        "accounts.job.failed": _("recorded that the background task failed"),
        "accounts.job.requeued": _("queued the background task again"),
        "accounts.job.resent": _("sent the waiting background task to a worker again"),
        "accounts.login.succeeded": _("signed in"),
        "accounts.sso.linked": _("linked the account to the identity platform"),
        "accounts.token.created": _("made an API token"),
        "accounts.token.revoked": _("revoked an API token"),
        "accounts.sso.unlinked": _("removed the account's link to the identity platform"),
        "accounts.sso.second_factor_by_provider": _(
            "signed in with the identity platform's two-step verification"
        ),
        "accounts.login.failed": _("failed to sign in"),
        "accounts.login.refused": _("was refused sign-in"),
        "accounts.login.locked_out": _("was locked out after repeated failed sign-ins"),
        "accounts.login.unlocked": _("unlocked the account"),
        "accounts.logout": _("signed out"),
        "accounts.session.expired": _("was signed out: the session expired"),
        "accounts.otp.enrolled": _("set up two-step verification"),
        "accounts.otp.verified": _("passed two-step verification"),
        "accounts.otp.failed": _("entered a wrong verification code"),
        "accounts.otp.recovery_code_used": _("signed in with a recovery code"),
        "accounts.otp.recovery_codes_regenerated": _("made new recovery codes"),
        "accounts.otp.reset": _("reset the account's two-step verification"),
        "accounts.password.changed": _("changed the password"),
        "accounts.role.assigned": _("assigned a role"),
        "accounts.role.revoked": _("removed a role"),
        "accounts.invitation.sent": _("sent an invitation to set a password"),
        "accounts.invitation.accepted": _("set a password with the invitation"),
        "accounts.invitation.withdrawn": _("withdrew the invitation"),
        "accounts.activation_code.issued": _("issued an activation code"),
        "accounts.activation_code.blocked": _("blocked the activation code after wrong attempts"),
        "accounts.password.reset": _("set a new password"),
        "accounts.phone.changed": _("changed the mobile number for SMS notices"),
        "accounts.chat_robot.added": _("added a group chat robot"),
        "accounts.chat_robot.changed": _("changed a group chat robot"),
        "accounts.chat_robot.removed": _("removed a group chat robot"),
    }
)
register_states(Job, JobStatus.choices)
# Invitations are newer than this module; their states are registered when the model is there.
_invitation, _invitation_status = (
    getattr(account_models, "Invitation", None),
    getattr(account_models, "InvitationStatus", None),
)
if _invitation is not None and _invitation_status is not None:
    register_states(_invitation, _invitation_status.choices)
