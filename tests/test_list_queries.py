"""Every long list and the home page cost the same number of queries for 1 row as for 500.

Each case builds its rows with ``bulk_create`` (the rows a role sees in that list), renders the
page once with one row and once with 500, and asserts the same number of SQL queries. The
paginator's count is bounded (core.pagination), so the count query is part of the constant.
Wall-clock times are in ``bench/queues.py``.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Notification, Organisation, OrganisationKind, User
from applications.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    ExpertAssignment,
)
from policies.models import Policy, TeamRole
from studios.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Membership,
    MembershipSource,
    Output,
    Studio,
)

SERIAL = count()
TERM_START = date(2024, 9, 1)


def _policy() -> Policy:
    return Policy.objects.get(code="liuzhou-2024")


def _call(status=CallStatus.OPEN, title="list queries") -> Call:
    policy = _policy()
    return Call.objects.create(
        policy=policy,
        bureau=Organisation.objects.get(city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU),
        title=title,
        studio_count=2,
        opens_on=date(2024, 6, 1),
        closes_on=date(2024, 7, 28),
        school_stages=list(policy.school_stages),
        status=status,
    )


def _users(n: int, prefix: str = "row") -> list[User]:
    return User.objects.bulk_create(
        [User(username=f"{prefix}-{next(SERIAL)}", full_name=f"主持人{i}") for i in range(n)]
    )


def _applications(call: Call, n: int, status: str, school_code: str = "liucheng-sx") -> list:
    school = Organisation.objects.get(code=school_code, city__code="liuzhou")
    now = timezone.now()
    return Application.objects.bulk_create(
        [
            Application(
                call=call,
                applicant=user,
                school=school,
                county=school.county,
                school_stage=(school.school_stages or ["primary"])[0],
                status=status,
                host_name=user.full_name,
                submitted_at=now - timedelta(minutes=i),
            )
            for i, user in enumerate(_users(n))
        ]
    )


def _studios(n: int) -> list[Studio]:
    call = _call(CallStatus.PUBLISHED, title="studios")
    applications = _applications(call, n, ApplicationStatus.SELECTED)
    policy = call.policy
    return Studio.objects.bulk_create(
        [
            Studio(
                policy=policy,
                call=call,
                application=a,
                name=policy.studio_name(a.host_name),
                host=a.applicant,
                school=a.school,
                county=a.county,
                school_stage=a.school_stage,
                term_start=TERM_START,
                term_end=date(2027, 8, 31),
                plaque_number=f"lq-{next(SERIAL)}",
                published_on=TERM_START,
            )
            for a in applications
        ]
    )


@dataclass
class World:
    """What a case builds once (a call, a studio), then fills with rows."""

    call: Call | None = None
    studio: Studio | None = None
    membership: Membership | None = None


# --- the cases: (username, setup(demo) -> World, add(world, demo, n), url(world)) ----------------


def queue_rows(status, school="liucheng-sx"):
    def add(world, demo, n):
        _applications(world.call, n, status, school)

    return add


def with_call(status=CallStatus.OPEN):
    def setup(demo):
        return World(call=_call(status))

    return setup


def add_calls_with_my_application(world, demo, n):
    teacher = demo.user("lz_teacher")
    school = demo.org("liucheng-sx")
    calls = Call.objects.bulk_create(
        [
            Call(
                policy=_policy(),
                bureau=world.call.bureau,
                title=f"call {i}",
                studio_count=2,
                opens_on=date(2024, 6, 1),
                closes_on=date(2024, 7, 28),
                school_stages=list(_policy().school_stages),
                status=CallStatus.OPEN,
            )
            for i in range(n)
        ]
    )
    Application.objects.bulk_create(
        [
            Application(
                call=c,
                applicant=teacher,
                school=school,
                county=school.county,
                school_stage="primary",
                status=ApplicationStatus.AT_SCHOOL,
                host_name="韦丽华",
            )
            for c in calls
        ]
    )


def add_assignments(world, demo, n):
    expert = demo.user("lz_expert")
    applications = _applications(world.call, n, ApplicationStatus.EXPERT_REVIEW)
    ExpertAssignment.objects.bulk_create(
        [ExpertAssignment(application=a, expert=expert) for a in applications]
    )


def add_notifications(username):
    def add(world, demo, n):
        user = demo.user(username)
        Notification.objects.bulk_create(
            [Notification(recipient=user, verb="test", title=f"通知{i}", url="/") for i in range(n)]
        )

    return add


def add_audit_entries(world, demo, n):
    bureau = world.call.bureau
    actor = demo.user("lz_city")
    kind = ContentType.objects.get_for_model(Call)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                verb="applications.call.saved",
                content_type=kind,
                object_id=str(world.call.pk),
                object_repr=str(world.call),
                organisation=bureau,
            )
            for _ in range(n)
        ]
    )


def add_schools(world, demo, n):
    county = demo.org("liucheng")
    Organisation.objects.bulk_create(
        [
            Organisation(
                city=county.city,
                kind=OrganisationKind.SCHOOL,
                code=f"lq-school-{next(SERIAL)}",
                name=f"学校{next(SERIAL)}",
                parent=county,
                county=county,
                school_stages=["primary"],
            )
            for i in range(n)
        ]
    )


def add_studios(world, demo, n):
    _studios(n)


def one_studio(demo):
    studio = _studios(1)[0]
    member = Membership.objects.create(
        studio=studio,
        role=TeamRole.MEMBER,
        user=demo.user("lz_teacher"),
        name="韦丽华",
        source=MembershipSource.APPLICATION,
        start_date=TERM_START,
    )
    Membership.objects.create(
        studio=studio,
        role=TeamRole.HOST,
        user=studio.host,
        name=studio.host.full_name,
        source=MembershipSource.APPLICATION,
        start_date=TERM_START,
    )
    return World(studio=studio, membership=member)


def add_activities(world, demo, n, kind="thematic_seminar"):
    return Activity.objects.bulk_create(
        [
            Activity(
                studio=world.studio,
                kind=kind,
                title=f"活动{i}",
                held_on=date(2025, 3, 1) - timedelta(days=i % 150),
            )
            for i in range(n)
        ]
    )


def add_attendance(world, demo, n):
    activities = add_activities(world, demo, n)
    Attendance.objects.bulk_create(
        [
            Attendance(activity=a, membership=world.membership, status=AttendanceStatus.PRESENT)
            for a in activities
        ]
    )


def add_outputs(shared=False):
    def add(world, demo, n):
        Output.objects.bulk_create(
            [
                Output(
                    studio=world.studio,
                    kind="paper",
                    title=f"成果{i}",
                    produced_on=date(2025, 3, 1) - timedelta(days=i % 150),
                    shared=shared,
                )
                for i in range(n)
            ]
        )

    return add


def empty(demo):
    return World(call=_call())


LISTS = {
    "review queue (school)": (
        "lz_school",
        with_call(),
        queue_rows(ApplicationStatus.AT_SCHOOL),
        lambda w: reverse("applications:review_queue"),
    ),
    "review queue (county)": (
        "lz_county",
        with_call(),
        queue_rows(ApplicationStatus.AT_COUNTY),
        lambda w: reverse("applications:review_queue"),
    ),
    "review queue (county, by submission)": (
        "lz_county",
        with_call(),
        queue_rows(ApplicationStatus.AT_COUNTY),
        lambda w: reverse("applications:review_queue") + "?sort=submitted",
    ),
    "review queue (city)": (
        "lz_city",
        with_call(),
        queue_rows(ApplicationStatus.AT_CITY),
        lambda w: reverse("applications:review_queue"),
    ),
    "a call's applications (city)": (
        "lz_city",
        with_call(),
        queue_rows(ApplicationStatus.AT_CITY),
        lambda w: reverse("applications:call_applications", args=[w.call.pk]),
    ),
    "a call's applications (auditor)": (
        "lz_auditor",
        with_call(),
        queue_rows(ApplicationStatus.AT_COUNTY),
        lambda w: reverse("applications:call_applications", args=[w.call.pk]),
    ),
    "calls and my applications (teacher)": (
        "lz_teacher",
        with_call(),
        add_calls_with_my_application,
        lambda w: reverse("applications:call_list"),
    ),
    "calls (city)": (
        "lz_city",
        with_call(),
        add_calls_with_my_application,
        lambda w: reverse("applications:call_list"),
    ),
    "expert assignments (city)": (
        "lz_city",
        with_call(CallStatus.CLOSED),
        queue_rows(ApplicationStatus.EXPERT_REVIEW),
        lambda w: reverse("applications:call_experts", args=[w.call.pk]),
    ),
    "expert queue (expert)": (
        "lz_expert",
        with_call(CallStatus.CLOSED),
        add_assignments,
        lambda w: reverse("applications:expert_queue"),
    ),
    "inbox": (
        "lz_teacher",
        empty,
        add_notifications("lz_teacher"),
        lambda w: reverse("accounts:inbox"),
    ),
    "audit trail (city)": (
        "lz_city",
        empty,
        add_audit_entries,
        lambda w: reverse("accounts:audit_trail"),
    ),
    "organisations (city)": (
        "lz_city",
        empty,
        add_schools,
        lambda w: reverse("accounts:organisation_list"),
    ),
    "a county's schools (county)": (
        "lz_county",
        empty,
        add_schools,
        lambda w: reverse(
            "accounts:organisation_detail",
            args=[Organisation.objects.get(code="liucheng", city__code="liuzhou").pk],
        ),
    ),
    "studio directory": (
        "lz_teacher",
        empty,
        add_studios,
        lambda w: reverse("studios:studio_directory"),
    ),
    "compliance grid (city)": (
        "lz_city",
        empty,
        add_studios,
        lambda w: reverse("studios:compliance_grid"),
    ),
    "activities (host)": (
        "host",
        one_studio,
        add_activities,
        lambda w: reverse("studios:activity_list", args=[w.studio.pk]),
    ),
    "my attendance (member)": (
        "lz_teacher",
        one_studio,
        add_attendance,
        lambda w: reverse("studios:my_attendance"),
    ),
    "a studio's outputs (host)": (
        "host",
        one_studio,
        add_outputs(),
        lambda w: reverse("studios:studio_outputs", args=[w.studio.pk]),
    ),
    "shared resources (teacher)": (
        "lz_teacher",
        one_studio,
        add_outputs(shared=True),
        lambda w: reverse("studios:resources"),
    ),
}


def _user_for(username: str, world: World, demo) -> User:
    if username == "host":
        return world.studio.host
    return demo.user(username)


def _queries(client, url: str) -> int:
    client.get(url)  # caches that fill once (content types, the site) are not the list's cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize("case", list(LISTS))
def test_a_list_costs_the_same_queries_for_1_and_500_rows(demo, client, case):
    username, setup, add, url_of = LISTS[case]
    world = setup(demo)
    client.force_login(_user_for(username, world, demo))
    url = url_of(world)
    add(world, demo, 1)
    one = _queries(client, url)
    add(world, demo, 499)
    many = _queries(client, url)
    assert many == one, f"{case}: {one} queries for 1 row, {many} for 500"


# --- the home page -----------------------------------------------------------------------------

HOME_ROWS = {
    # What each role's home page counts or lists: the applications waiting in its scope, its
    # notifications; the host: its studio's activities and its members' attendance.
    "lz_teacher": ApplicationStatus.AT_SCHOOL,
    "lz_school": ApplicationStatus.AT_SCHOOL,
    "lz_county": ApplicationStatus.AT_COUNTY,
    "lz_city": ApplicationStatus.AT_CITY,
    "lz_expert": ApplicationStatus.EXPERT_REVIEW,
    "lz_auditor": ApplicationStatus.AT_CITY,
    "lz_ce": ApplicationStatus.EXPERT_REVIEW,
    "host": ApplicationStatus.AT_SCHOOL,
}


HOME_MAX_QUERIES = 13


def _fill_home(world: World, demo, username: str, n: int) -> None:
    user = _user_for(username, world, demo)
    applications = _applications(world.call, n, HOME_ROWS[username])
    if username == "lz_expert":
        ExpertAssignment.objects.bulk_create(
            [ExpertAssignment(application=a, expert=user) for a in applications]
        )
    Notification.objects.bulk_create(
        [Notification(recipient=user, verb="test", title=f"通知{i}") for i in range(n)]
    )
    if username == "host":
        add_attendance(world, demo, n)


@pytest.mark.parametrize("username", list(HOME_ROWS))
def test_the_home_page_costs_the_same_queries_for_1_and_500_rows(demo, client, username):
    world = one_studio(demo)
    world.call = _call()
    client.force_login(_user_for(username, world, demo))
    url = reverse("accounts:home")
    _fill_home(world, demo, username, 1)
    one = _queries(client, url)
    _fill_home(world, demo, username, 499)
    many = _queries(client, url)
    assert many == one, f"home of {username}: {one} queries for 1 row, {many} for 500"
    # Panels with nothing to say cost no query (their preconditions read the memoised roles and
    # memberships): 9–13 queries a role, with the session, the user and the inbox badge.
    assert many <= HOME_MAX_QUERIES, f"home of {username}: {many} queries"
