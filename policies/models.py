"""A city's rule book as data: the policy and its rule rows (team, quotas, indicators).

Code asks the policy ("how many members may this studio have?"), never the city's name.
"""

from datetime import date

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
)

from .application_form import validate_definition


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

    # Versions: once a call has been opened under a policy its rows are frozen; an edit makes a
    # new version (a new row, ``replaces`` the old one) and what was pinned keeps the old one.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    # Where each value comes from: {field name: clause of the city's document}. A field that is
    # not listed was set by the bureau (a default no document gives).
    sources = models.JSONField(_("sources of the values"), default=dict, blank=True)
    # The application form as the city prints it: sections, tables, columns, limits, labels and
    # opinion boxes (see policies.forms_definition). Empty: the built-in form.
    application_form = models.JSONField(_("application form"), default=dict, blank=True)

    # Reminders to reviewers (a bureau-set default unless the document says otherwise).
    reminder_days_before = models.PositiveSmallIntegerField(
        _("remind reviewers this many days before their deadline"), null=True, blank=True
    )
    reminder_waiting_days = models.PositiveSmallIntegerField(
        _("remind reviewers when an item has waited this many days"), null=True, blank=True
    )
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
        return self.name if self.version == 1 else f"{self.name}（{self.version}）"

    def source_of(self, field: str) -> str:
        """The clause a value comes from, or '' when the bureau set it."""
        return str((self.sources or {}).get(field, ""))

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
        if self.application_form:
            problems = validate_definition(self.application_form)
            if problems:
                errors.setdefault("application_form", []).extend(problems)
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
    label = models.CharField(
        _("the city's name for the role"),
        max_length=40,
        blank=True,
        help_text=_("E.g. 顾问 or 指导老师; empty: the usual name."),
    )
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
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The clause of the city's document; empty: set by the bureau."),
    )

    class Meta:
        verbose_name = _("team rule")
        verbose_name_plural = _("team rules")
        ordering = ["policy", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "role"], name="team_rule_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · {self.role_label}"

    @property
    def role_label(self) -> str:
        return self.label or str(self.get_role_display())

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
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The clause of the city's document; empty: set by the bureau."),
    )

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
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The clause of the city's document; empty: set by the bureau."),
    )

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
