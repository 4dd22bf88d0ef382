"""Annual reports and assessments, rectification, three-year evaluations, their records."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import upload_path
from studios.models import Studio


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    ACCEPTED = "accepted", _("Accepted")


class AnnualReport(models.Model):
    """年度总结与自评: the host's report on one year, with a self-evaluation per indicator."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    opens_on = models.DateField(_("window opens"))
    due_on = models.DateField(_("due on"))
    work_done = models.TextField(_("work done"), blank=True)
    results = models.TextField(_("results"), blank=True)
    member_growth = models.TextField(_("growth of the members"), blank=True)
    self_scores = models.JSONField(_("self-evaluation"), default=dict, blank=True)
    # Asked only where the policy's host rule says the host stays a head teacher for the
    # whole term (as one seed's measures ask); None: not answered (or not asked).
    host_still_head_teacher = models.BooleanField(
        _("the host is still a head teacher"), null=True, blank=True
    )
    host_obligation_note = models.TextField(_("the host's explanation"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "studio"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "year"], name="one_report_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.studio} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:annual_report", args=[self.pk])

    def audit_organisation(self):
        return self.studio.school


class AnnualReportAttachment(models.Model):
    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("annual report attachment")
        verbose_name_plural = _("annual report attachments")

    def __str__(self) -> str:
        return self.title


class Outcome(models.TextChoices):
    """What an assessment concluded. Which ones a city uses is its policy's scale."""

    COMMENDED = "commended", _("Commended")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class AnnualAssessment(models.Model):
    """年度考核 of one studio for one year, by the body the policy names."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being assessed")
        DECIDED = "decided", _("Decided")

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    report = models.OneToOneField(
        AnnualReport, on_delete=models.PROTECT, null=True, blank=True, related_name="assessment"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")
        ordering = ["-year", "studio"]
        constraints = [
            models.UniqueConstraint(fields=["studio", "year"], name="one_assessment_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.studio} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", args=[self.pk])

    def audit_organisation(self):
        return self.studio.school


class ExpertScore(models.Model):
    """An expert's scores on the policy's indicators, for an annual assessment (when the policy
    has experts take part) or a three-year evaluation. Exactly one of the two is set."""

    assessment = models.ForeignKey(
        AnnualAssessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_scores",
    )
    evaluation = models.ForeignKey(
        "TermEvaluation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_scores",
    )
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "expert"], name="one_score_per_expert_assessment"
            ),
            models.UniqueConstraint(
                fields=["evaluation", "expert"], name="one_score_per_expert_evaluation"
            ),
            models.CheckConstraint(
                condition=models.Q(assessment__isnull=False, evaluation__isnull=True)
                | models.Q(assessment__isnull=True, evaluation__isnull=False),
                name="expert_score_for_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.total}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Rectifying")
    SUBMITTED = "submitted", _("Report submitted")
    ACCEPTED = "accepted", _("Accepted")
    REVOCATION_PROPOSED = "revocation_proposed", _("Deadline passed: revocation proposed")
    REVOKED = "revoked", _("Studio revoked")


class Rectification(models.Model):
    """限期整改 after a failed annual assessment."""

    assessment = models.OneToOneField(
        AnnualAssessment, on_delete=models.CASCADE, related_name="rectification"
    )
    deadline = models.DateField(_("deadline"))
    required_actions = models.TextField(_("required actions"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    report = models.TextField(_("rectification report"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    proposed_at = models.DateField(_("revocation proposed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline"]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.deadline}"

    def audit_organisation(self):
        return self.assessment.studio.school


class TermEvaluation(models.Model):
    """期满评估 at the end of a studio's term, scored by experts on the term indicators."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being evaluated")
        DECIDED = "decided", _("Decided")

    class Result(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    studio = models.OneToOneField(Studio, on_delete=models.CASCADE, related_name="evaluation")
    opens_on = models.DateField(_("opened on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Result.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("three-year evaluation")
        verbose_name_plural = _("three-year evaluations")
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return f"{self.studio}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:term_evaluation", args=[self.pk])

    def audit_organisation(self):
        return self.studio.school


class Commendation(models.Model):
    """A record of praise on a person's file: an excellent term, a commended year."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commendations"
    )
    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="commendations")
    title = models.CharField(_("commendation"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "studio", "title", "year"], name="commendation_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class HostExclusion(models.Model):
    """A host whose studio failed its term evaluation may not host in the next cycle."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="host_exclusions"
    )
    evaluation = models.OneToOneField(
        TermEvaluation, on_delete=models.CASCADE, related_name="exclusion"
    )
    until = models.DateField(_("not eligible until"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("host exclusion")
        verbose_name_plural = _("host exclusions")

    def __str__(self) -> str:
        return f"{self.person} → {self.until}"
