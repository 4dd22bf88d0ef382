"""A city's studio rules as data (Policy); the studios themselves join them later."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    City,
    Organisation,
    OrganisationKind,
    SchoolStage,
    school_stage_labels,
    upload_path,
)


class TeamRole(models.TextChoices):
    HOST = "host", _("Host")
    ASSISTANT = "assistant", _("Assistant")
    ADVISOR = "advisor", _("Advisor")
    MEMBER = "member", _("Member")
    SHADOW = "shadow", _("Shadow trainee")


class ChosenBy(models.TextChoices):
    APPLICANT = "applicant", _("The applicant")
    HOST = "host", _("The host")
    BUREAU = "bureau", _("The municipal bureau")


class ActivityKind(models.TextChoices):
    """The vocabulary of studio activities; a policy says which kinds count for which quota."""

    TRAINING = "training", _("Training")
    THEMATIC_SEMINAR = "thematic_seminar", _("Thematic seminar")
    ONLINE_SALON = "online_salon", _("Online salon")
    ONSITE_SEMINAR = "onsite_seminar", _("On-site seminar")
    CROSS_STUDIO_EXCHANGE = "cross_studio_exchange", _("Cross-studio exchange")
    PAIRING_VISIT = "pairing_visit", _("Pairing-assistance visit")
    DEMONSTRATION_CLASS_MEETING = "demonstration_class_meeting", _("Demonstration class meeting")
    LECTURE = "lecture", _("Lecture")
    RESEARCH_MEETING = "research_meeting", _("Research meeting")
    MEMBER_SCHOOL_REPORT = "member_school_report", _("Member's report-back at their school")


class QuotaPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    SEMESTER = "semester", _("Semester")
    YEAR = "year", _("Calendar year")
    SCHOOL_YEAR = "school_year", _("School year")


class AssessmentScale(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    SCORED = "scored", _("Scored, with commended and unqualified outcomes")


class PlanLengthMethod(models.TextChoices):
    # Word processors' 字数: each Chinese character or punctuation mark is one, each run of
    # Latin letters or digits is one word. Bureaus ask for Word files, so this is what they count.
    WORD_STYLE = "word_style", _("As a word processor counts 字数")
    NON_WHITESPACE = "non_whitespace", _("Every character except white space")


class Policy(models.Model):
    """One city's rules for one programme (a batch of studios). Code asks this, never a city."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="policies")
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)

    school_stages = models.JSONField(_("school stages"), default=list)
    studio_name_pattern = models.CharField(
        _("studio name pattern"),
        max_length=120,
        help_text=_("{host} stands for the host's name."),
    )
    plaque_number_pattern = models.CharField(
        _("plaque number pattern"),
        max_length=120,
        help_text=_("{year} is the year of publication, {seq} the studio's number in the batch."),
    )
    planned_studio_count = models.PositiveIntegerField(
        _("number of studios planned"), null=True, blank=True
    )
    term_years = models.PositiveSmallIntegerField(
        _("term length (years)"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    members_recruited_by_host = models.PositiveSmallIntegerField(
        _("members recruited by the host"), null=True, blank=True
    )
    members_assigned_by_bureau = models.PositiveSmallIntegerField(
        _("members assigned by the bureau"), default=0
    )

    # Application stage
    review_by_county = models.BooleanField(_("county bureaus review applications"), default=True)
    expert_review = models.BooleanField(_("experts review applications"), default=True)
    quota_per_county_per_stage = models.PositiveSmallIntegerField(
        _("applications per county bureau per school stage"), null=True, blank=True
    )
    quota_per_affiliated_school = models.PositiveSmallIntegerField(
        _("applications per bureau-affiliated school"), null=True, blank=True
    )
    plan_max_length = models.PositiveIntegerField(
        _("three-year plan length limit"), null=True, blank=True
    )
    plan_length_method = models.CharField(
        _("how the plan length is counted"),
        max_length=20,
        choices=PlanLengthMethod.choices,
        default=PlanLengthMethod.WORD_STYLE,
    )
    public_notice = models.BooleanField(_("public notice (公示) before publication"), default=False)
    notice_period_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), null=True, blank=True
    )

    # Pairing assistance (结对帮扶)
    pairing_required = models.BooleanField(_("each studio pairs with a county"), default=False)
    pairing_counties = models.ManyToManyField(
        Organisation,
        verbose_name=_("pairing counties"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.COUNTY_BUREAU},
    )

    # Funding
    funding_min = models.DecimalField(
        _("minimum yearly funding (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding_max = models.DecimalField(
        _("maximum yearly funding (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    expenditure_categories = models.JSONField(_("expenditure categories"), default=list)
    special_account_required = models.BooleanField(
        _("the school keeps a special account (专户)"), default=False
    )
    equipment_becomes_fixed_asset = models.BooleanField(
        _("equipment bought becomes a state fixed asset"), default=False
    )

    # Assessment
    annual_assessor = models.CharField(
        _("annual assessment by"),
        max_length=20,
        choices=[
            (OrganisationKind.MUNICIPAL_BUREAU.value, OrganisationKind.MUNICIPAL_BUREAU.label),
            (OrganisationKind.CE_CENTRE.value, OrganisationKind.CE_CENTRE.label),
        ],
    )
    annual_assessment_with_experts = models.BooleanField(
        _("experts take part in the annual assessment"), default=False
    )
    annual_assessment_scale = models.CharField(
        _("annual assessment scale"), max_length=20, choices=AssessmentScale.choices
    )
    rectification_on_fail = models.BooleanField(
        _("a failed studio gets a deadline to rectify before revocation"), default=False
    )
    annual_report_month = models.PositiveSmallIntegerField(
        _("month the annual report is due"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        default=12,
    )
    term_evaluation_with_experts = models.BooleanField(
        _("experts evaluate the studio at term end"), default=True
    )
    excellent_term_reward = models.CharField(
        _("what an excellent term evaluation brings"), max_length=300, blank=True
    )
    failed_term_excludes_next_cycle = models.BooleanField(
        _("a failed term excludes the host from the next cycle"), default=False
    )

    annual_report_days = models.PositiveSmallIntegerField(
        _("days the annual report window stays open"), default=31
    )
    annual_pass_score = models.DecimalField(
        _("annual score to pass"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    annual_commend_score = models.DecimalField(
        _("annual score to be commended"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    rectification_days = models.PositiveSmallIntegerField(_("days given to rectify"), default=60)
    term_pass_score = models.DecimalField(
        _("term evaluation score to pass"), max_digits=5, decimal_places=1, default=60
    )
    term_excellent_score = models.DecimalField(
        _("term evaluation score for excellent"), max_digits=5, decimal_places=1, default=90
    )
    absence_limit = models.PositiveSmallIntegerField(
        _("absences without leave before a member is flagged"),
        null=True,
        blank=True,
        help_text=_("Empty: the policy sets no number; absences are shown but not flagged."),
    )

    # The school calendar the quota periods follow.
    school_year_start_month = models.PositiveSmallIntegerField(
        _("school year starts (month)"), default=9
    )
    school_year_start_day = models.PositiveSmallIntegerField(
        _("school year starts (day)"), default=1
    )
    spring_semester_start_month = models.PositiveSmallIntegerField(
        _("spring semester starts (month)"), default=2
    )
    spring_semester_start_day = models.PositiveSmallIntegerField(
        _("spring semester starts (day)"), default=1
    )

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["city", "code"]

    def __str__(self) -> str:
        return self.name

    def get_school_stages_display(self) -> list[str]:
        return school_stage_labels(self.school_stages)

    def clean(self) -> None:
        # clean() runs after field errors too: every check below tolerates a value that its
        # field already refused (None, or JSON of the wrong shape).
        errors: dict[str, list] = {}
        stages = self.school_stages if isinstance(self.school_stages, list) else None
        unknown = stages is None or set(map(str, stages)) - set(SchoolStage.values)
        if unknown or not stages:
            errors.setdefault("school_stages", []).append(
                _("List at least one school stage, from the known stages.")
            )
        if (
            self.funding_min is not None
            and self.funding_max is not None
            and self.funding_min > self.funding_max
        ):
            errors.setdefault("funding_max", []).append(
                _("The maximum funding is below the minimum.")
            )
        if self.public_notice is False and self.notice_period_days:
            errors.setdefault("notice_period_days", []).append(
                _("A notice period needs the public notice to be switched on.")
            )
        categories = self.expenditure_categories
        codes = (
            [c.get("code") for c in categories if isinstance(c, dict)]
            if isinstance(categories, list)
            else []
        )
        shaped = isinstance(categories, list) and len(codes) == len(categories)
        if not shaped or len(codes) != len(set(map(str, codes))) or not all(codes):
            errors.setdefault("expenditure_categories", []).append(
                _("Every expenditure category needs its own code.")
            )
        try:
            from datetime import date

            date(2001, self.school_year_start_month, self.school_year_start_day)
            date(2001, self.spring_semester_start_month, self.spring_semester_start_day)
        except (TypeError, ValueError):
            errors.setdefault("school_year_start_day", []).append(
                _("The school calendar names a day that does not exist.")
            )
        if "{host}" not in (self.studio_name_pattern or ""):
            errors.setdefault("studio_name_pattern", []).append(
                _("The studio name pattern must contain {host}.")
            )
        if "{seq" not in (self.plaque_number_pattern or ""):
            errors.setdefault("plaque_number_pattern", []).append(
                _("The plaque number pattern must contain {seq}.")
            )
        else:
            try:
                self.plaque_number_pattern.format(year=2024, seq=1)
            except (KeyError, IndexError, ValueError):
                errors.setdefault("plaque_number_pattern", []).append(
                    _("The plaque number pattern may use only {year} and {seq}.")
                )
        if errors:
            raise ValidationError(errors)

    def studio_name(self, host_name: str) -> str:
        return self.studio_name_pattern.replace("{host}", host_name)

    def plaque_number(self, *, year: int, seq: int) -> str:
        return self.plaque_number_pattern.format(year=year, seq=seq)


class TeamRule(models.Model):
    """How many people of one role a studio has, and who is eligible for it."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="team_rules")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    min_count = models.PositiveSmallIntegerField(_("at least"), default=0)
    max_count = models.PositiveSmallIntegerField(
        _("at most"), null=True, blank=True, help_text=_("Empty: any number.")
    )
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    min_head_teacher_years = models.PositiveSmallIntegerField(
        _("minimum years as head teacher"), null=True, blank=True
    )
    must_be_serving_head_teacher = models.BooleanField(
        _("must be a serving head teacher"), default=False
    )
    must_serve_through_term = models.BooleanField(
        _("must stay a head teacher for the whole term"), default=False
    )
    from_paired_county = models.BooleanField(_("comes from the paired county"), default=False)
    chosen_by = models.CharField(
        _("chosen by"), max_length=20, choices=ChosenBy.choices, default=ChosenBy.APPLICANT
    )
    description = models.TextField(_("requirements as written"), blank=True)

    class Meta:
        verbose_name = _("team rule")
        verbose_name_plural = _("team rules")
        ordering = ["policy", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "role"], name="team_rule_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.get_role_display()}"

    def clean(self) -> None:
        if None not in (self.max_count, self.min_count) and self.min_count > self.max_count:
            raise ValidationError({"max_count": _("“At most” is below “at least”.")})


class ActivityQuota(models.Model):
    """At least ``min_count`` activities of ``kinds`` in every ``period`` (per studio or member)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="activity_quotas")
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    kinds = models.JSONField(_("activity kinds that count"))
    min_count = models.PositiveSmallIntegerField(_("at least"), validators=[MinValueValidator(1)])
    period = models.CharField(_("every"), max_length=20, choices=QuotaPeriod.choices)
    in_paired_county = models.BooleanField(
        _("only activities in the studio's paired county count"), default=False
    )
    per_member = models.BooleanField(_("each member must do it"), default=False)
    description = models.TextField(_("requirement as written"), blank=True)

    class Meta:
        verbose_name = _("activity quota")
        verbose_name_plural = _("activity quotas")
        ordering = ["policy", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="activity_quota_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.name}"

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(ActivityKind.choices)
        return [str(labels.get(code, code)) for code in self.kinds]

    def clean(self) -> None:
        kinds = self.kinds if isinstance(self.kinds, list) else None
        if not kinds or set(map(str, kinds)) - set(ActivityKind.values):
            raise ValidationError(
                {"kinds": _("List at least one activity kind, from the known kinds.")}
            )


class IndicatorScope(models.TextChoices):
    ANNUAL = "annual", _("Annual assessment")
    TERM = "term", _("Three-year evaluation")


class Indicator(models.Model):
    """One line of a city's assessment checklist, with its points."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="indicators")
    scope = models.CharField(_("used for"), max_length=10, choices=IndicatorScope.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("indicator"), max_length=120)
    max_points = models.DecimalField(_("points"), max_digits=5, decimal_places=1)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    description = models.TextField(_("what it looks at"), blank=True)

    class Meta:
        verbose_name = _("assessment indicator")
        verbose_name_plural = _("assessment indicators")
        ordering = ["policy", "scope", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "scope", "code"], name="indicator_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class StudioStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    ENDED = "ended", _("Term ended")


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
    published_on = models.DateField(_("published on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("studio")
        verbose_name_plural = _("studios")
        ordering = ["call", "plaque_number"]
        permissions = [("manage_studio", _("Run the studio as its host"))]

    def __str__(self) -> str:
        return self.name

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
