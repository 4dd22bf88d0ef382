"""The API as its clients use it: tokens made and revoked on the page, each token reaching what
its owner's pages reach and no more, an activity logged with attendance and evidence through
the same service as the host's form, and lists in a constant number of queries."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessToken, AuditEntry, User
from accounts.tokens import token_create, token_digest, token_revoke
from applications.models import Application, ApplicationStatus, Call, CallStatus
from core import clock
from studios.models import Activity, ActivityEvidence, Attendance, Studio, StudioStatus
from tests.matrix.world import real_png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_world")]


def ids(response) -> set[int]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


def all_ids(client, url: str) -> set[int]:
    found, page = set(), url
    while page:
        response = client.get(page)
        assert response.status_code == 200, response.content
        found |= ids(response)
        page = response.json()["next"]
    return found


def county_of(user: User):
    return user.role_assignments.get(role="county_reviewer").organisation


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_made_on_the_page_is_shown_once_and_stored_as_a_digest():
    user = User.objects.get(username="lz_school")
    page = Client()
    page.force_login(user)
    made = page.post(
        reverse("accounts:access_tokens"),
        {"action": "make", "name": "公众号", "scopes": ["calls:read"], "days": "90"},
    )
    assert made.status_code == 201
    assert made["Cache-Control"] == "no-store"
    secret = made.context["secret"]
    assert secret.startswith("ms_") and secret in made.content.decode()
    token = AccessToken.objects.get(user=user, name="公众号")
    assert token.digest == token_digest(secret) and secret not in token.digest
    assert token.scopes == ["calls:read"]
    assert (token.expires_at - timezone.now()).days in (89, 90)
    # The list shows it by its first characters, never the secret again.
    listed = page.get(reverse("accounts:access_tokens")).content.decode()
    assert token.prefix in listed and secret not in listed
    assert AuditEntry.objects.filter(verb="accounts.token.created", object_id=token.pk).exists()

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").json()["scopes"] == ["calls:read"]
    assert api.get("/api/v1/calls/").status_code == 200
    # Outside its scope: 403 with words, though its owner's pages reach applications.
    refused = api.get("/api/v1/applications/")
    assert refused.status_code == 403
    assert "令牌" in refused.json()["detail"]

    page.post(reverse("accounts:access_tokens"), {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/calls/").status_code == 401
    assert AuditEntry.objects.filter(verb="accounts.token.revoked", object_id=token.pk).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"action": "make", "name": "", "scopes": ["calls:read"], "days": "90"},
        {"action": "make", "name": "x", "scopes": [], "days": "90"},
        {"action": "make", "name": "x", "scopes": ["admin:all"], "days": "90"},
        {"action": "make", "name": "x", "scopes": ["calls:read"], "days": "100000"},
        {"action": "make", "name": "x" * 500, "scopes": ["calls:read"], "days": "30"},
    ],
)
def test_a_refused_token_form_says_why_and_makes_nothing(data):
    user = User.objects.get(username="lz_finance")
    page = Client()
    page.force_login(user)
    before = AccessToken.objects.count()
    response = page.post(reverse("accounts:access_tokens"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert AccessToken.objects.count() == before


def test_one_may_revoke_only_ones_own_token():
    owner = User.objects.get(username="lz_ce")
    token, secret = token_create(actor=owner, name="脚本", scopes=["calls:read"], days=30)
    intruder = Client()
    intruder.force_login(User.objects.get(username="lz_city"))
    response = intruder.post(
        reverse("accounts:access_tokens"), {"action": "revoke", "token": token.pk}
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/calls/").status_code == 200


def test_expired_revoked_unknown_and_malformed_tokens_answer_401_alike():
    owner = User.objects.get(username="sz_ce")
    expired, expired_secret = token_create(actor=owner, name="旧", scopes=["calls:read"], days=30)
    AccessToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, revoked_secret = token_create(actor=owner, name="撤", scopes=["calls:read"], days=30)
    token_revoke(actor=owner, token=revoked)
    inactive_owner = User.objects.get(username="sz_finance")
    _t, inactive_secret = token_create(
        actor=inactive_owner, name="离职", scopes=["calls:read"], days=30
    )
    User.objects.filter(pk=inactive_owner.pk).update(is_active=False)
    try:
        for header in (
            f"Bearer {expired_secret}",
            f"Bearer {revoked_secret}",
            f"Bearer {inactive_secret}",
            "Bearer ms_" + "x" * 43,
            "Bearer",
            "Bearer a b",
            "Bearer ms_\u00fc\u00e9",
            "Basic bHpfY2l0eTptaW5nc2hp",
        ):
            response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/calls/")
            assert response.status_code == 401, header
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
            assert response.json()["detail"]
    finally:
        User.objects.filter(pk=inactive_owner.pk).update(is_active=True)


def test_a_session_is_not_a_token():
    page = Client()
    page.force_login(User.objects.get(username="lz_city"))
    assert page.get("/api/v1/calls/").status_code == 401


# --- scope: the same as the pages -----------------------------------------------------------


def test_a_county_reviewer_reads_only_their_countys_applications_and_studios(api):
    reviewer = User.objects.get(username="lz_county")
    county = county_of(reviewer)
    client = api("lz_county")
    seen = all_ids(client, "/api/v1/applications/")
    assert seen, "the demo has applications in the county"
    assert set(Application.objects.filter(pk__in=seen).values_list("county", flat=True)) == {
        county.pk
    }
    for studio in Studio.objects.filter(pk__in=all_ids(client, "/api/v1/studios/")):
        assert studio.county_id == county.pk
    elsewhere = Application.objects.exclude(county=county).filter(call__bureau__city=county.city)
    other = elsewhere.exclude(status=ApplicationStatus.DRAFT).first()
    assert other is not None
    assert client.get(f"/api/v1/applications/{other.pk}/").status_code == 404
    other_studio = Studio.objects.exclude(county=county).first()
    for url in (
        "/api/v1/studios/{}/",
        "/api/v1/studios/{}/activities/",
        "/api/v1/studios/{}/compliance/",
    ):
        assert client.get(url.format(other_studio.pk)).status_code == 404


def test_a_bureau_never_reads_another_citys_objects(api):
    client = api("sz_city")
    suizhou = User.objects.get(username="sz_city").role_assignments.first().organisation.city
    for call in all_ids(client, "/api/v1/calls/"):
        assert Call.objects.get(pk=call).bureau.city == suizhou
    for studio in Studio.objects.filter(pk__in=all_ids(client, "/api/v1/studios/")):
        assert studio.school.city_id == suizhou.pk
    liuzhou_studio = Studio.objects.exclude(school__city=suizhou).first()
    assert client.get(f"/api/v1/studios/{liuzhou_studio.pk}/").status_code == 404
    activity = Activity.objects.filter(studio=liuzhou_studio).first()
    assert client.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    for allocation in client.get("/api/v1/allocations/").json()["results"]:
        assert Studio.objects.get(pk=allocation["studio"]).school.city_id == suizhou.pk
    # The money and its document, never the bank account.
    assert all(
        "account_number" not in row for row in client.get("/api/v1/allocations/").json()["results"]
    )


def test_an_applicant_reads_their_own_application_as_their_page_shows_it(api):
    teacher = User.objects.get(username="lz_teacher")
    client = api("lz_teacher")
    seen = all_ids(client, "/api/v1/applications/")
    assert seen == set(Application.objects.filter(applicant=teacher).values_list("pk", flat=True))
    own = Application.objects.filter(applicant=teacher).first()
    original = (own.status, own.call.status)
    try:
        Application.objects.filter(pk=own.pk).update(status=ApplicationStatus.SELECTED)
        Call.objects.filter(pk=own.call_id).update(status=CallStatus.CLOSED)
        shown = client.get(f"/api/v1/applications/{own.pk}/").json()
        # Selected by the bureau, not yet announced: the applicant still reads "under review".
        assert shown["status"] == ApplicationStatus.EXPERT_REVIEW
        assert own.pk not in ids(client.get("/api/v1/applications/?status=selected"))
        assert own.pk in ids(client.get("/api/v1/applications/?status=expert_review"))
        assert client.get(f"/api/v1/calls/{own.call_id}/results/").json() == {
            "announced": False,
            "selected": [],
        }
        # The bureau reads the real state.
        assert api("lz_city").get(f"/api/v1/applications/{own.pk}/").json()["status"] == "selected"
    finally:
        Application.objects.filter(pk=own.pk).update(status=original[0])
        Call.objects.filter(pk=own.call_id).update(status=original[1])
    # Personal fields stay on the pages.
    assert "phone" not in shown and "birth_month" not in shown and "plan" not in shown


def test_published_results_list_the_selected_applications(api):
    call = Call.objects.filter(status=CallStatus.PUBLISHED).first()
    body = (
        api("lz_teacher" if call.bureau.city.code == "liuzhou" else "sz_school")
        .get(f"/api/v1/calls/{call.pk}/results/")
        .json()
    )
    assert body["announced"] is True
    # Selected during the notice, founded as studios once published: the notice's list.
    listed = [ApplicationStatus.SELECTED, ApplicationStatus.PUBLISHED]
    selected = set(call.applications.filter(status__in=listed).values_list("pk", flat=True))
    assert {row["id"] for row in body["selected"]} == selected and selected
    assert not {row["id"] for row in body["selected"]} & set(
        call.applications.exclude(status__in=listed).values_list("pk", flat=True)
    )


def test_the_plaque_check_needs_no_token_and_says_what_the_page_says():
    studio = Studio.objects.filter(status=StudioStatus.ACTIVE).first()
    body = Client().get(f"/api/v1/plaques/{studio.verification_code}/").json()
    assert body["plaque_number"] == studio.plaque_number and body["state"] == "active"
    assert Client().get("/api/v1/plaques/not-a-code/").status_code == 404


# --- logging an activity --------------------------------------------------------------------


def _host_studio() -> Studio:
    host = User.objects.get(username="lz_p1")
    return Studio.objects.get(host=host)


def test_the_host_logs_an_activity_with_attendance_then_its_evidence(api):
    studio = _host_studio()
    client = api("lz_p1")
    members = list(studio.memberships.filter(end_date__isnull=True, role="member")[:2])
    # A kind the studio's quotas count, held today (inside every quota's current period).
    quota = studio.policy.activity_quotas.filter(per_member=False, in_paired_county=False).first()
    kind, held_on = quota.kinds[0], clock.today()
    quotas = client.get(f"/api/v1/studios/{studio.pk}/compliance/").json()
    counted_before = {q["quota"]: q["count"] for q in quotas}
    response = client.post(
        f"/api/v1/studios/{studio.pk}/activities/",
        {
            "kind": kind,
            "title": "小程序记录的专题研讨",
            "held_on": held_on.isoformat(),
            "place": "柳州高级中学",
            "attendance": [
                {"membership": members[0].pk, "status": "present"},
                {"membership": members[1].pk, "status": "leave", "leave_reason": "生病"},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    activity = Activity.objects.get(pk=response.json()["id"])
    assert (activity.title, activity.created_by.username) == ("小程序记录的专题研讨", "lz_p1")
    assert response.json()["present"] == 1
    assert dict(
        Attendance.objects.filter(activity=activity).values_list("membership", "status")
    ) == {
        members[0].pk: "present",
        members[1].pk: "leave",
    }
    assert AuditEntry.objects.filter(verb="studios.activity.logged", object_id=activity.pk).exists()

    photo = SimpleUploadedFile("现场.png", real_png(), content_type="image/png")
    added = client.post(
        f"/api/v1/activities/{activity.pk}/evidence/",
        {"kind": "photo", "title": "合影", "file": photo},
    )
    assert added.status_code == 201, added.content
    assert ActivityEvidence.objects.filter(activity=activity, kind="photo").count() == 1
    # A page disguised as a photo is refused by its content, and nothing is stored.
    disguised = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>", "image/png")
    refused = client.post(
        f"/api/v1/activities/{activity.pk}/evidence/", {"kind": "photo", "file": disguised}
    )
    assert refused.status_code == 400 and refused.json()["detail"]
    assert ActivityEvidence.objects.filter(activity=activity).count() == 1
    assert client.get(f"/api/v1/activities/{activity.pk}/").json()["evidence_files"] == 1
    # The compliance the pages show counts it, as it counts an activity logged on the form.
    quotas = client.get(f"/api/v1/studios/{studio.pk}/compliance/").json()
    assert {q["quota"]: q["count"] for q in quotas}[quota.code] == counted_before[quota.code] + 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"held_on": "2999-01-01"}, "detail"),
        ({"kind": "no_such_kind"}, "kind"),
        ({"title": ""}, "title"),
        ({"attendance": [{"membership": 999999, "status": "present"}]}, "detail"),
        ({"attendance": [{"membership": 1, "status": "maybe"}]}, "attendance"),
        ({"served_county": 999999}, "served_county"),
        ({"place": "", "online": False}, "detail"),
        ({"held_on": "not a date"}, "held_on"),
    ],
)
def test_a_refused_activity_says_why_and_logs_nothing(api, change, field):
    studio = _host_studio()
    data = {
        "kind": "thematic_seminar",
        "title": "被拒绝的活动",
        "held_on": (clock.today() - timedelta(days=1)).isoformat(),
        "place": "会议室",
        **change,
    }
    before = Activity.objects.count()
    response = api("lz_p1").post(
        f"/api/v1/studios/{studio.pk}/activities/", data, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Activity.objects.count() == before


def test_only_the_host_with_the_write_scope_logs_activities(api):
    studio = _host_studio()
    data = {
        "kind": "thematic_seminar",
        "title": "不该记下",
        "held_on": (clock.today() - timedelta(days=1)).isoformat(),
        "place": "会议室",
    }
    url = f"/api/v1/studios/{studio.pk}/activities/"
    before = Activity.objects.count()
    # The host's read-only token; the bureau, who reads the studio but does not run it; a
    # bureau of another city, who does not even see it.
    assert (
        api("lz_p1", read_only=True).post(url, data, content_type="application/json").status_code
        == 403
    )
    assert api("lz_city").post(url, data, content_type="application/json").status_code == 403
    assert api("sz_city").post(url, data, content_type="application/json").status_code == 404
    activity = Activity.objects.filter(studio=studio).first()
    photo = SimpleUploadedFile("p.png", real_png(), content_type="image/png")
    evidence_url = f"/api/v1/activities/{activity.pk}/evidence/"
    assert api("lz_city").post(evidence_url, {"kind": "photo", "file": photo}).status_code == 403
    assert Activity.objects.count() == before


# --- constant queries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/calls/",
        "/api/v1/applications/",
        "/api/v1/studios/",
        "/api/v1/allocations/",
        "/api/v1/assessments/",
        "/api/v1/studios/{studio}/activities/",
    ],
)
def test_a_list_costs_the_same_queries_for_a_short_page_and_a_long_one(api, url):
    studio = _host_studio()
    url = url.format(studio=studio.pk)
    client = api("lz_city")
    counts = []
    client.get(url)  # the token's first use of the day is noted (one write), not counted here
    for size in (1, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12


def test_the_schema_and_its_docs_are_served_from_our_own_files():
    schema = Client().get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/studios/{id}/activities/" in paths
    assert paths["/api/v1/studios/"]["get"]["responses"]["401"]
    docs = Client().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "//cdn" not in docs and "unpkg.com" not in docs and "jsdelivr" not in docs
    assert paths["/api/v1/plaques/{code}/"]["get"].get("security") in (None, [{}], [])
