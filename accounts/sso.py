"""Single sign-on through the bureau's OpenID Connect provider (统一身份认证).

mozilla-django-oidc does the protocol: the redirect with state, nonce and PKCE, the code
exchange, the ID token's signature against the provider's published keys, the userinfo call.
This module decides who the person is in Mingshi, and never creates an account:

- an account already bound to the provider's ``(iss, sub)`` is that person;
- otherwise the one active account whose ``MINGSHI_OIDC_LINK_FIELD`` equals the provider's
  ``MINGSHI_OIDC_LINK_CLAIM`` (an imported or invited account) is bound now, once; from then
  on a renamed provider account still finds it by ``sub``;
- anyone else is refused, with the reason in words the login page shows.

Roles never come from the provider's claims: they stay Mingshi's own assignments. The second
factor is skipped only when the ID token says the provider asked for one and the setting
``MINGSHI_OIDC_SECOND_FACTOR_CLAIMS`` counts that claim.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import ExternalIdentity, User
from .services import security_event_record

log = logging.getLogger("mingshi.sso")


class Refused(Exception):
    """The provider vouched for someone Mingshi will not let in; the message says why."""


def enabled() -> bool:
    return bool(
        settings.MINGSHI_OIDC_ISSUER
        and settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_TOKEN_ENDPOINT
    )


def provider_label() -> str:
    return settings.MINGSHI_OIDC_LABEL or _("Unified identity platform")


def second_factor_asserted(id_claims: dict) -> bool:
    """Did the provider say, in the ID token, that it asked this person for a second factor,
    in one of the ways the bureau chose to trust?"""
    trusted = settings.MINGSHI_OIDC_SECOND_FACTOR_CLAIMS
    if not trusted:
        return False
    amr = id_claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    asserted = {f"amr:{value}" for value in amr if isinstance(value, str)}
    acr = id_claims.get("acr")
    if isinstance(acr, str) and acr:
        asserted.add(f"acr:{acr}")
    return bool(asserted & set(trusted))


def _link_candidates(value: str):
    field = settings.MINGSHI_OIDC_LINK_FIELD
    lookup = {f"{field}__iexact": value} if field != "phone" else {"phone": value}
    return User.objects.filter(is_active=True, **lookup)


def person_for_claims(*, issuer: str, claims: dict, request=None) -> User:
    """The Mingshi account the provider's verified claims name, binding it on first use.
    Raises Refused with a message for the login page."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise Refused(_("The identity platform did not say who you are. Please try again."))
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        if not identity.user.is_active:
            raise Refused(
                _("Your Mingshi account is switched off. Ask your school or bureau to restore it.")
            )
        ExternalIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
        return identity.user

    value = claims.get(settings.MINGSHI_OIDC_LINK_CLAIM)
    value = value.strip() if isinstance(value, str) else ""
    candidates = list(_link_candidates(value)[:2]) if value else []
    if len(candidates) != 1:
        # Two accounts with one address is a data problem for the bureau, not a guess for us.
        log.warning(
            "single sign-on refused: %s=%r matches %d accounts",
            settings.MINGSHI_OIDC_LINK_CLAIM,
            value[:80],
            len(candidates),
        )
        raise Refused(
            _(
                "Your identity platform account (%(name)s) has no Mingshi account. Mingshi "
                "accounts are opened by your school or bureau: ask them to add you, then sign "
                "in again."
            )
            % {"name": value[:60] or subject[:60]}
        )
    person = candidates[0]
    if ExternalIdentity.objects.filter(issuer=issuer, user=person).exists():
        # The account is bound to another provider account: someone else's, or the same
        # person's old one. An administrator removes the old binding if it is really theirs.
        raise Refused(
            _(
                "The Mingshi account %(name)s is already linked to another identity platform "
                "account. Ask your bureau's administrator to check the link."
            )
            % {"name": person.username}
        )
    try:
        with transaction.atomic():
            identity = ExternalIdentity.objects.create(
                user=person, issuer=issuer, subject=subject, last_login_at=timezone.now()
            )
    except IntegrityError:
        # Two first sign-ins at once: the other one bound it; it is the same person.
        identity = ExternalIdentity.objects.get(issuer=issuer, subject=subject)
        if identity.user_id != person.pk:
            raise Refused(_("Signing in did not finish. Please try again.")) from None
        return person
    security_event_record(
        user=person,
        verb="accounts.sso.linked",
        request=request,
        comment=_("identity platform account %(name)s") % {"name": value[:60]},
    )
    return person


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, with the checks its defaults leave out (the token's
    issuer and audience, the userinfo's subject) and Mingshi's matching instead of its
    e-mail lookup and account creation. Not in AUTHENTICATION_BACKENDS: only the callback
    view uses it, so a password login never touches the provider."""

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss", "").rstrip("/") != settings.MINGSHI_OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if str(claims.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("userinfo is about someone else than the ID token")
        # What the ID token asserted about how the person signed in, for the second factor.
        self.id_claims = payload
        return person_for_claims(
            issuer=settings.MINGSHI_OIDC_ISSUER, claims=claims, request=self.request
        )


def identity_unlink(*, actor: User, identity: ExternalIdentity) -> None:
    """Remove a binding (an administrator, when a provider account was bound to the wrong
    person or replaced): the next sign-in through the provider binds again by the claim."""
    with transaction.atomic():
        person = identity.user
        deleted, _rows = ExternalIdentity.objects.filter(pk=identity.pk).delete()
        if deleted:
            security_event_record(
                user=person,
                actor=actor,
                verb="accounts.sso.unlinked",
                comment=identity.issuer,
            )
