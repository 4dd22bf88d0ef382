"""The API's endpoints: thin, like the pages' views. Each list is a selector's queryset (already
scoped to the token's owner), each object is looked up inside that scope (404 outside it) and
then asked the same ``can`` rule as its page; each write is the same service the host's form
calls. A token's scope narrows this further, never widens it.
"""

import django_filters
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation, TokenScope
from accounts.permissions import can
from applications import selectors as application_selectors
from applications.models import Application, ApplicationStatus, Call, CallStatus
from assessments import selectors as assessment_selectors
from assessments.models import AnnualAssessment
from core import clock
from core.files import CSP_DOWNLOAD
from funding import selectors as funding_selectors
from funding.models import Allocation
from policies.models import ActivityKind
from studios import selectors as studio_selectors
from studios.compliance import studio_compliance
from studios.errors import StudioError
from studios.models import Activity, AttendanceStatus, Studio
from studios.services import activities as activity_services

from . import serializers
from .filters import StrictFilters


class ScopedList:
    """A list whose rows are ``scoped()``: the selector's queryset for the token's owner. The
    schema generator, which has no owner, gets an empty queryset of ``model``."""

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped()


# The applications an announced result lists: selected during the public notice, founded as
# studios once the results are published.
ANNOUNCED_RESULTS = (ApplicationStatus.SELECTED, ApplicationStatus.PUBLISHED)


def _refused(exc: StudioError) -> ValidationError:
    """A service's refusal, as the 400 the API answers (its message is already translated)."""
    return ValidationError({"detail": [str(exc)]})


# --- who am I -------------------------------------------------------------------------------


class MeView(APIView):
    """The token's owner and what the token may do."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        token = request.auth
        return Response(
            serializers.MeSerializer(
                {
                    "username": request.user.username,
                    "full_name": request.user.get_full_name(),
                    "token": token.name,
                    "scopes": token.scopes,
                    "expires_at": token.expires_at,
                }
            ).data
        )


# --- calls ------------------------------------------------------------------------------------


class CallFilter(StrictFilters):
    status = django_filters.ChoiceFilter(choices=CallStatus.choices)


class CallListView(ScopedList, generics.ListAPIView):
    """Calls for applications (申报通知) of the owner's cities, newest first."""

    required_scope = TokenScope.CALLS_READ
    serializer_class = serializers.CallSerializer
    filterset_class = CallFilter

    model = Call

    def scoped(self):
        return application_selectors.calls_for(self.request.user).order_by("-opens_on", "-pk")


class CallDetailView(generics.RetrieveAPIView):
    required_scope = TokenScope.CALLS_READ
    serializer_class = serializers.CallSerializer

    def get_object(self):
        call = application_selectors.call_for(self.request.user, self.kwargs["pk"])
        if call is None or not can(self.request.user, "applications.view_call", call):
            raise Http404
        return call


class CallResultsView(APIView):
    """The announced results of a call: the selected applications, once the public notice has
    started (before that, nothing: the bureau may still change its selection)."""

    required_scope = TokenScope.CALLS_READ

    @extend_schema(responses=serializers.CallResultsSerializer)
    def get(self, request, pk: int):
        call = application_selectors.call_for(request.user, pk)
        if call is None or not can(request.user, "applications.view_call", call):
            raise Http404
        announced = call.status in application_selectors.ANNOUNCED_CALL_STATUSES
        selected = []
        if announced:
            selected = (
                call.applications.filter(status__in=ANNOUNCED_RESULTS)
                .select_related("school", "county")
                .order_by("county__code", "school__name", "pk")
            )
        data = {"announced": announced, "selected": selected}
        return Response(serializers.CallResultsSerializer(data).data)


# --- applications -----------------------------------------------------------------------------


class ApplicationFilter(StrictFilters):
    call = django_filters.NumberFilter(field_name="call_id")
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, method="by_status")

    def by_status(self, queryset, _name, value):
        return application_selectors.filter_by_shown_status(queryset, self.request.user, value)


class ApplicationListView(ScopedList, generics.ListAPIView):
    """Applications the owner may open: their own, or those their review role reaches. The
    applicant reads their own status as their page shows it."""

    required_scope = TokenScope.APPLICATIONS_READ
    serializer_class = serializers.ApplicationSerializer
    filterset_class = ApplicationFilter

    model = Application

    def scoped(self):
        return application_selectors.applications_for(self.request.user).order_by("-pk")


class ApplicationDetailView(generics.RetrieveAPIView):
    required_scope = TokenScope.APPLICATIONS_READ
    serializer_class = serializers.ApplicationSerializer

    def get_object(self):
        application = application_selectors.application_for(self.request.user, self.kwargs["pk"])
        if application is None or not can(
            self.request.user, "applications.view_application", application
        ):
            raise Http404
        return application


# --- studios, activities, compliance ----------------------------------------------------------


class StudioListView(ScopedList, generics.ListAPIView):
    """Studios whose page the owner may open."""

    required_scope = TokenScope.STUDIOS_READ
    serializer_class = serializers.StudioSerializer

    model = Studio

    def scoped(self):
        return (
            studio_selectors.studios_for(self.request.user)
            .select_related("application")
            .order_by("plaque_number", "pk")
        )


class StudioMixin:
    """The studio named in the URL, inside the owner's scope, with the page's rule."""

    studio_rule = "studios.view_studio"

    def studio(self):
        studio = studio_selectors.studio_for(self.request.user, self.kwargs["pk"])
        if studio is None or not can(self.request.user, self.studio_rule, studio):
            raise Http404
        return studio


class StudioDetailView(StudioMixin, generics.RetrieveAPIView):
    required_scope = TokenScope.STUDIOS_READ
    serializer_class = serializers.StudioSerializer

    def get_object(self):
        studio = self.studio()
        studio.application  # noqa: B018 (loaded for the host's name)
        return studio


def _activities():
    return Activity.objects.select_related("served_county").annotate(
        n_evidence=Count("evidence", distinct=True),
        n_present=Count(
            "attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT), distinct=True
        ),
    )


class ActivityFilter(StrictFilters):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")


@extend_schema_view(
    get=extend_schema(responses=serializers.ActivitySerializer(many=True)),
    post=extend_schema(
        request=serializers.ActivityInputSerializer,
        responses={201: serializers.ActivitySerializer},
    ),
)
class StudioActivitiesView(ScopedList, StudioMixin, generics.ListCreateAPIView):
    """A studio's activities, newest first; POST logs one that has taken place, with who came
    (as the host's form does: the members are asked to confirm their attendance)."""

    required_scope = {"GET": TokenScope.STUDIOS_READ, "*": TokenScope.ACTIVITIES_WRITE}
    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilter

    model = Activity

    def scoped(self):
        studio = self.studio()
        return _activities().filter(studio=studio).order_by("-held_on", "-pk")

    def create(self, request, *args, **kwargs):
        studio = self.studio()
        if not can(request.user, "studios.log_activity", studio):
            raise _forbidden()
        data = serializers.ActivityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        county = None
        if values["served_county"] is not None:
            county = Organisation.objects.filter(pk=values["served_county"]).first()
            if county is None:
                raise ValidationError({"served_county": [_("There is no such county.")]})
        attendance = {}
        for row in values["attendance"]:
            if row["membership"] in attendance:
                raise ValidationError(
                    {"attendance": [_("Each member's attendance is given once.")]}
                )
            attendance[row["membership"]] = (row["status"], row["leave_reason"])
        try:
            activity = activity_services.activity_log(
                actor=request.user,
                studio=studio,
                kind=values["kind"],
                title=values["title"],
                held_on=values["held_on"],
                online=values["online"],
                place=values["place"],
                served_county=county,
                summary=values["summary"],
                outputs=values["outputs"],
                attendance=attendance,
                today=clock.today(),
            )
        except StudioError as exc:
            raise _refused(exc) from None
        shown = _activities().get(pk=activity.pk)
        return Response(
            serializers.ActivitySerializer(shown, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


def _forbidden():
    return PermissionDenied(_("You may not log this studio's activities."))


class ActivityDetailView(generics.RetrieveAPIView):
    required_scope = TokenScope.STUDIOS_READ
    serializer_class = serializers.ActivitySerializer

    def get_object(self):
        activity = _activities().select_related("studio").filter(pk=self.kwargs["pk"]).first()
        user = self.request.user
        if activity is None or studio_selectors.studio_for(user, activity.studio_id) is None:
            raise Http404
        if not can(user, "studios.view_studio", activity.studio):
            raise Http404
        return activity


class ActivityEvidenceView(APIView):
    """POST one evidence file for an activity (multipart): a phone sends them one at a time."""

    required_scope = TokenScope.ACTIVITIES_WRITE
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": serializers.EvidenceInputSerializer},
        responses={201: serializers.EvidenceSerializer},
    )
    def post(self, request, pk: int):
        user = request.user
        activity = Activity.objects.select_related("studio").filter(pk=pk).first()
        if activity is None or studio_selectors.studio_for(user, activity.studio_id) is None:
            raise Http404
        if not can(user, "studios.change_activity", activity):
            if not can(user, "studios.view_studio", activity.studio):
                raise Http404
            raise _forbidden()
        data = serializers.EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            evidence = activity_services.activity_evidence_add(
                actor=user,
                activity=activity,
                kind=data.validated_data["kind"],
                title=data.validated_data["title"],
                upload=data.validated_data["file"],
            )
        except StudioError as exc:
            raise _refused(exc) from None
        return Response(serializers.EvidenceSerializer(evidence).data, status=201)


class StudioComplianceView(StudioMixin, APIView):
    """The studio's activity quotas as of today: how many done of how many due, per period."""

    required_scope = TokenScope.STUDIOS_READ

    @extend_schema(responses=serializers.QuotaStateSerializer(many=True))
    def get(self, request, pk: int):
        states = studio_compliance(self.studio(), clock.today())
        return Response(serializers.QuotaStateSerializer(states, many=True).data)


# --- funding and assessments ------------------------------------------------------------------


class StudioYearFilter(StrictFilters):
    """Rows of one studio, or of one year (allocations, assessment results)."""

    studio = django_filters.NumberFilter(field_name="studio_id")
    year = django_filters.NumberFilter(field_name="year")


class AllocationListView(ScopedList, generics.ListAPIView):
    """Money allocated to the studios whose funding the owner may read."""

    required_scope = TokenScope.FUNDING_READ
    serializer_class = serializers.AllocationSerializer
    filterset_class = StudioYearFilter

    model = Allocation

    def scoped(self):
        studios = funding_selectors.studios_for_funding(self.request.user)
        return (
            Allocation.objects.filter(studio__in=studios.values("pk"))
            .select_related("studio")
            .order_by("-year", "studio__plaque_number", "pk")
        )


class AssessmentResultListView(ScopedList, generics.ListAPIView):
    """Decided annual assessments (年度考核结果) the owner may read."""

    required_scope = TokenScope.ASSESSMENTS_READ
    serializer_class = serializers.AssessmentResultSerializer
    filterset_class = StudioYearFilter

    model = AnnualAssessment

    def scoped(self):
        return (
            assessment_selectors.assessments_for(self.request.user)
            .filter(status=AnnualAssessment.Status.DECIDED)
            .order_by("-year", "studio__plaque_number", "pk")
        )


# --- public -----------------------------------------------------------------------------------


class PlaqueView(APIView):
    """A plaque's public check by the code in its QR code: no token needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses=serializers.PlaqueSerializer, auth=[])
    def get(self, request, code: str):
        studio = studio_selectors.plaque_by_code(code)
        if studio is None:
            raise Http404
        studio.state = studio_selectors.plaque_state(studio, clock.today())
        return Response(serializers.PlaqueSerializer(studio).data)


@extend_schema(exclude=True)
class NotFoundView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def _missing(self, request, *args, **kwargs):
        raise NotFound(_("There is nothing at this address of the API."))

    get = post = put = patch = delete = head = options = _missing


class DocsView(SpectacularSwaggerSplitView):
    """The browsable docs (Swagger UI, from our own static files). Swagger UI sets style
    attributes from its script, so this one page allows inline styles; scripts stay our own."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'; object-src 'none'"
        )
        return response


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. It comes as a file (YAML, or JSON with ?format=json), so it
    carries the files' sandbox policy, not a page's."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = CSP_DOWNLOAD
        return response
