"""The review queue and a call's list read their page in index order, whatever the rows.

PostgreSQL only: on a few thousand rows, after ANALYZE, the plan of the first page (and of the
bounded count) must walk one of the queue indexes of ``Application`` and never scan the table
and sort it. The timings at 100,000 rows live in ``bench/queues.py``.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from applications import selectors
from applications.models import Application, ApplicationStatus, Call, CallStatus
from policies.models import Policy

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plans are PostgreSQL's"
)

ROWS = 6000
STATUSES = [
    ApplicationStatus.AT_SCHOOL,
    ApplicationStatus.AT_COUNTY,
    ApplicationStatus.AT_CITY,
    ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.DRAFT,
]


def _many_applications(rows: int, county: str = "") -> Call:
    policy = Policy.objects.get(code="liuzhou-2024")
    bureau = Organisation.objects.get(city=policy.city, kind=OrganisationKind.MUNICIPAL_BUREAU)
    schools = Organisation.objects.filter(kind=OrganisationKind.SCHOOL).order_by("pk")
    schools = list(schools.filter(county__code=county) if county else schools)
    call = Call.objects.create(
        policy=policy,
        bureau=bureau,
        title="queue plans",
        studio_count=2,
        opens_on=date(2024, 6, 1),
        closes_on=date(2024, 7, 28),
        school_stages=list(policy.school_stages),
        status=CallStatus.OPEN,
    )
    users = User.objects.bulk_create(
        [User(username=f"plan-{i}", full_name=f"主持人{i}") for i in range(rows)]
    )
    start = timezone.now() - timedelta(days=30)
    Application.objects.bulk_create(
        [
            Application(
                call=call,
                applicant=user,
                school=(school := schools[i % len(schools)]),
                county=school.county,
                school_stage=(school.school_stages or ["primary"])[0],
                status=STATUSES[i % len(STATUSES)],
                host_name=user.full_name,
                submitted_at=start + timedelta(minutes=i),
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    # bulk_create stamps every row with the same updated_at; a real queue's rows differ.
    Application.objects.filter(call=call).update(updated_at=F("submitted_at"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have, on every table
    return call


def plan_of(queryset) -> str:
    return queryset.explain()


def assert_walks_index(plan: str, index: str) -> None:
    table = Application._meta.db_table
    assert index in plan, plan
    assert f"Seq Scan on {table}" not in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.mark.parametrize(
    ("username", "sort", "index"),
    [
        ("lz_county", "", "app_county_queue"),
        ("lz_county", "-updated", "app_county_queue"),
        ("lz_county", "submitted", "app_county_submitted"),
        ("lz_school", "", "app_school_queue"),
        ("lz_city", "", "app_status_queue"),
        ("lz_city", "submitted", "app_status_submitted"),
    ],
)
def test_a_queue_page_walks_its_index(demo, username, sort, index):
    _many_applications(ROWS)
    user = demo.user(username)
    queue = selectors.review_queue(user, sort=sort)
    assert queue[:26].count() > 0  # the plan is of a queue that has rows
    assert_walks_index(plan_of(queue[:26]), index)


def test_a_keyset_page_starts_at_its_cursor(demo):
    from core.pagination import keyset_q

    _many_applications(ROWS, county="liucheng")  # 1,200 rows in the reviewer's queue
    queue = selectors.review_queue(demo.user("lz_county"))
    cursor = list(queue[:100])[-1].pk
    plan = plan_of(queue.filter(keyset_q(queue, cursor, forward=True))[:26])
    assert_walks_index(plan, "app_county_queue")
    assert "Index Cond" in plan and "updated_at" in plan.split("Index Cond")[1], plan


def test_the_bounded_count_reads_the_index(demo):
    _many_applications(ROWS)
    queue = selectors.review_queue(demo.user("lz_county"))
    plan = plan_of(queue.order_by()[:1001])
    assert f"Seq Scan on {Application._meta.db_table}" not in plan, plan


def test_a_calls_list_walks_its_index(demo):
    call = _many_applications(ROWS)
    queryset = selectors.filter_applications(
        selectors.applications_for(demo.user("lz_city")), call=str(call.pk)
    )
    assert_walks_index(plan_of(queryset[:26]), "app_call_updated")
