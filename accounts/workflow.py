"""The states of an invitation (``accounts.models.Invitation``), moved only here.

open → accepted: the person used the link or the code and chose a password.
open → withdrawn: a newer invitation replaced it, the person set a password some other way,
or too many wrong codes were typed for a printed code.

An invitation is created open (``accounts.onboarding``); that is not a transition. The job
runner's states (``accounts.jobs``) are a lease machine of their own, moved there.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.workflow import transition

from .models import Invitation, InvitationStatus, User
from .services import AccountsError


def _refused(current: str) -> AccountsError:
    if current == InvitationStatus.ACCEPTED:
        return AccountsError(_("This invitation was already used. Log in with your password."))
    return AccountsError(
        _("This invitation is no longer valid: ask your administrator for a new one.")
    )


def invitation_accept(invitation: Invitation, *, actor: User) -> None:
    """The invitee (``actor``) used it. Two submissions of the same page make one."""
    transition(
        invitation,
        to=InvitationStatus.ACCEPTED,
        sources=InvitationStatus.OPEN,
        actor=actor,
        verb="accounts.invitation.accepted",
        comment=invitation.get_channel_display(),
        changes={"accepted_at": timezone.now()},
        refused=_refused,
    )


def invitation_withdraw(invitation: Invitation, *, actor: User | None, comment: str = "") -> None:
    """No longer valid: replaced by a newer one, or the person has a password already."""
    transition(
        invitation,
        to=InvitationStatus.WITHDRAWN,
        sources=InvitationStatus.OPEN,
        actor=actor,
        verb="accounts.invitation.withdrawn",
        comment=comment,
        refused=_refused,
    )


def activation_code_block(invitation: Invitation) -> None:
    """Too many wrong codes were typed for this person's printed code: it stops working."""
    transition(
        invitation,
        to=InvitationStatus.WITHDRAWN,
        sources=InvitationStatus.OPEN,
        actor=None,
        verb="accounts.activation_code.blocked",
        comment=str(invitation.failed_attempts),
        refused=_refused,
    )
