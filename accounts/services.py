"""Writes for accounts: organisations, roles, preferences, the audit trail and notifications."""

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import DomainError
from core.http import client_ip

from .models import (
    AuditEntry,
    ChatRobot,
    City,
    NoticePreference,
    Notification,
    NotificationDelivery,
    Organisation,
    OrganisationKind,
    Role,
    RoleAssignment,
    User,
    notice_kind,
)


class AccountsError(DomainError):
    """A write in accounts was refused; the message is translated and safe to show."""


# --- audit trail ---------------------------------------------------------------------------


def _audit_organisation(obj: Any) -> Organisation | None:
    if isinstance(obj, Organisation):
        return obj
    owner = getattr(obj, "audit_organisation", None)
    return owner() if callable(owner) else None


def audit_record(
    *,
    actor: User | None,
    obj: models.Model,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    organisation: Organisation | None = None,
    idempotency_key: str | None = None,
) -> AuditEntry | None:
    """Record one transition of ``obj``. The one helper every workflow calls.

    ``organisation`` defaults to ``obj.audit_organisation()`` (the organisation whose
    auditors may read the entry). With an ``idempotency_key``, a second call with the same key
    records nothing and returns None, so a job that runs twice leaves one entry.
    """
    # States are short codes; a longer one is cut rather than failing the transition it records.
    entry = AuditEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=str(from_state or "")[:40],
        to_state=str(to_state or "")[:40],
        comment=comment,
        organisation=organisation or _audit_organisation(obj),
        idempotency_key=idempotency_key,
    )
    if idempotency_key is None:
        entry.save()
        return entry
    if AuditEntry.objects.filter(idempotency_key=idempotency_key).exists():
        return None
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return None  # a concurrent run recorded the same key first
    return entry


# --- notifications -------------------------------------------------------------------------

Text = str | Callable[[], str]


def _render(text: Text) -> str:
    return str(text() if callable(text) else text)


def notify(
    recipients: Iterable[User],
    *,
    verb: str,
    title: Text,
    body: Text = "",
    url: str = "",
    obj: models.Model | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """The one entry point for telling users about an event.

    Stores one inbox entry per recipient, written in the recipient's language (pass lazy
    strings, or a callable that formats one), then — once the surrounding transaction commits —
    mails those who chose immediate mail (unless they turned e-mail off for this kind of
    notice); the rest wait for the daily digest. The batch's SMS and group-robot deliveries go
    out from one task after the commit (``accounts.deliveries``). With a ``dedupe_key`` a
    recipient gets the event once, however often it is raised.
    """
    kind = notice_kind(verb)
    content_type = object_id = None
    if obj is not None:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        object_id = str(obj.pk)
    created: list[Notification] = []
    for recipient in {u.pk: u for u in recipients}.values():
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            fields = {
                "verb": verb,
                "kind": kind,
                "title": _render(title)[:200],
                "body": _render(body),
                "url": url,
                "content_type": content_type,
                "object_id": object_id or "",
            }
        if dedupe_key is None:
            created.append(Notification.objects.create(recipient=recipient, **fields))
            continue
        try:
            with transaction.atomic():
                notification, was_new = Notification.objects.get_or_create(
                    recipient=recipient, dedupe_key=dedupe_key, defaults=fields
                )
        except IntegrityError:
            continue  # raised concurrently by another worker: that one stands
        if was_new:
            created.append(notification)
    if not created:
        return created
    # Whether the recipient turned e-mail off for this kind is the mail task's question: asked
    # there, it costs the request nothing.
    immediate = [
        n.pk
        for n in created
        if n.recipient.notification_delivery == NotificationDelivery.IMMEDIATE and n.recipient.email
    ]
    if immediate:
        transaction.on_commit(lambda: _queue_emails(immediate))
    batch = [n.pk for n in created]
    # Robust: a broker that cannot take the task must not undo the committed request; the
    # notices stay in the inbox and mail.
    transaction.on_commit(lambda: _queue_channel_deliveries(batch), robust=True)
    return created


def _queue_channel_deliveries(notification_ids: list[int]) -> None:
    from .channels import sms_enabled  # noqa: PLC0415
    from .tasks import deliver_notifications  # noqa: PLC0415

    # Most installations have neither SMS nor robots: then there is nothing to queue.
    if sms_enabled() or ChatRobot.objects.filter(enabled=True).exists():
        deliver_notifications.delay(notification_ids)


def _queue_emails(notification_ids: list[int]) -> None:
    # The task module calls back into this one (the task is thin: it calls a service).
    from .tasks import send_notification_email  # noqa: PLC0415

    for pk in notification_ids:
        send_notification_email.delay(pk)


def _claim_for_email(queryset) -> int:
    """Mark notifications as mailed unless another worker already did; returns how many."""
    return queryset.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())


def notification_send_email(*, notification_id: int) -> bool:
    """Mail one notification, once: the claim is a conditional update, so retries send nothing."""
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or not notification.recipient.email:
        return False
    email_off = NoticePreference.objects.filter(
        user_id=notification.recipient_id, kind=notification.kind, email=False
    )
    if email_off.exists():
        return False  # the recipient turned e-mail off for this kind of notice
    if not _claim_for_email(Notification.objects.filter(pk=notification_id)):
        return False
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {"user": recipient, "notifications": [notification], "base_url": _base_url()}
        subject = _("[Mingshi] %(title)s") % {"title": notification.title}
        message = render_to_string("accounts/email/notifications.txt", context)
    send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    return True


def send_daily_digests(*, day: date) -> int:
    """Mail each digest user, once, everything not yet mailed up to the end of ``day``.

    Returns the number of digests sent. Each user's notifications are claimed with one
    conditional update inside a row lock, so two workers (or a retried job) never mail twice.
    """
    tz = timezone.get_current_timezone()
    until = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    email_off = NoticePreference.objects.filter(
        user=OuterRef("recipient"), kind=OuterRef("kind"), email=False
    )
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lt=until,
            recipient__notification_delivery=NotificationDelivery.DIGEST,
        )
        .exclude(recipient__email="")
        .exclude(Exists(email_off))
    )
    sent = 0
    for user in User.objects.filter(pk__in=pending.values("recipient_id")).order_by("pk"):
        with transaction.atomic():
            mine = list(
                pending.filter(recipient=user).select_for_update(skip_locked=True).order_by("pk")
            )
            if not mine:
                continue
            claimed = _claim_for_email(Notification.objects.filter(pk__in=[n.pk for n in mine]))
            if not claimed:
                continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {"user": user, "notifications": mine, "base_url": _base_url(), "day": day}
            subject = _("[Mingshi] Your daily digest: %(count)d notifications") % {
                "count": len(mine)
            }
            message = render_to_string("accounts/email/notifications.txt", context)
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [user.email])
        audit_record(
            actor=None,
            obj=user,
            verb="accounts.digest.sent",
            comment=str(len(mine)),
            idempotency_key=f"digest:{user.pk}:{day.isoformat()}",
        )
        sent += 1
    return sent


def notification_mark_read(*, actor: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


def _base_url() -> str:
    return settings.MINGSHI_BASE_URL.rstrip("/")


# --- organisations, users and roles --------------------------------------------------------


def city_ensure(*, code: str, name: str) -> City:
    city, _created = City.objects.update_or_create(code=code, defaults={"name": name})
    return city


@transaction.atomic
def organisation_ensure(
    *,
    city: City,
    kind: OrganisationKind,
    code: str,
    name: str,
    parent: Organisation | None = None,
    school_stages: list[str] | None = None,
) -> Organisation:
    """Create or update one organisation by (city, code), validating its place in the tree."""
    organisation = Organisation.objects.filter(city=city, code=code).first() or Organisation(
        city=city, code=code
    )
    organisation.kind = kind
    organisation.name = name
    organisation.parent = parent
    organisation.school_stages = list(school_stages or [])
    try:
        organisation.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise AccountsError("; ".join(exc.messages)) from exc
    organisation.save()
    return organisation


def user_ensure(
    *,
    username: str,
    full_name: str,
    email: str = "",
    phone: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Create the user if missing; an existing user is left as they are (their password is
    never reset by this). A new user without a password has none usable until they set one
    through a reset. Accounts made for someone else (an import, an invitation) pass
    ``must_change_password``: whoever logs in first with a password not of their own choosing
    changes it before anything else. ``password_hash`` (from ``make_password``) lets many
    accounts share one password hashed once: the demo's hundreds of users would otherwise pay
    the hasher's deliberate cost again for each."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "must_change_password": must_change_password,
        },
    )
    if created:
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def role_assign(
    *, actor: User | None, user: User, role: Role, organisation: Organisation
) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, organisation=organisation)
    try:
        assignment.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise AccountsError("; ".join(exc.messages)) from exc
    existing = RoleAssignment.objects.filter(
        user=user, role=role, organisation=organisation
    ).first()
    if existing is not None:
        return existing
    assignment.save()
    audit_record(
        actor=actor,
        obj=assignment,
        verb="accounts.role.assigned",
        to_state=role,
        organisation=organisation,
        comment=str(user),
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: User | None, assignment: RoleAssignment, comment: str = "") -> None:
    audit_record(
        actor=actor,
        obj=assignment,
        verb="accounts.role.revoked",
        from_state=assignment.role,
        organisation=assignment.organisation,
        comment=comment or str(assignment.user),
    )
    assignment.delete()


def user_update_preferences(*, actor: User, notification_delivery: str, language: str) -> User:
    if notification_delivery not in NotificationDelivery.values:
        raise AccountsError(_("Unknown email choice."))
    if language not in dict(settings.LANGUAGES):
        raise AccountsError(_("Unknown language."))
    actor.notification_delivery = notification_delivery
    actor.language = language
    actor.save(update_fields=["notification_delivery", "language"])
    return actor


# --- security: logins, lockouts, second factor, passwords ----------------------------------


def _client(request) -> str:
    if request is None:
        return ""

    return client_ip(request) or ""


def security_event_record(
    *,
    verb: str,
    request=None,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    comment: str = "",
) -> AuditEntry | None:
    """Record a login, logout, failure, lockout or second-factor event in the audit trail.

    The object is the account concerned (found by ``username`` when only that is known), so
    that the auditors of the person's own organisation read it. A name that matches no account
    is recorded against django-axes' counter for that name and address, where there is one.
    """
    address = _client(request)
    if user is None and username:
        user = User.objects.filter(username=username).first()
    parts = [part for part in (comment, address and f"IP {address}") if part]
    if user is not None:
        return audit_record(
            actor=actor if actor is not None else user,
            obj=user,
            verb=verb,
            comment=" · ".join(parts),
        )

    attempt = (
        AccessAttempt.objects.filter(username=username[:255], ip_address=address or None)
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None:
        return None
    return audit_record(
        actor=actor,
        obj=attempt,
        verb=verb,
        comment=" · ".join([_("unknown account “%(name)s”") % {"name": username[:60]}, *parts]),
    )


@transaction.atomic
def user_login_unlock(*, actor: User, user: User | None = None, ip_address: str = "") -> int:
    """Lift a login lockout before its cooling period ends: the account's counters (from any
    address) or an address's (for any account). Returns how many counters were cleared."""

    if user is None and not ip_address:
        raise AccountsError(_("Choose an account or an address to unlock."))
    count = 0
    if user is not None:
        count += reset(username=user.get_username())
        audit_record(actor=actor, obj=user, verb="accounts.login.unlocked", comment=str(count))
    if ip_address:
        attempt = AccessAttempt.objects.filter(ip_address=ip_address).first()
        cleared = reset(ip=ip_address)
        count += cleared
        if attempt is not None:
            audit_record(
                actor=actor,
                obj=attempt,
                verb="accounts.login.unlocked",
                comment=f"IP {ip_address} · {cleared}",
            )
    return count


def user_password_changed(*, actor: User) -> User:
    """The user chose a new password (Django's form has set it): lift the obligation."""
    if actor.must_change_password:
        actor.must_change_password = False
        actor.save(update_fields=["must_change_password"])
    audit_record(actor=actor, obj=actor, verb="accounts.password.changed")
    return actor


def _recovery_codes(device, count: int) -> list[str]:
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(count)]
    device.token_set.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def otp_enrolment_start(*, actor: User):
    """An unconfirmed TOTP device for the actor (the one already started, if any)."""

    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)
    return device


@transaction.atomic
def otp_enrolment_confirm(*, actor: User, device, token: str) -> list[str]:
    """Confirm the actor's new authenticator with a code from it; returns the recovery codes
    (shown once). Any earlier authenticator and recovery codes are replaced."""

    if device.user_id != actor.pk or device.confirmed:
        raise AccountsError(_("Start the set-up again."))
    if not device.verify_token((token or "").strip().replace(" ", "")):
        raise AccountsError(
            _("That code is not right. Check the time on your phone and try the newest code.")
        )
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static, _created = StaticDevice.objects.get_or_create(
        user=actor, defaults={"name": _("Recovery codes"), "confirmed": True}
    )
    codes = _recovery_codes(static, settings.MINGSHI_RECOVERY_CODES)
    audit_record(actor=actor, obj=actor, verb="accounts.otp.enrolled")
    return codes


@transaction.atomic
def otp_recovery_codes_regenerate(*, actor: User) -> list[str]:
    """New recovery codes for the actor; the old ones stop working."""

    static = StaticDevice.objects.filter(user=actor, confirmed=True).first()
    if static is None:
        raise AccountsError(_("Set up an authenticator app first."))
    codes = _recovery_codes(static, settings.MINGSHI_RECOVERY_CODES)
    audit_record(actor=actor, obj=actor, verb="accounts.otp.recovery_codes_regenerated")
    return codes


@transaction.atomic
def user_otp_reset(*, actor: User, user: User) -> int:
    """An administrator removes a user's second factor (a lost phone): the user sets up a new
    one at their next login. Returns how many devices were removed."""

    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    audit_record(actor=actor, obj=user, verb="accounts.otp.reset", comment=str(len(devices)))
    return len(devices)


def reminder_send(
    recipients: Iterable[User],
    *,
    obj: models.Model,
    key: str,
    verb: str,
    title: Text,
    body: Text = "",
    url: str = "",
) -> bool:
    """A scheduled reminder: notified once per recipient and key, and recorded once in the
    audit trail (what a job did is always on record). Returns whether anything new went out."""
    sent = notify(recipients, verb=verb, title=title, body=body, url=url, obj=obj, dedupe_key=key)
    if sent:
        audit_record(
            actor=None,
            obj=obj,
            verb=f"{verb}.reminded",
            comment=", ".join(str(n.recipient) for n in sent),
            idempotency_key=f"reminder:{key}",
        )
    return bool(sent)
