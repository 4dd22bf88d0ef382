"""People, the organisation tree, role assignments, the audit trail and notifications.

Longer than the rule's 600 lines on purpose: these are the floor every app stands on and
imports from ``accounts.models`` (and from its migrations' history); splitting it into a
package would move every one of those imports for no gain in finding things. The notice
channels' models sit at the end, in their own section.
"""

import uuid
from pathlib import PurePath
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def upload_path(instance, filename: str) -> str:
    """Uploads live under a random name: the original name is kept in the row, not on disk."""

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{instance._meta.model_name}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class City(models.Model):
    """A prefecture-level city whose education bureau runs a studio programme."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SchoolStage(models.TextChoices):
    """学段. Codes are stable; only the labels are translated."""

    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational")


def school_stage_labels(codes: list[str]) -> list[str]:
    labels = dict(SchoolStage.choices)
    return [str(labels.get(code, code)) for code in codes]


class OrganisationKind(models.TextChoices):
    MUNICIPAL_BUREAU = "municipal_bureau", _("Municipal education bureau")
    CE_CENTRE = "ce_centre", _("Continuing-education centre")
    COUNTY_BUREAU = "county_bureau", _("County/district education bureau")
    SCHOOL = "school", _("School")


# Which kinds of parent each kind of organisation may hang under.
ALLOWED_PARENTS = {
    OrganisationKind.MUNICIPAL_BUREAU: set(),
    OrganisationKind.CE_CENTRE: {OrganisationKind.MUNICIPAL_BUREAU},
    OrganisationKind.COUNTY_BUREAU: {OrganisationKind.MUNICIPAL_BUREAU},
    OrganisationKind.SCHOOL: {OrganisationKind.COUNTY_BUREAU, OrganisationKind.MUNICIPAL_BUREAU},
}


class Organisation(models.Model):
    """A node of a city's tree: bureau → centre / county bureaus → schools.

    A school hangs under its county bureau, or directly under the municipal bureau when it is
    bureau-affiliated (局属). ``county`` is kept alongside ``parent`` so that scope queries
    ("everything in 柳城县") are one indexed filter rather than a walk up the tree.
    """

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="organisations")
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    county = models.ForeignKey(
        "self",
        verbose_name=_("county/district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    school_stages = models.JSONField(_("school stages"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["city", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="organisation_code_unique"),
            models.UniqueConstraint(
                fields=["city", "name", "kind"], name="organisation_name_unique"
            ),
        ]
        indexes = [models.Index(fields=["city", "kind"]), models.Index(fields=["county", "kind"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.county = self._derive_county()
        super().save(*args, **kwargs)

    @property
    def is_bureau_affiliated(self) -> bool:
        """局属: a school directly under the municipal bureau, outside every county."""
        return self.kind == OrganisationKind.SCHOOL and self.county_id is None

    def get_school_stages_display(self) -> list[str]:
        return school_stage_labels(self.school_stages)

    def clean(self) -> None:
        # clean() runs even when a field failed its own check: an unknown kind or a missing
        # city is that field's error, not a reason to fail here.
        if self.kind not in OrganisationKind.values or self.city_id is None:
            return
        allowed = ALLOWED_PARENTS[OrganisationKind(self.kind)]
        parent = self.parent
        if not allowed and parent is not None:
            raise ValidationError({"parent": _("A municipal bureau has no parent organisation.")})
        if allowed and (parent is None or parent.kind not in allowed):
            raise ValidationError({"parent": _("This kind of organisation cannot sit there.")})
        if parent is not None and parent.city_id != self.city_id:
            raise ValidationError({"parent": _("The parent belongs to another city.")})
        stages = self.school_stages
        if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
            raise ValidationError({"school_stages": _("Unknown school stage.")})
        unknown = set(stages) - set(SchoolStage.values)
        if unknown:
            raise ValidationError({"school_stages": _("Unknown school stage.")})
        if self.kind != OrganisationKind.SCHOOL and self.school_stages:
            raise ValidationError({"school_stages": _("Only schools have school stages.")})

    def _derive_county(self):
        if self.kind == OrganisationKind.COUNTY_BUREAU:
            return None
        parent = self.parent
        if parent is not None and parent.kind == OrganisationKind.COUNTY_BUREAU:
            return parent  # a school under a county; anything else is outside every county
        return None


class NotificationDelivery(models.TextChoices):
    IMMEDIATE = "immediate", _("An email for each notification")
    DIGEST = "digest", _("One daily digest email")
    NONE = "none", _("In-app only, no email")


class User(AbstractUser):
    """Everyone who logs in. Roles are not on the user: they are RoleAssignments."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    notification_delivery = models.CharField(
        _("notification email"),
        max_length=10,
        choices=NotificationDelivery.choices,
        default=NotificationDelivery.IMMEDIATE,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    # Set when someone else chose the password (an import, an invitation, an administrator):
    # the user must choose their own before doing anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def audit_organisation(self):
        """The organisation whose auditors read this person's security events: the one of
        their first role (a school, a county bureau, the bureau), or None for a user with no
        role (then only superusers see the entry)."""
        assignment = (
            RoleAssignment.objects.filter(user=self)
            .select_related("organisation")
            .order_by("pk")
            .first()
        )
        return assignment.organisation if assignment is not None else None


class Role(models.TextChoices):
    """Stable role codes. Permission checks compare codes, never the translated labels."""

    TEACHER = "teacher", _("Teacher")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    FINANCE_OFFICER = "finance_officer", _("School finance officer")
    COUNTY_REVIEWER = "county_reviewer", _("County reviewer")
    MUNICIPAL_ADMIN = "municipal_admin", _("Municipal administrator")
    CE_OFFICER = "ce_officer", _("Continuing-education centre officer")
    EXPERT = "expert", _("Expert")
    AUDITOR = "auditor", _("Auditor")


# The kinds of organisation each role is assigned at.
ROLE_ORGANISATION_KINDS = {
    Role.TEACHER: {OrganisationKind.SCHOOL},
    Role.SCHOOL_ADMIN: {OrganisationKind.SCHOOL},
    Role.FINANCE_OFFICER: {OrganisationKind.SCHOOL},
    Role.COUNTY_REVIEWER: {OrganisationKind.COUNTY_BUREAU},
    Role.MUNICIPAL_ADMIN: {OrganisationKind.MUNICIPAL_BUREAU},
    Role.CE_OFFICER: {OrganisationKind.CE_CENTRE},
    Role.EXPERT: {OrganisationKind.MUNICIPAL_BUREAU},
    Role.AUDITOR: {OrganisationKind.MUNICIPAL_BUREAU, OrganisationKind.COUNTY_BUREAU},
}


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation"], name="role_assignment_unique"
            )
        ]
        indexes = [models.Index(fields=["role", "organisation"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def clean(self) -> None:
        if self.organisation_id is None or self.role not in Role.values:
            return  # the field's own error says what is missing
        if self.organisation.kind not in ROLE_ORGANISATION_KINDS[Role(self.role)]:
            raise ValidationError(
                {"organisation": _("This role cannot be assigned at this kind of organisation.")}
            )


class AuditEntry(models.Model):
    """One recorded state transition: who moved what from which state to which, and why.

    Written only by ``accounts.services.audit_record``. ``organisation`` is the organisation the
    object belongs to (the municipal bureau for city-wide objects), so that an auditor of a
    county sees exactly the entries of their county.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verb = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=200)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Jobs pass a key (job name + object + date) so that a second run records nothing new.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_repr}: {self.from_state} → {self.to_state}"


class NoticeKind(models.TextChoices):
    """The few kinds of notice a person chooses channels for (accounts/deliveries.py). Codes
    are stable; each notification's kind is derived from its verb by ``notice_kind``."""

    TASKS = "tasks", _("Work waiting for me")
    RESULTS = "results", _("Results and decisions")
    REMINDERS = "reminders", _("Deadlines and reminders")
    ANNOUNCEMENTS = "announcements", _("Calls and announcements")
    STUDIO = "studio", _("Studio activity")


# How a verb ("app.noun.verb") becomes a kind: the first rule with a fragment the verb ends
# with wins, so reminders (".deadline_soon") are caught before tasks (".waiting"). The apps'
# verbs are matched by their ending only: accounts may not know the apps above it, and a new
# verb of a known shape ("….approved") finds its kind without an edit here.
NOTICE_KIND_RULES: list[tuple[str, tuple[str, ...]]] = [
    (
        NoticeKind.REMINDERS,
        (
            ".deadline_soon",
            ".waiting_long",
            ".reminded",
            ".quota.missed",
            ".attendance.confirm",
            ".absence_flagged",
            ".call.closed",
            ".call.closed_early",
            ".notice_ended",
        ),
    ),
    (
        NoticeKind.TASKS,
        (
            ".waiting",
            ".expert.assigned",
            ".expert_assigned",
            ".expert.conflict",
            ".objection.filed",
            ".submitted",
            ".seat_request.filed",
            ".expenditure.recorded",
            ".attendance.to_confirm",
            ".assessment.score",
            ".term_evaluation.opened",
            ".report.opened",
            ".rectification.opened",
            ".scoring_complete",
        ),
    ),
    (
        NoticeKind.ANNOUNCEMENTS,
        (".call.opened", ".call.published", ".notice_started", ".recruitment.opened"),
    ),
    (
        NoticeKind.RESULTS,
        (
            ".approved",
            ".returned",
            ".rejected",
            ".selected",
            ".not_selected",
            ".decided",
            ".accepted",
            ".upheld",
            ".dismissed",
            ".confirmed",
            ".revoked",
            ".removed_after_objection",
            ".assigned",
            ".not_assigned",
            ".scored",
            ".extension_granted",
            ".allocation.made",
            ".reviewed",
            ".revocation_proposed",
            ".members_assigned",
            ".job.failed",
        ),
    ),
]


def notice_kind(verb: str) -> str:
    """The kind of notice a verb raises; studio activity when no rule names it."""
    for kind, endings in NOTICE_KIND_RULES:
        if verb.endswith(endings):
            return kind
    return NoticeKind.STUDIO


class Notification(models.Model):
    """One event in one user's inbox; mailed at once or in the daily digest as the user chose,
    and sent on the other channels (SMS, group robots) by ``accounts.deliveries``."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    verb = models.CharField(_("event"), max_length=100)
    kind = models.CharField(
        _("kind of notice"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.STUDIO
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=40, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # Set where one event must reach a user once only (a reminder for one deadline).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_dedupe_unique"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Long work done in the background for one user (a packet of PDFs, a large export).

    The page polls ``progress``/``total``; when done, ``result`` is the file to download.
    A running job holds a lease (``lease_expires_at``) that its worker renews while it works
    (``heartbeat_at``); a lease that lapsed means the worker died, and the job is started again
    from the beginning (``attempts`` counts the starts). See ``accounts/jobs.py``.
    """

    owner = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.FileField(_("result"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the job was (last) put on the queue: one that no worker picks up is sent again.
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        # The sweep looks for running jobs whose lease lapsed and queued ones left waiting.
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="job_status_lease")]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0

    @property
    def max_attempts(self) -> int:
        return settings.MINGSHI_JOB_MAX_ATTEMPTS

    @property
    def try_number(self) -> int:
        """Which start this is (running), or will be (waiting)."""
        return self.attempts if self.status == JobStatus.RUNNING else self.attempts + 1

    @property
    def stalled(self) -> bool:
        """Running, but its worker stopped renewing the lease: it will be started again."""
        return (
            self.status == JobStatus.RUNNING
            and self.lease_expires_at is not None
            and self.lease_expires_at < timezone.now()
        )


class InvitationStatus(models.TextChoices):
    OPEN = "open", _("Waiting to be used")
    ACCEPTED = "accepted", _("Used: password set")
    WITHDRAWN = "withdrawn", _("Replaced or no longer valid")


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Email link")
    CODE = "code", _("Printed activation code")


class Invitation(models.Model):
    """One way for a person who has no password yet to choose one: a link mailed to them, or
    a code printed on a sheet that their school hands out. See ``accounts/onboarding.py``.

    Only a keyed hash of the link's token or of the code is stored. An e-mailed invitation
    gets its token when the mail is written (``secret_hash`` stays empty until then), so the
    secret never travels through the task queue. States move in ``accounts/workflow.py``.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("person")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=InvitationChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.OPEN,
    )
    secret_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The organisation through which the inviter reached the person: its auditors read the
    # entries about this invitation.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("used at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()}"

    def audit_organisation(self):
        return self.organisation

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class ExternalIdentity(models.Model):
    """A person's account on the bureau's identity provider (统一身份认证), bound to their
    Mingshi account the first time they sign in through it (``accounts/sso.py``).

    The provider's ``sub`` is the only stable name it gives a person: usernames and e-mail
    addresses change there. The binding is made once, by the matching claim, and from then on
    only ``(issuer, subject)`` identifies the person. Roles never come from the provider.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("person"),
    )
    issuer = models.CharField(_("identity provider"), max_length=200)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("bound at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last signed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="external_identity_unique_subject"
            ),
            models.UniqueConstraint(
                fields=["issuer", "user"], name="external_identity_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.issuer}"

    def audit_organisation(self):
        return self.user.audit_organisation()


# --- notice channels beside the inbox and e-mail (accounts/deliveries.py) --------------------


class NoticePreference(models.Model):
    """One person's channels for one kind of notice. The inbox always has every notice; e-mail
    follows ``User.notification_delivery`` (each, digest, none) for the kinds left on here; SMS
    goes to ``User.phone``. No row means e-mail on and SMS off, as before channels existed."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notice_preferences", verbose_name=_("person")
    )
    kind = models.CharField(_("kind of notice"), max_length=20, choices=NoticeKind.choices)
    email = models.BooleanField(_("email"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("notice channel choice")
        verbose_name_plural = _("notice channel choices")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class ChatRobotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class ChatRobot(models.Model):
    """A group chat's robot (企业微信 or 钉钉 群机器人) that an organisation's administrator
    added: the notices of the chosen kinds addressed to the organisation's people are posted
    in the group, once per notice. The webhook address holds the robot's key, and a DingTalk
    robot with 加签 its signing secret: both are shown masked, never in full."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="chat_robots",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChatRobotKind.choices)
    name = models.CharField(_("group name"), max_length=60)
    webhook_url = models.CharField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128, blank=True)
    notice_kinds = models.JSONField(_("kinds of notice posted"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group chat robot")
        verbose_name_plural = _("group chat robots")
        ordering = ["organisation", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_kind_display()}"

    def audit_organisation(self):
        return self.organisation

    @property
    def masked_url(self) -> str:
        """The host and the last characters of the key, enough to tell two robots apart."""
        host = urlsplit(self.webhook_url).hostname or ""
        return f"{host} …{self.webhook_url[-4:]}"

    def get_notice_kinds_display(self) -> list[str]:
        labels = dict(NoticeKind.choices)
        return [str(labels[kind]) for kind in self.notice_kinds if kind in labels]


class DeliveryChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group")
    DINGTALK = "dingtalk", _("DingTalk group")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")


class ChannelDelivery(models.Model):
    """One notice on one channel to one target (a phone number, a group robot): planned once
    (the unique constraint), claimed by one worker at a time with a conditional update from
    pending to sending, so a retried or redelivered task never sends it twice. A lease machine
    without an actor, like ``Job``: moved in ``accounts/deliveries.py`` only."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=DeliveryChannel.choices)
    # The phone number, or "robot:<id>": what the notice was planned to reach.
    target = models.CharField(_("to"), max_length=200)
    robot = models.ForeignKey(
        ChatRobot,
        verbose_name=_("group chat robot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel", "target"], name="channel_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="channel_delivery_status")]

    def __str__(self) -> str:
        return f"{self.notification} · {self.get_channel_display()}"


# --- personal access tokens for the API ---------------------------------------------------


class TokenScope(models.TextChoices):
    """What a personal access token may do. Each is a part of what its owner may do anyway:
    a scope never widens the owner's own permissions, it only narrows the token's."""

    CALLS_READ = "calls:read", _("Read calls and their announced results")
    APPLICATIONS_READ = "applications:read", _("Read applications (status and public fields)")
    STUDIOS_READ = "studios:read", _("Read studios, their activities and quota compliance")
    FUNDING_READ = "funding:read", _("Read funding allocations")
    ASSESSMENTS_READ = "assessments:read", _("Read annual assessment results")
    ACTIVITIES_WRITE = "activities:write", _("Log activities with attendance and evidence")


class AccessToken(models.Model):
    """个人访问令牌: a secret a person gives an integration (a 公众号, a mini-program, a
    script) to use the API as them, within the scopes they chose, until it expires or they
    revoke it. Only the secret's digest is kept; the secret is shown once, when it is made."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    # The secret's first characters, shown in the list so the owner can tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def audit_organisation(self):
        return self.user.audit_organisation()

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and not self.expired

    def scope_labels(self) -> list[str]:
        labels = dict(TokenScope.choices)
        return [str(labels[s]) for s in self.scopes if s in labels]
