"""Notices on the channels beside the inbox and e-mail: SMS, and organisations' group robots.

When ``notify`` has stored a batch of notices, it queues one task after the commit
(``accounts.tasks.deliver_notifications``), which calls ``notifications_deliver``:

1. **Plan** (``deliveries_plan``): one ``ChannelDelivery`` row per notice and channel and
   target — an SMS to the recipient's mobile for each kind they chose SMS for; a post by each
   enabled robot of an organisation where the recipient holds a role, for the kinds the robot
   posts, once per batch (three county reviewers told of one application make one post in
   the county's group). The rows' unique constraint makes a second plan of the same batch (a
   redelivered or retried task) add nothing.
2. **Send** (``delivery_send``), one row at a time: claimed with a conditional update from
   pending to sending, so that of two workers (a retry, a redelivered message) only one sends;
   then sent, not sent, or back to pending for another try after a wait that doubles (the
   task retries itself with that countdown), at most ``MINGSHI_CHANNEL_MAX_ATTEMPTS`` sends.

A row left "sending" by a worker that died mid-send cannot say whether the peer got it: the
next run marks it not sent after the stale limit rather than risk a second copy.

The delivery rows are a lease machine without an actor, like background jobs: their states
move here only (``tests/test_workflows.py`` knows), and are not in the audit trail — a notice
is recorded once, as the event that raised it. The robots' own changes are audited.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .channels import (
    DeliveryFailed,
    Message,
    robot_channel,
    robot_host_allowed,
    sms_enabled,
    sms_provider,
)
from .models import (
    ChannelDelivery,
    ChatRobot,
    ChatRobotKind,
    DeliveryChannel,
    DeliveryStatus,
    NoticeKind,
    NoticePreference,
    Notification,
    Organisation,
    RoleAssignment,
    User,
)
from .permissions import can
from .services import AccountsError, audit_record

logger = logging.getLogger("mingshi.channels")

SENT, NOT_SENT, RETRY, SKIPPED = "sent", "not_sent", "retry", "skipped"
# No wait between two tries is longer than this.
MAX_RETRY_SECONDS = 3600
# A mainland mobile number, as people type it: 11 digits from 13…–19…, perhaps after +86.
MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# DingTalk's signing secrets are "SEC" and 64 hex digits; anything printable up to this length
# is taken, so that a longer secret of a later version still fits.
SECRET_MAX_LENGTH = 128
SECRET_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")


def mobile_number(text: str) -> str | None:
    """The 11 digits of a mainland mobile number typed with spaces, dashes or +86; else None."""
    match = MOBILE.match(re.sub(r"[\s\-()]", "", text or ""))
    return match.group(1) if match else None


# --- what a person chose ---------------------------------------------------------------------


@transaction.atomic
def notice_channels_save(
    *, actor: User, choices: dict[str, tuple[bool, bool]], mobile: str = ""
) -> None:
    """Save the actor's channels per kind of notice (``kind → (e-mail, SMS)``), and the mobile
    number SMS goes to when one is given (blank keeps the one on file)."""
    unknown = set(choices) - set(NoticeKind.values)
    if unknown:
        raise AccountsError(_("Unknown kind of notice."))
    wants_sms = any(sms for _email, sms in choices.values())
    if wants_sms and not sms_enabled():
        raise AccountsError(_("Notices by SMS are not set up on this server."))
    number = mobile_number(mobile) if mobile else None
    if mobile and number is None:
        raise AccountsError(
            _("Enter a mainland mobile number of 11 digits, such as 13800001234."),
            problems={"mobile": [_("Enter a mainland mobile number of 11 digits.")]},
        )
    if wants_sms and number is None and mobile_number(actor.phone) is None:
        raise AccountsError(
            _("Notices by SMS need your mobile number."),
            problems={"mobile": [_("Enter the mobile number SMS notices go to.")]},
        )
    for kind, (email, sms) in choices.items():
        NoticePreference.objects.update_or_create(
            user=actor, kind=kind, defaults={"email": bool(email), "sms": bool(sms)}
        )
    if number is not None and number != actor.phone:
        actor.phone = number
        actor.save(update_fields=["phone"])
        audit_record(actor=actor, obj=actor, verb="accounts.phone.changed")


# --- group robots ----------------------------------------------------------------------------


def _url_problem(kind: str, webhook_url: str) -> str | None:
    url = webhook_url.strip()
    if not url:
        return _("Paste the robot's webhook address from the group's settings.")
    if len(url) > 500 or re.search(r"\s|[\x00-\x1f\x7f]", url):
        return _("This is not a webhook address: copy it again from the group.")
    if not url.lower().startswith(("https://", "http://")):
        return _("A webhook address starts with https://.")
    if not robot_host_allowed(url):
        return _("Robots may post only to %(hosts)s: this address points elsewhere.") % {
            "hosts": "、".join(settings.MINGSHI_ROBOT_HOSTS) or "—"
        }
    if kind == ChatRobotKind.WECOM and "key=" not in url:
        return _("A WeCom robot's address ends with ?key=…: copy all of it.")
    if kind == ChatRobotKind.DINGTALK and "access_token=" not in url:
        return _("A DingTalk robot's address ends with ?access_token=…: copy all of it.")
    return None


def _secret_problem(kind: str, secret: str) -> str | None:
    if not secret:
        return None
    if kind == ChatRobotKind.WECOM:
        return _("WeCom robots have no signing secret: leave it empty.")
    if len(secret) > SECRET_MAX_LENGTH:
        return _("A signing secret has at most %(count)d characters.") % {
            "count": SECRET_MAX_LENGTH
        }
    if not SECRET_CHARACTERS.match(secret):
        return _("A signing secret has letters and digits only, without spaces.")
    return None


def robot_problems(
    *, kind: str, name: str, webhook_url: str, secret: str, notice_kinds: list[str]
) -> dict[str, list[str]]:
    """What is wrong with a robot's settings, by field (empty when nothing is)."""
    problems: dict[str, str | None] = {
        "kind": None if kind in ChatRobotKind.values else _("Choose WeCom or DingTalk."),
        "webhook_url": _url_problem(kind, webhook_url),
        "secret": _secret_problem(kind, secret),
    }
    if not name.strip():
        problems["name"] = _("Give the group a name, so that you can tell its robots apart.")
    elif len(name) > 60:
        problems["name"] = _("A group name has at most 60 characters.")
    if not notice_kinds:
        problems["notice_kinds"] = _("Choose at least one kind of notice to post.")
    elif set(notice_kinds) - set(NoticeKind.values):
        problems["notice_kinds"] = _("Unknown kind of notice.")
    return {field: [message] for field, message in problems.items() if message}


def _refuse_unless_manager(actor: User, organisation: Organisation) -> None:
    if not can(actor, "accounts.manage_chat_robots", organisation):
        raise AccountsError(
            _("Only the administrators of %(organisation)s manage its group robots.")
            % {"organisation": organisation}
        )


@transaction.atomic
def chat_robot_save(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    name: str,
    webhook_url: str,
    secret: str,
    notice_kinds: list[str],
    enabled: bool,
    robot: ChatRobot | None = None,
) -> ChatRobot:
    """Add a robot to ``organisation``, or change ``robot``. On a change, an empty address or
    secret keeps the one stored (they are never shown back in full)."""
    _refuse_unless_manager(actor, organisation)
    if robot is not None:
        if robot.organisation_id != organisation.pk:
            raise AccountsError(_("This robot belongs to another organisation."))
        webhook_url = webhook_url or robot.webhook_url
        if not secret and kind == robot.kind:
            secret = robot.secret
    problems = robot_problems(
        kind=kind,
        name=name,
        webhook_url=webhook_url,
        secret=secret,
        notice_kinds=notice_kinds,
    )
    if problems:
        first = next(iter(problems.values()))[0]
        raise AccountsError(first, problems=problems)
    adding = robot is None
    robot = robot or ChatRobot(organisation=organisation, created_by=actor)
    robot.kind = kind
    robot.name = name.strip()
    robot.webhook_url = webhook_url.strip()
    robot.secret = secret if kind == ChatRobotKind.DINGTALK else ""
    robot.notice_kinds = [k for k in NoticeKind.values if k in set(notice_kinds)]
    robot.enabled = enabled
    robot.save()
    audit_record(
        actor=actor,
        obj=robot,
        verb="accounts.chat_robot.added" if adding else "accounts.chat_robot.changed",
        comment=f"{robot.name} · {robot.get_kind_display()}",
    )
    return robot


@transaction.atomic
def chat_robot_remove(*, actor: User, robot: ChatRobot) -> None:
    _refuse_unless_manager(actor, robot.organisation)
    audit_record(
        actor=actor,
        obj=robot,
        verb="accounts.chat_robot.removed",
        comment=f"{robot.name} · {robot.get_kind_display()}",
    )
    robot.delete()


def chat_robot_test(*, actor: User, robot: ChatRobot) -> None:
    """Post a test message in the robot's group now; raises AccountsError saying in words why
    the group did not get it. Nothing is stored: the administrator reads the answer at once."""
    _refuse_unless_manager(actor, robot.organisation)
    message = Message(
        title=_("Test message from Mingshi"),
        body=_("Notices of these kinds will be posted in this group: %(kinds)s")
        % {"kinds": "、".join(robot.get_notice_kinds_display()) or "—"},
        url=_base_url() + "/",
    )
    try:
        robot_channel(robot).send(message)
    except DeliveryFailed as exc:
        raise AccountsError(str(exc)) from None


# --- planning --------------------------------------------------------------------------------


def deliveries_plan(*, notification_ids: list[int]) -> int:
    """Plan the SMS and robot posts of a batch of notices; returns how many rows are new."""
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids)
        .select_related("recipient")
        .order_by("pk")
    )
    if not notifications:
        return 0
    recipients = {n.recipient_id for n in notifications}
    rows: list[ChannelDelivery] = []
    if sms_enabled():
        wanted = set(
            NoticePreference.objects.filter(user_id__in=recipients, sms=True).values_list(
                "user_id", "kind"
            )
        )
        for n in notifications:
            number = mobile_number(n.recipient.phone)
            if (n.recipient_id, n.kind) in wanted and number and n.recipient.is_active:
                rows.append(
                    ChannelDelivery(notification=n, channel=DeliveryChannel.SMS, target=number)
                )
    robots = list(
        ChatRobot.objects.filter(
            enabled=True, organisation__role_assignments__user_id__in=recipients
        )
        .distinct()
        .order_by("pk")
    )
    if robots:
        organisations: dict[int, set[int]] = {}
        for user_id, organisation_id in RoleAssignment.objects.filter(
            user_id__in=recipients
        ).values_list("user_id", "organisation_id"):
            organisations.setdefault(user_id, set()).add(organisation_id)
        for robot in robots:
            # Once per robot and batch: the notice of its first recipient there.
            first = next(
                (
                    n
                    for n in notifications
                    if n.kind in robot.notice_kinds
                    and robot.organisation_id in organisations.get(n.recipient_id, ())
                ),
                None,
            )
            if first is not None:
                rows.append(
                    ChannelDelivery(
                        notification=first,
                        channel=robot.kind,
                        target=f"robot:{robot.pk}",
                        robot=robot,
                    )
                )
    if not rows:
        return 0
    before = ChannelDelivery.objects.filter(notification_id__in=notification_ids).count()
    ChannelDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return ChannelDelivery.objects.filter(notification_id__in=notification_ids).count() - before


# --- sending ---------------------------------------------------------------------------------


def _base_url() -> str:
    return settings.MINGSHI_BASE_URL.rstrip("/")


def _message(notification: Notification) -> Message:
    url = notification.url
    if url.startswith("/"):
        url = _base_url() + url
    elif not url.startswith(("https://", "http://")):
        url = ""
    return Message(title=notification.title, body=notification.body, url=url)


def _stale_before():
    """A claim older than this belongs to a worker that died mid-send."""
    return timezone.now() - timedelta(seconds=2 * settings.MINGSHI_CHANNEL_TIMEOUT_SECONDS + 60)


def retry_seconds(attempts: int) -> float:
    """The wait before the next send, after ``attempts`` sends: the base, doubled each time."""
    wait = settings.MINGSHI_CHANNEL_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_RETRY_SECONDS)


def _channel(delivery: ChannelDelivery):
    """The channel and the ``to`` of a claimed delivery; DeliveryFailed when it is gone."""
    if delivery.channel == DeliveryChannel.SMS:
        if not sms_enabled():
            raise DeliveryFailed(_("SMS is no longer set up on this server."), retryable=False)
        return sms_provider(), delivery.target
    robot = delivery.robot
    if robot is None or not robot.enabled:
        raise DeliveryFailed(
            _("The group robot was removed or turned off before the notice went out."),
            retryable=False,
        )
    return robot_channel(robot), ""


def _finish(delivery_id: int, **changes) -> None:
    # Only the claim's holder moves a row out of "sending".
    ChannelDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(**changes)


def delivery_send(*, delivery_id: int) -> str:
    """Send one planned delivery, once: SENT, NOT_SENT, RETRY (pending again) or SKIPPED (not
    pending: sent, not sent, or being sent by another worker)."""
    ChannelDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at__lt=_stale_before()
    ).update(
        status=DeliveryStatus.FAILED,
        last_error=_(
            "Mingshi stopped while sending this notice, so whether it arrived is unknown; it "
            "is not sent again, to avoid a second copy."
        ),
    )
    claimed = ChannelDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return SKIPPED
    delivery = ChannelDelivery.objects.select_related("notification__recipient", "robot").get(
        pk=delivery_id
    )
    recipient = delivery.notification.recipient
    try:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            channel, to = _channel(delivery)
            channel.send(_message(delivery.notification), to)
    except DeliveryFailed as exc:
        again = exc.retryable and delivery.attempts < settings.MINGSHI_CHANNEL_MAX_ATTEMPTS
        _finish(
            delivery_id,
            status=DeliveryStatus.PENDING if again else DeliveryStatus.FAILED,
            last_error=str(exc),
        )
        return RETRY if again else NOT_SENT
    except Exception:
        # A fault of ours, not the peer's: whether the peer got it is unknown, so not again.
        logger.exception("channel delivery %s failed", delivery_id)
        _finish(
            delivery_id,
            status=DeliveryStatus.FAILED,
            last_error=_("An error in Mingshi stopped this notice; it is not sent again."),
        )
        return NOT_SENT
    _finish(delivery_id, status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return SENT


@dataclass
class DeliveryRun:
    sent: int = 0
    not_sent: int = 0
    # Seconds until the next try of the deliveries that wait for one; None when none does.
    retry_in: float | None = None
    # Seconds until a delivery that another worker holds ("sending") would count as stale:
    # held by a worker that died, its message back at once, it is looked at again then.
    recheck_in: float | None = None


def notifications_deliver(*, notification_ids: list[int]) -> DeliveryRun:
    """Plan, then send every pending delivery of the batch (the task's one service)."""
    deliveries_plan(notification_ids=notification_ids)
    run = DeliveryRun()
    # "sending" too: a claim left by a worker that died is marked not sent once stale.
    pending = ChannelDelivery.objects.filter(
        notification_id__in=notification_ids,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
    ).order_by("pk")
    for delivery_id in list(pending.values_list("pk", flat=True)):
        outcome = delivery_send(delivery_id=delivery_id)
        if outcome == SENT:
            run.sent += 1
        elif outcome == NOT_SENT:
            run.not_sent += 1
        elif outcome == RETRY:
            attempts = ChannelDelivery.objects.values_list("attempts", flat=True).get(
                pk=delivery_id
            )
            wait = retry_seconds(attempts)
            run.retry_in = wait if run.retry_in is None else min(run.retry_in, wait)
        else:
            held = ChannelDelivery.objects.filter(
                pk=delivery_id, status=DeliveryStatus.SENDING
            ).values_list("claimed_at", flat=True)
            for claimed_at in held:
                wait = max((claimed_at - _stale_before()).total_seconds(), 0) + 1
                run.recheck_in = wait if run.recheck_in is None else min(run.recheck_in, wait)
    return run
