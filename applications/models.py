"""Calls for applications, the official application form, its review chain, expert scoring,
the public notice and its objections."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, SchoolStage, school_stage_labels, upload_path
from policies.models import Policy, TeamRole


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed, under review")
    NOTICE = "notice", _("Public notice")
    PUBLISHED = "published", _("Results published")


class ScoreAggregation(models.TextChoices):
    MEAN = "mean", _("Mean of all experts' scores")
    TRIMMED_MEAN = "trimmed_mean", _("Mean after dropping the highest and the lowest score")


class Call(models.Model):
    """申报通知/批次: one batch of studios under one policy."""

    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="calls"
    )
    bureau = models.ForeignKey(
        Organisation,
        verbose_name=_("municipal bureau"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    studio_count = models.PositiveSmallIntegerField(
        _("number of studios"), validators=[MinValueValidator(1)]
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    school_stages = models.JSONField(_("school stages"), default=list)
    description = models.TextField(_("notice text"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    score_aggregation = models.CharField(
        _("how expert scores are combined"),
        max_length=20,
        choices=ScoreAggregation.choices,
        default=ScoreAggregation.MEAN,
    )
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), null=True, blank=True)
    notice_starts_on = models.DateField(_("notice starts on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice ends on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # Each review level's deadline (optional; reminders chase the reviewers before it).
    school_review_ends_on = models.DateField(_("schools review by"), null=True, blank=True)
    county_review_ends_on = models.DateField(_("county bureaus review by"), null=True, blank=True)
    expert_review_ends_on = models.DateField(_("experts score by"), null=True, blank=True)
    closed_early_reason = models.CharField(
        _("reason for closing early"), max_length=300, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("applications:call_detail", args=[self.pk])

    def audit_organisation(self) -> Organisation:
        return self.bureau

    def get_school_stages_display(self) -> list[str]:
        return school_stage_labels(self.school_stages)

    def accepts_submissions_on(self, day) -> bool:
        return self.status == CallStatus.OPEN and self.opens_on <= day <= self.closes_on


class CallAttachment(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call attachment")
        verbose_name_plural = _("call attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class RubricCriterion(models.Model):
    """One line of the call's scoring rubric."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=120)
    description = models.CharField(_("what it looks at"), max_length=300, blank=True)
    max_score = models.DecimalField(
        _("maximum score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["call", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_score})"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AT_SCHOOL = "at_school", _("Waiting for the school")
    AT_COUNTY = "at_county", _("Waiting for the county bureau")
    AT_CITY = "at_city", _("Waiting for the municipal bureau")
    RETURNED = "returned", _("Returned for revision")
    REJECTED = "rejected", _("Not recommended")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    PUBLISHED = "published", _("Published: studio founded")


# The states in which the applicant may still change the form.
EDITABLE_STATUSES = {ApplicationStatus.DRAFT, ApplicationStatus.RETURNED}
# The review states, each waiting for one level.
REVIEW_STATUSES = {
    ApplicationStatus.AT_SCHOOL,
    ApplicationStatus.AT_COUNTY,
    ApplicationStatus.AT_CITY,
}


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Application(models.Model):
    """The official application form (申报表), kept as the teacher typed it."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    school = models.ForeignKey(
        Organisation, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the school so that scope filters are one indexed column.
    county = models.ForeignKey(
        Organisation,
        verbose_name=_("county/district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    school_stage = models.CharField(_("school stage"), max_length=20, choices=SchoolStage.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )

    # Host block (主持人)
    host_name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_month = models.DateField(_("birth month"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to=upload_path, blank=True)
    party_member = models.BooleanField(_("party member"), null=True, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    head_teacher_years = models.PositiveSmallIntegerField(
        _("years as head teacher"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    research_direction = models.CharField(_("research direction"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    paired_county = models.ForeignKey(
        Organisation,
        verbose_name=_("paired county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    achievements = models.TextField(
        _("main achievements as head teacher in the last 5 years"), blank=True
    )
    existing_studio_name = models.CharField(
        _("name of the existing studio"), max_length=200, blank=True
    )
    existing_studio_department = models.CharField(
        _("approving department"), max_length=200, blank=True
    )
    plan = models.TextField(_("three-year development plan"), blank=True)
    # Answers to the parts of the city's form that have no column of their own (its extra
    # sections and host fields, the host's undertakings), keyed by the form definition's keys.
    form_data = models.JSONField(_("other answers on the form"), default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_count = models.PositiveSmallIntegerField(default=0)
    extension_until = models.DateField(_("late submission allowed until"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "applicant"], name="one_application_per_call_and_applicant"
            )
        ]
        # The lists' filters, then their sort key and the tie-breaker: a page is read in index
        # order (forwards or backwards) and stops after 25 rows, whatever the number of rows
        # (tests/applications/test_queue_indexes.py). A school's and a county's reviewers filter
        # on their column and the status; the bureau on the status (its calls join); a call's
        # list on the call. The default order is the last change; "submitted" is the other
        # sort that reviewers use on long queues.
        indexes = [
            models.Index(fields=["county", "status", "updated_at", "id"], name="app_county_queue"),
            models.Index(fields=["school", "status", "updated_at", "id"], name="app_school_queue"),
            models.Index(fields=["status", "updated_at", "id"], name="app_status_queue"),
            models.Index(fields=["call", "status", "updated_at", "id"], name="app_call_status"),
            models.Index(fields=["call", "updated_at", "id"], name="app_call_updated"),
            models.Index(
                fields=["county", "status", "submitted_at", "id"], name="app_county_submitted"
            ),
            models.Index(fields=["status", "submitted_at", "id"], name="app_status_submitted"),
            models.Index(fields=["applicant", "updated_at", "id"], name="app_applicant_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.host_name or self.applicant} · {self.call}"

    def get_absolute_url(self) -> str:
        return reverse("applications:application_detail", args=[self.pk])

    def audit_organisation(self) -> Organisation:
        return self.school

    def personal_details_owner(self):
        """For ``accounts.view_personal_details``: the applicant and their school (the team's
        details were collected by the applicant and are reviewed along with theirs)."""
        return self.applicant_id, self.school

    @property
    def is_bureau_affiliated(self) -> bool:
        return self.county_id is None

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class TeamEntry(models.Model):
    """A row of the advisors table (指导老师) or of the members table (成员)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_month = models.DateField(_("birth month"), null=True, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    research_direction = models.CharField(_("research direction"), max_length=200, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    head_teacher_years = models.PositiveSmallIntegerField(
        _("years as head teacher"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    # Columns the city's form adds beyond the ones above, keyed by the form definition's keys.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("team row")
        verbose_name_plural = _("team rows")
        ordering = ["application", "role", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("application attachment")
        verbose_name_plural = _("application attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Submission(models.Model):
    """What the form said each time it was submitted, so reviewers can see what changed."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"


class ReviewLevel(models.TextChoices):
    SCHOOL = "school", _("School")
    COUNTY = "county", _("County bureau")
    CITY = "city", _("Municipal bureau")


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved and recommended")
    RETURNED = "returned", _("Returned for revision")
    REJECTED = "rejected", _("Not recommended")


class ReviewStep(models.Model):
    """One reviewer's decision and opinion (it fills that level's box on the official form)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="review_steps"
    )
    submission_number = models.PositiveSmallIntegerField()
    level = models.CharField(_("level"), max_length=10, choices=ReviewLevel.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    opinion = models.TextField(_("opinion"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("on behalf of"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    # The level's stamped page, or the stamped scan of the whole form (盖章扫描件).
    stamped_scan = models.FileField(_("stamped scan"), upload_to=upload_path, blank=True)
    stamped_scan_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["application", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.get_decision_display()}"


class ExpertAssignment(models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", _("To score")
        SUBMITTED = "submitted", _("Scored")
        CONFLICT = "conflict", _("Declined: conflict of interest")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="expert_assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="expert_assignments",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["application", "expert"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"], name="one_assignment_per_expert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application}"


class ExpertConflict(models.Model):
    """A conflict of interest an expert declared with a school or a county."""

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["expert", "organisation"], name="conflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} ≠ {self.organisation}"


class Score(models.Model):
    assignment = models.ForeignKey(
        ExpertAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.value}"


class Objection(models.Model):
    """An objection filed during the public notice by anyone, with contact details."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld: removed from the list")
        DISMISSED = "dismissed", _("Dismissed")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections"
    )
    name = models.CharField(_("your name"), max_length=60)
    contact = models.CharField(_("phone or email"), max_length=120)
    text = models.TextField(_("objection"))
    filed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.name} → {self.application}"

    def audit_organisation(self) -> Organisation:
        return self.application.call.bureau


class PdfVariant(models.TextChoices):
    FULL = "full", _("Complete")
    MASKED = "masked", _("Personal details masked")


class RenderedPdf(models.Model):
    """An application's official PDF as last laid out, kept so that downloads and the call's
    packet need not lay it out again (``applications.renditions``).

    ``version`` is the SHA-256 of everything the bytes were made from (the HTML given to
    WeasyPrint, the photo file, the engine and its options): a stored file is served only while
    the version computed now is the same, so it can never be stale. One row per variant.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="renditions"
    )
    variant = models.CharField(max_length=10, choices=PdfVariant.choices)
    version = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to=upload_path, blank=True)
    size = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored application PDF")
        verbose_name_plural = _("stored application PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "variant"], name="one_rendered_pdf_per_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.variant}"


class RenderedPacket(models.Model):
    """A call's packet (every received form and its stamped scans in one PDF) as last merged;
    ``version`` digests the versions of its parts, as ``RenderedPdf.version`` does."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="rendered_packet")
    version = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to=upload_path, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored call packet")
        verbose_name_plural = _("stored call packets")

    def __str__(self) -> str:
        return str(self.call_id)
