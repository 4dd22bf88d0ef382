"""What the API shows of each object: the fields its pages show the same reader, and no more.

Applications carry their status and public fields only (no phone, birth month or plan);
allocations carry the money and its document, not the bank account. Every code comes with its
label in the reader's language, so an integration need not keep a copy of our vocabulary.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import SchoolStage
from applications import selectors as application_selectors
from applications.models import Application, ApplicationStatus, Call, CallStatus
from assessments.models import AnnualAssessment, Outcome
from funding.models import Allocation
from policies.models import ActivityKind
from studios.models import Activity, AttendanceStatus, EvidenceKind, Studio, StudioStatus


def _name(obj) -> str:
    return obj.name if obj is not None else ""


class CallSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="bureau.city.name", read_only=True)
    bureau = serializers.CharField(source="bureau.name", read_only=True)
    status = serializers.ChoiceField(choices=CallStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "title",
            "document_number",
            "city",
            "bureau",
            "status",
            "status_label",
            "studio_count",
            "opens_on",
            "closes_on",
            "notice_starts_on",
            "notice_ends_on",
            "published_on",
        ]
        read_only_fields = fields


class SelectedApplicationSerializer(serializers.ModelSerializer):
    """One line of the announced results: what the public notice (公示) prints."""

    school = serializers.SerializerMethodField()
    county = serializers.SerializerMethodField()
    school_stage_label = serializers.CharField(source="get_school_stage_display", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "host_name",
            "school",
            "county",
            "school_stage",
            "school_stage_label",
            "research_direction",
        ]
        read_only_fields = fields

    def get_school(self, application) -> str:
        return _name(application.school)

    def get_county(self, application) -> str:
        return _name(application.county)


class CallResultsSerializer(serializers.Serializer):
    announced = serializers.BooleanField(
        help_text=_("Whether the results are announced (the public notice has started).")
    )
    selected = SelectedApplicationSerializer(many=True)


class ApplicationSerializer(serializers.ModelSerializer):
    call_title = serializers.CharField(source="call.title", read_only=True)
    school = serializers.SerializerMethodField()
    county = serializers.SerializerMethodField()
    school_stage = serializers.ChoiceField(choices=SchoolStage.choices, read_only=True)
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "call_title",
            "host_name",
            "school",
            "county",
            "school_stage",
            "research_direction",
            "status",
            "status_label",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_school(self, application) -> str:
        return _name(application.school)

    def get_county(self, application) -> str:
        return _name(application.county)

    @extend_schema_field(serializers.ChoiceField(choices=ApplicationStatus.choices))
    def get_status(self, application) -> str:
        user = self.context["request"].user
        return application_selectors.status_code_for_viewer(application, user)

    def get_status_label(self, application) -> str:
        user = self.context["request"].user
        return application_selectors.status_for_viewer(application, user)


class StudioSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="application.host_name", read_only=True)
    school = serializers.CharField(source="school.name", read_only=True)
    county = serializers.SerializerMethodField()
    school_stage = serializers.ChoiceField(choices=SchoolStage.choices, read_only=True)
    status = serializers.ChoiceField(choices=StudioStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Studio
        fields = [
            "id",
            "name",
            "plaque_number",
            "host",
            "school",
            "county",
            "school_stage",
            "research_direction",
            "term_start",
            "term_end",
            "status",
            "status_label",
        ]
        read_only_fields = fields

    def get_county(self, studio) -> str:
        return _name(studio.county)


class ActivitySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    served_county = serializers.SerializerMethodField()
    present = serializers.IntegerField(
        source="n_present", read_only=True, help_text=_("Members recorded present.")
    )
    evidence_files = serializers.IntegerField(source="n_evidence", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "studio",
            "kind",
            "kind_label",
            "title",
            "held_on",
            "online",
            "place",
            "served_county",
            "summary",
            "outputs",
            "present",
            "evidence_files",
        ]
        read_only_fields = fields

    def get_served_county(self, activity) -> str:
        return _name(activity.served_county)


class AttendanceInputSerializer(serializers.Serializer):
    membership = serializers.IntegerField(
        min_value=1, help_text=_("The member's membership id (from the studio's team).")
    )
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    leave_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class ActivityInputSerializer(serializers.Serializer):
    """An activity that has taken place, with who came: what the host's form asks for."""

    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    online = serializers.BooleanField(required=False, default=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    served_county = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The county served, for pairing assistance (an organisation id)."),
    )
    summary = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    outputs = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    attendance = AttendanceInputSerializer(many=True, required=False, default=list)


class EvidenceInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField(help_text=_("A photo, a scan, a sheet, a document or slides."))


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    title = serializers.CharField()
    size = serializers.IntegerField()


class QuotaStateSerializer(serializers.Serializer):
    quota = serializers.CharField(source="quota.code")
    name = serializers.CharField(source="quota.name")
    period = serializers.CharField(source="period.label")
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    count = serializers.IntegerField()
    target = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["on_track", "behind", "missed"])
    state_label = serializers.CharField(source="label")


class AllocationSerializer(serializers.ModelSerializer):
    studio_name = serializers.CharField(source="studio.name", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "studio", "studio_name", "year", "amount", "document_number", "approved_on"]
        read_only_fields = fields


class AssessmentResultSerializer(serializers.ModelSerializer):
    studio_name = serializers.CharField(source="studio.name", read_only=True)
    total = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True
    )
    outcome = serializers.ChoiceField(choices=[("", "—"), *Outcome.choices], read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = AnnualAssessment
        fields = [
            "id",
            "studio",
            "studio_name",
            "year",
            "total",
            "outcome",
            "outcome_label",
            "decided_at",
        ]
        read_only_fields = fields


class PlaqueSerializer(serializers.Serializer):
    """What the plaque's public check says (the page its QR code opens)."""

    plaque_number = serializers.CharField()
    studio = serializers.CharField(source="name")
    host = serializers.CharField(source="application.host_name")
    school = serializers.CharField(source="school.name")
    issued_by = serializers.CharField(source="call.bureau.name")
    published_on = serializers.DateField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    state = serializers.ChoiceField(choices=["active", "revoked", "ended"])
    revoked_on = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    token = serializers.CharField(help_text=_("The token's name."))
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()
