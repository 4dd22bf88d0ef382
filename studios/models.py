"""The studios themselves, their teams and the three years they run."""

import secrets

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Organisation,
    SchoolStage,
    upload_path,
)
from policies.models import ActivityKind, Policy, TeamRole


class StudioStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    ENDED = "ended", _("Term ended")


# Letters and digits that cannot be read one for another on a printed plaque (no 0/o, 1/l/i).
VERIFICATION_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
VERIFICATION_LENGTH = 12


def new_verification_code() -> str:
    """The code in a plaque's QR link (~59 bits). Plaque numbers run in order (〔2024〕01号,
    02号…): a link by number would let anyone walk through every studio; a code cannot."""
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_LENGTH))


class Studio(models.Model):
    """A published studio: named after its host, based at the host's school, for one term."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT)
    call = models.ForeignKey(
        "applications.Call",
        verbose_name=_("call"),
        on_delete=models.PROTECT,
        related_name="studios",
    )
    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="studio",
    )
    name = models.CharField(_("name"), max_length=120)
    host = models.ForeignKey(
        "accounts.User", verbose_name=_("host"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        Organisation, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        Organisation,
        verbose_name=_("county/district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    paired_county = models.ForeignKey(
        Organisation,
        verbose_name=_("paired county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    school_stage = models.CharField(_("school stage"), max_length=20, choices=SchoolStage.choices)
    research_direction = models.CharField(_("research direction"), max_length=200, blank=True)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    status = models.CharField(
        _("status"), max_length=10, choices=StudioStatus.choices, default=StudioStatus.ACTIVE
    )
    plaque_number = models.CharField(_("plaque number"), max_length=60, unique=True)
    verification_code = models.CharField(
        _("verification code"),
        max_length=VERIFICATION_LENGTH,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    published_on = models.DateField(_("published on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["call", "plaque_number"]
        permissions = [("manage_studio", _("Run the studio as its host"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("studios:studio_home", args=[self.pk])

    def audit_organisation(self) -> Organisation:
        return self.school


class MembershipSource(models.TextChoices):
    APPLICATION = "application", _("Named in the application")
    HOST = "host", _("Recruited by the host")
    BUREAU = "bureau", _("Assigned by the bureau")


class Membership(models.Model):
    """A person's place in a studio's team, with dates: history is kept, never overwritten."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=10, blank=True)
    birth_month = models.DateField(_("birth month"), null=True, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    head_teacher_years = models.PositiveSmallIntegerField(
        _("years as head teacher"), null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=MembershipSource.choices)
    start_date = models.DateField(_("member from"))
    end_date = models.DateField(_("member until"), null=True, blank=True)
    end_reason = models.CharField(_("why the membership ended"), max_length=300, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["studio", "role", "start_date", "id"]

    def __str__(self) -> str:
        return f"{self.studio} · {self.get_role_display()} · {self.name}"

    def audit_organisation(self) -> Organisation:
        return self.studio.school


class Activity(models.Model):
    """活动: one thing the studio did, with its attendance, evidence and outputs."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=40, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    online = models.BooleanField(_("online"), default=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    served_county = models.ForeignKey(
        Organisation,
        verbose_name=_("county served"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For pairing-assistance activities: the county the activity served."),
    )
    summary = models.TextField(_("summary"), blank=True)
    outputs = models.TextField(_("outputs"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["studio", "held_on"]), models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"

    def audit_organisation(self) -> Organisation:
        return self.studio.school


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN = "sign_in", _("Sign-in sheet")
    SLIDES = "slides", _("Slides")
    OTHER = "other", _("Other")


class ActivityEvidence(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LEAVE = "leave", _("Absent with leave")
    ABSENT = "absent", _("Absent without leave")


class Attendance(models.Model):
    """考勤: one member at one activity; the member confirms what the host recorded."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the member at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "membership"], name="attendance_once_per_member"
            )
        ]
        indexes = [models.Index(fields=["membership", "status"])]

    def __str__(self) -> str:
        return f"{self.membership.name}: {self.get_status_display()}"


class PlanKind(models.TextChoices):
    THREE_YEAR = "three_year", _("Three-year plan")
    YEARLY = "yearly", _("Yearly plan")
    TRAINING = "training", _("Training plan")


class StudioPlan(models.Model):
    """One version of a plan. Editing adds a version; earlier ones stay readable."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    school_year = models.PositiveSmallIntegerField(
        _("school year (first calendar year)"), null=True, blank=True
    )
    version = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("plan"))
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["studio", "kind", "-school_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["studio", "kind", "school_year", "version"], name="plan_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class GrowthPlan(models.Model):
    """A member's personal growth plan (个人成长规划). It follows the person, not the studio."""

    person = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="growth_plans"
    )
    studio = models.ForeignKey(
        Studio, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("growth plan"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("growth plan")
        verbose_name_plural = _("growth plans")
        ordering = ["person", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="growth_plan_version")
        ]

    def __str__(self) -> str:
        return f"{self.person} v{self.version}"


class SemesterSummary(models.Model):
    """A member's semester summary and their report-back at their own school (返校汇报)."""

    person = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="semester_summaries"
    )
    studio = models.ForeignKey(
        Studio, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    semester = models.PositiveSmallIntegerField(
        _("semester"), choices=[(1, _("First semester")), (2, _("Second semester"))]
    )
    summary = models.TextField(_("summary"))
    report_date = models.DateField(_("report-back date"), null=True, blank=True)
    report_place = models.CharField(_("report-back place"), max_length=200, blank=True)
    host_comment = models.TextField(_("host's review"), blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("semester summary")
        verbose_name_plural = _("semester summaries")
        ordering = ["person", "-school_year", "-semester"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school_year", "semester"], name="one_summary_per_semester"
            )
        ]
        indexes = [models.Index(fields=["studio", "report_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.school_year}-{self.semester}"


class OutputKind(models.TextChoices):
    PAPER = "paper", _("Paper")
    BOOK = "book", _("Book")
    COURSE = "course", _("Course")
    CASE = "case", _("Case")
    RESOURCE_PACK = "resource_pack", _("Resource pack")
    RESEARCH_TOPIC = "research_topic", _("Research topic")


class OutputLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County")
    SCHOOL = "school", _("School")


class TopicStatus(models.TextChoices):
    PLANNED = "planned", _("Applied for")
    ONGOING = "ongoing", _("In progress")
    CONCLUDED = "concluded", _("Concluded")


class Output(models.Model):
    """成果/资源: what the studio produced; shared ones are visible to the city's teachers."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="outputs")
    person = models.ForeignKey(
        "accounts.User",
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outputs",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutputKind.choices)
    title = models.CharField(_("title"), max_length=200)
    authors = models.CharField(_("authors"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=OutputLevel.choices, blank=True)
    topic_status = models.CharField(
        _("research topic status"), max_length=20, choices=TopicStatus.choices, blank=True
    )
    produced_on = models.DateField(_("date"))
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to=upload_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    shared = models.BooleanField(_("shared with the city's teachers"), default=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        ordering = ["-produced_on", "-id"]
        indexes = [models.Index(fields=["shared", "kind"])]

    def __str__(self) -> str:
        return self.title


class RecruitmentStatus(models.TextChoices):
    OPEN = "open", _("Open for seat requests")
    CLOSED = "closed", _("Closed, assigning")
    DONE = "done", _("Seats assigned")


class RecruitmentRound(models.Model):
    """增补成员: the bureau's call for the members it assigns to the studios of a batch."""

    call = models.ForeignKey(
        "applications.Call", on_delete=models.PROTECT, related_name="recruitment_rounds"
    )
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RecruitmentStatus.choices,
        default=RecruitmentStatus.OPEN,
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recruitment round")
        verbose_name_plural = _("recruitment rounds")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("studios:recruitment_detail", args=[self.pk])

    def audit_organisation(self) -> Organisation:
        return self.call.bureau


class SeatRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ASSIGNED = "assigned", _("Assigned")
    NOT_ASSIGNED = "not_assigned", _("Not assigned")


class SeatRequest(models.Model):
    """A teacher's application for a bureau-assigned seat in the studio of their choice."""

    round = models.ForeignKey(RecruitmentRound, on_delete=models.CASCADE, related_name="requests")
    teacher = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="seat_requests"
    )
    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="seat_requests")
    school = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    birth_month = models.DateField(_("birth month"))
    head_teacher_years = models.PositiveSmallIntegerField(_("years as head teacher"))
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    statement = models.TextField(_("why this studio"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SeatRequestStatus.choices,
        default=SeatRequestStatus.PENDING,
    )
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seat request")
        verbose_name_plural = _("seat requests")
        ordering = ["round", "studio", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "teacher"], name="one_seat_request_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.teacher} → {self.studio}"

    def personal_details_owner(self):
        """For ``accounts.view_personal_details``: the teacher and their school."""
        return self.teacher_id, self.school


class LiaisonEntry(models.Model):
    """联络记录: the assistant's (or host's) log of the studio's administrative liaison: with
    whom (a county bureau or school, and the person), about what, and what follows from it."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="liaison_entries")
    happened_on = models.DateField(_("date"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("county or school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.CharField(_("with whom"), max_length=120)
    subject = models.TextField(_("what was discussed"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("liaison entry")
        verbose_name_plural = _("liaison entries")
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["studio", "happened_on"])]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.contact}"

    def audit_organisation(self) -> Organisation:
        return self.studio.school


class StudioComment(models.Model):
    """An advisor's (or the host's) comment on one of three things of a studio: a plan version,
    an activity, or a member's growth file there. One model with three nullable keys rather
    than a generic relation: each key is a real foreign key (deleted with its target, joinable,
    scoped by ``studio``), and the constraint says exactly one is set."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="comments")
    plan = models.ForeignKey(
        StudioPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    person = models.ForeignKey(
        "accounts.User",
        verbose_name=_("growth file of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="growth_comments",
    )
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan__isnull=False, activity__isnull=True, person__isnull=True)
                | models.Q(plan__isnull=True, activity__isnull=False, person__isnull=True)
                | models.Q(plan__isnull=True, activity__isnull=True, person__isnull=False),
                name="studio_comment_on_one_thing",
            )
        ]
        indexes = [models.Index(fields=["studio", "person"])]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:30]}"

    def audit_organisation(self) -> Organisation:
        return self.studio.school


class CalendarFeed(models.Model):
    """日历订阅: a person's secret address for calendar apps (which cannot log in) to their
    deadlines and the activities of the studios they may open. Only the secret's digest is kept:
    the address is shown once; a new one replaces it, revoking deletes it (then 404)."""

    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)

    def audit_organisation(self):
        return self.user.audit_organisation()
