"""Bringing people in without a developer: invitations by e-mail, printed activation codes,
and the first password the person chooses themselves.

Writes for onboarding live here rather than in ``accounts.services`` (which they use), because
they are one story read together: who may invite whom, how a secret is made, kept and used.

Why our own ``Invitation`` rather than Django's ``PasswordResetTokenGenerator`` (which the
"forgot password" pages do use): that generator's tokens are stateless, so nothing could list
who was invited and when, withdraw a link when a newer one is sent, give a code its own
lifetime (``MINGSHI_INVITATION_DAYS``, ``MINGSHI_ACTIVATION_CODE_DAYS``) apart from the reset
links', count wrong codes, or record "sent" and "accepted" in the audit trail against an
object that the school's auditors can read. A short code typed from paper also needs a
counter of wrong tries, which a stateless token cannot have.

Secrets: a link carries 32 random bytes, a code 8 characters (40 bits) from an alphabet with
no look-alikes. Only a keyed hash (HMAC over SECRET_KEY) is stored, so neither a database
copy nor the task queue holds a usable secret: an e-mailed invitation's token is made when
its mail is written, inside the task. A code is bound to its person's account (the hash
covers the user id) and stops working after ``MINGSHI_ACTIVATION_CODE_MAX_ATTEMPTS`` wrong
tries for that username.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from . import workflow
from .models import Invitation, InvitationChannel, InvitationStatus, Organisation, User
from .permissions import ONBOARDING_ROLES, can, in_scope, role_assignments
from .services import AccountsError, audit_record

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8


def _hash(secret: str) -> str:
    return salted_hmac("accounts.onboarding.invitation", secret, algorithm="sha256").hexdigest()


def _code_hash(person: User, code: str) -> str:
    return _hash(f"code:{person.pk}:{code}")


def normalise_code(text: str) -> str:
    """What a person types from paper: any case, with or without the hyphen and spaces."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _organisation_for(actor: User, person: User) -> Organisation | None:
    """The person's organisation that the inviter reaches (their first role's otherwise)."""
    organisations = [ra.organisation for ra in role_assignments(person)]
    for organisation in organisations:
        if actor.is_superuser or in_scope(actor, organisation, roles=ONBOARDING_ROLES):
            return organisation
    return organisations[0] if organisations else None


def _may_invite(actor: User, person: User) -> None:
    if not can(actor, "accounts.invite_user", person):
        raise AccountsError(_("You may not invite this person."))
    if person.has_usable_password():
        raise AccountsError(
            _("%(name)s has already set a password.") % {"name": person.get_full_name()}
        )


def _withdraw_open(person: User, *, actor: User | None, comment: str) -> None:
    for invitation in Invitation.objects.filter(user=person, status=InvitationStatus.OPEN):
        workflow.invitation_withdraw(invitation, actor=actor, comment=comment)


# --- by e-mail -------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(*, actor: User, person: User) -> Invitation:
    """Invite ``person`` by e-mail to choose a password; an open invitation is replaced.

    The mail goes out once the transaction commits (``accounts.tasks.send_invitation_email``).
    """
    _may_invite(actor, person)
    if not person.email:
        raise AccountsError(
            _("%(name)s has no e-mail address: print an activation code instead.")
            % {"name": person.get_full_name()}
        )
    _withdraw_open(person, actor=actor, comment=_("Replaced by a new invitation"))
    invitation = Invitation.objects.create(
        user=person,
        channel=InvitationChannel.EMAIL,
        organisation=_organisation_for(actor, person),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.MINGSHI_INVITATION_DAYS),
    )
    audit_record(actor=actor, obj=invitation, verb="accounts.invitation.sent", comment=person.email)
    transaction.on_commit(lambda: _queue_mail(invitation.pk))
    return invitation


def _queue_mail(invitation_id: int) -> None:
    from .tasks import send_invitation_email  # noqa: PLC0415 (the task calls back here)

    send_invitation_email.delay(invitation_id)


@dataclass
class BulkOutcome:
    done: list[User]
    skipped: list[str]  # why each person left out was left out, in words


def invitations_send(*, actor: User, people: Iterable[User]) -> BulkOutcome:
    """Invite each person by e-mail, each on their own (one refusal stops no one else)."""
    outcome = BulkOutcome(done=[], skipped=[])
    for person in people:
        try:
            invitation_send(actor=actor, person=person)
        except AccountsError as exc:
            outcome.skipped.append(str(exc))
        else:
            outcome.done.append(person)
    return outcome


def invitation_mail(*, invitation_id: int) -> bool:
    """Make the link's secret and mail it, once: the claim is a conditional update, and a
    failed send rolls it back so that the task's retry sends it. Returns whether it sent."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation_id,
            status=InvitationStatus.OPEN,
            channel=InvitationChannel.EMAIL,
            emailed_at__isnull=True,
        ).update(emailed_at=timezone.now(), secret_hash=_hash(token))
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("user", "created_by").get(pk=invitation_id)
        person = invitation.user
        if not person.email:
            return False
        with translation.override(person.language or settings.LANGUAGE_CODE):
            context = {
                "user": person,
                "invitation": invitation,
                "url": settings.MINGSHI_BASE_URL.rstrip("/")
                + reverse("accounts:invitation_accept", args=[token]),
                "days": settings.MINGSHI_INVITATION_DAYS,
            }
            subject = _("[Mingshi] You are invited: choose your password")
            message = render_to_string("accounts/email/invitation.txt", context)
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [person.email])
    return True


def invitation_for_link(token: str) -> Invitation | None:
    """The e-mailed invitation a link names (any state), or None for a link that never was."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.filter(secret_hash=_hash(token), channel=InvitationChannel.EMAIL)
        .select_related("user")
        .first()
    )


def invitation_problem(invitation: Invitation | None) -> str:
    """Why this invitation cannot be used, in words for its reader ("" when it can)."""
    if invitation is None:
        return _(
            "This link is not valid. Check that the whole link was copied from the e-mail, "
            "or ask your administrator for a new invitation."
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        return _("This invitation was already used. Log in with your password.")
    if invitation.status == InvitationStatus.WITHDRAWN:
        return _("This invitation is no longer valid: ask your administrator for a new one.")
    if invitation.expired:
        return _("This invitation has expired. Ask your administrator to send you a new one.")
    if invitation.user.has_usable_password() or not invitation.user.is_active:
        return _("This account already has a password. Log in, or use “Forgot password”.")
    return ""


def validate_new_password(person: User, password: str) -> None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS); raises ValidationError."""
    password_validation.validate_password(password, person)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """The person chose ``password`` through their invitation: it is theirs from now on, so no
    forced change follows. Other open invitations of theirs stop working."""
    problem = invitation_problem(invitation)
    if problem:
        raise AccountsError(problem)
    person = invitation.user
    workflow.invitation_accept(invitation, actor=person)  # a second submission stops here
    person.set_password(password)
    person.must_change_password = False
    person.save(update_fields=["password", "must_change_password"])
    _withdraw_open(person, actor=person, comment=_("The password is set"))
    return person


# --- printed codes ---------------------------------------------------------------------------


@dataclass
class CodeLine:
    person: User
    code: str  # shown on the sheet once; only its hash is kept


@transaction.atomic
def activation_codes_issue(
    *, actor: User, people: Iterable[User]
) -> tuple[list[CodeLine], list[str]]:
    """A new one-time code for each person the actor may invite who has no password yet
    (their open invitations are replaced). Returns the sheet's lines and why others were left
    out. The codes are shown once: printing again makes new ones."""
    lines: list[CodeLine] = []
    skipped: list[str] = []
    expires = timezone.now() + timedelta(days=settings.MINGSHI_ACTIVATION_CODE_DAYS)
    for person in people:
        try:
            _may_invite(actor, person)
        except AccountsError as exc:
            skipped.append(str(exc))
            continue
        _withdraw_open(person, actor=actor, comment=_("Replaced by a new activation code"))
        code = _new_code()
        invitation = Invitation.objects.create(
            user=person,
            channel=InvitationChannel.CODE,
            secret_hash=_code_hash(person, code),
            organisation=_organisation_for(actor, person),
            created_by=actor,
            expires_at=expires,
        )
        audit_record(actor=actor, obj=invitation, verb="accounts.activation_code.issued")
        lines.append(CodeLine(person=person, code=format_code(code)))
    return lines, skipped


def activation_code_find(*, username: str, code: str) -> Invitation:
    """The open code invitation that ``username`` and ``code`` name, or AccountsError.

    A wrong code counts against the person's open codes (committed even though the caller
    shows an error); the one that reaches the limit stops working. A right code whose
    invitation cannot be used says why; a wrong one says only that it is wrong, whether or not
    the username exists."""
    wrong = AccountsError(
        _("The username or the activation code is not right. Check both on your sheet.")
    )
    person = User.objects.filter(username=(username or "")[:150], is_active=True).first()
    normalised = normalise_code(code)
    if person is None or len(normalised) != CODE_LENGTH:
        if person is not None:
            _count_wrong_code(person)
        raise wrong
    invitation = (
        Invitation.objects.filter(
            user=person, channel=InvitationChannel.CODE, secret_hash=_code_hash(person, normalised)
        )
        .select_related("user")
        .first()
    )
    if invitation is None:
        _count_wrong_code(person)
        raise wrong
    problem = invitation_problem(invitation)
    if problem:
        raise AccountsError(problem)
    return invitation


def _count_wrong_code(person: User) -> None:
    limit = settings.MINGSHI_ACTIVATION_CODE_MAX_ATTEMPTS
    with transaction.atomic():
        open_codes = Invitation.objects.filter(
            user=person, channel=InvitationChannel.CODE, status=InvitationStatus.OPEN
        )
        open_codes.update(failed_attempts=F("failed_attempts") + 1)
        for invitation in open_codes.filter(failed_attempts__gte=limit):
            workflow.activation_code_block(invitation)


def activation_code_redeem(*, username: str, code: str, password: str) -> User:
    """Username + code + a new password (Django's validators): the account is the person's.
    Raises AccountsError (the code) or ValidationError (the password), changing nothing."""
    invitation = activation_code_find(username=username, code=code)
    validate_new_password(invitation.user, password)
    return invitation_accept(invitation=invitation, password=password)


def activation_url() -> str:
    return settings.MINGSHI_BASE_URL.rstrip("/") + reverse("accounts:activate")


# --- forgot password -------------------------------------------------------------------------


def user_password_reset(*, actor: User) -> User:
    """The person chose a new password through a "forgot password" link: theirs, so no forced
    change follows; open invitations stop working. The second factor is untouched: the next
    login still asks for it."""
    with transaction.atomic():
        if actor.must_change_password:
            actor.must_change_password = False
            actor.save(update_fields=["must_change_password"])
        _withdraw_open(actor, actor=actor, comment=_("The password is set"))
        audit_record(actor=actor, obj=actor, verb="accounts.password.reset")
    return actor
