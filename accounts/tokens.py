"""Personal access tokens: made, listed, revoked by their owner, and looked up by the API.

A token is ``ms_`` and 43 URL-safe characters (256 random bits). Only its SHA-256 digest is
stored, as for calendar addresses: with that much randomness there is no dictionary to try
against a stolen digest, so a slow hash would only slow every API request. The owner sees the
secret once, on the page that made it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AccessToken, TokenScope, User
from .services import AccountsError, audit_record

PREFIX = "ms_"
# How long a token may live, in days: the choices of the form, the longest a year, so that a
# forgotten integration stops by itself.
LIFETIMES = (30, 90, 180, 365)
# A person may keep this many usable tokens at once (one per integration is the idea).
MAX_TOKENS = 20
# The last-used time is written at most this often per token: an integration that polls
# every few seconds must not write a row on every request.
TOUCH_EVERY = timedelta(minutes=5)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(user: User) -> QuerySet[AccessToken]:
    """The person's tokens, newest first (revoked and expired ones too, for the record)."""
    return AccessToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_of(user: User, pk: int) -> AccessToken | None:
    return tokens_of(user).filter(pk=pk).first()


def token_for_secret(secret: str) -> AccessToken | None:
    """The usable token whose secret this is (its owner active), or None. Anything that
    cannot be one of our secrets is answered without asking the database."""
    if not secret.startswith(PREFIX) or not 20 <= len(secret) <= 100:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def token_touch(token: AccessToken) -> None:
    """Note that the token was used now (at most every few minutes; a conditional update, so
    two requests at once write once)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    AccessToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
        last_used_at=now
    )
    token.last_used_at = now


@transaction.atomic
def token_create(
    *, actor: User, name: str, scopes: list[str], days: int
) -> tuple[AccessToken, str]:
    """Make a token for ``actor`` and return it with its secret (shown once, never again)."""
    name = " ".join((name or "").split())[:80]
    problems: dict[str, list[str]] = {}
    if not name:
        problems["name"] = [_("Give the token a name, such as the integration that will use it.")]
    known = set(TokenScope.values)
    scopes = [s for s in TokenScope.values if s in set(scopes or [])]
    if not scopes or set(scopes) - known:
        problems["scopes"] = [_("Choose at least one thing the token may do.")]
    if days not in LIFETIMES:
        problems["days"] = [_("Choose how long the token lasts.")]
    # Locks the person's row, so two forms posted at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    usable = AccessToken.objects.filter(
        user=actor, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if usable >= MAX_TOKENS:
        problems.setdefault("__all__", []).append(
            _("You already have %(count)d tokens in use. Revoke one you no longer need first.")
            % {"count": usable}
        )
    if problems:
        raise AccountsError(" ".join(p for ps in problems.values() for p in ps), problems)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=actor,
        name=name,
        prefix=secret[: len(PREFIX) + 6],
        digest=token_digest(secret),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=actor,
        obj=token,
        verb="accounts.token.created",
        comment=_("%(name)s; %(scopes)s; %(days)d days")
        % {"name": name, "scopes": ", ".join(scopes), "days": days},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User, token: AccessToken) -> AccessToken:
    """The owner (or, in the admin, a superuser: for a leaver or a leaked token) revokes a
    token: it stops working at once. Revoking twice changes nothing."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise AccountsError(_("Only the token's owner may revoke it."))
    now = timezone.now()
    changed = AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token.refresh_from_db()
    if changed:
        audit_record(actor=actor, obj=token, verb="accounts.token.revoked", comment=token.name)
    return token
