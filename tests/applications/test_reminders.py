"""Reminders that chase reviewers: one digest per reviewer, once per deadline or waiting item."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Notification, Role, RoleAssignment, User
from accounts.scheduling import job_names, run_jobs
from applications import services, workflow
from applications.experts import experts_assign, scores_submit
from applications.models import Application, ApplicationStatus, Call, ExpertAssignment
from applications.services import ApplicationError
from policies.models import Policy

from .factories import CLOSES, advance, draft_call, open_call, submitted, teacher_at

pytestmark = pytest.mark.django_db
JOB = "applications.remind_reviewers"
DEADLINE_VERB = "applications.review.deadline_soon"
WAITING_VERB = "applications.review.waiting_long"
SCHOOL_ENDS, COUNTY_ENDS, EXPERT_ENDS = (
    CLOSES + timedelta(days=10),  # 2024-08-07
    CLOSES + timedelta(days=20),  # 2024-08-17
    CLOSES + timedelta(days=30),  # 2024-08-27
)


@pytest.fixture(autouse=True)
def defaults(demo, settings):
    """The settings' defaults, and a policy that gives none of its own (tests that check the
    policy's override set it)."""
    settings.MINGSHI_REMINDER_DAYS_BEFORE = 3
    settings.MINGSHI_REMINDER_WAITING_DAYS = 7
    Policy.objects.update(reminder_days_before=None, reminder_waiting_days=None)


def run(day: date) -> list[str]:
    [report] = run_jobs(today=day, only=[JOB])
    return report.lines


def digests(verb: str, username: str):
    return Notification.objects.filter(verb=verb, recipient__username=username).order_by("pk")


def arrived(application: Application, when: date) -> None:
    """Date the transition that brought the application to its current status (the job reads
    the arrival from the audit trail; the test fixes the day rather than reading the clock)."""
    moment = timezone.make_aware(datetime(when.year, when.month, when.day, 10, 0))
    AuditEntry.objects.filter(object_id=str(application.pk), to_state=application.status).update(
        created_at=moment
    )


@pytest.fixture
def call(demo) -> Call:
    return open_call(
        school_review_ends_on=SCHOOL_ENDS,
        county_review_ends_on=COUNTY_ENDS,
        expert_review_ends_on=EXPERT_ENDS,
    )


def at_school(call, n: int, school: str = "liucheng-sx", prefix: str = "t") -> list[Application]:
    return [submitted(call, teacher_at(school, f"{prefix}{school}{i}")) for i in range(n)]


def test_the_job_is_scheduled():
    assert JOB in job_names()


def test_each_reviewer_gets_one_digest_before_their_deadline_and_only_once(demo, call):
    mine = at_school(call, 3)  # 柳城县实验小学: lz_school reviews them
    for application in at_school(call, 2, school="liucheng-zx"):  # on to 柳城县: lz_county
        advance(application, to=ApplicationStatus.AT_COUNTY)
    luzhai = at_school(call, 1, school="luzhai-sx")  # waits at its school, not at 鹿寨县
    assert len(mine) == 3 and len(luzhai) == 1

    assert run(SCHOOL_ENDS - timedelta(days=4)) == []  # not yet in the reminder window
    lines = run(SCHOOL_ENDS - timedelta(days=3))
    assert len(lines) == 2  # lz_school and 鹿寨县实验小学's administrator
    [school] = digests(DEADLINE_VERB, "lz_school")
    assert school.title == "您有 3 份申报表待审核，学校审核截止日期为 2024年8月7日。"
    assert school.url == reverse("applications:review_queue") + f"?call={call.pk}"
    assert "申报通知：" in school.body and mine[0].host_name in school.body
    [luzhai_school] = digests(DEADLINE_VERB, "luzhai-sx_admin")
    assert luzhai_school.title.startswith("您有 1 份申报表待审核")
    # the counties' deadline is ten days later: nobody at a county is reminded yet
    assert not Notification.objects.filter(verb=DEADLINE_VERB, recipient__username="lz_county")

    for day in (SCHOOL_ENDS - timedelta(days=3), SCHOOL_ENDS - timedelta(days=1), SCHOOL_ENDS):
        assert run(day) == []  # same deadline: nothing new, whoever runs it again
    assert digests(DEADLINE_VERB, "lz_school").count() == 1
    assert not run(SCHOOL_ENDS + timedelta(days=1))  # past the deadline: no more chasing

    run(COUNTY_ENDS - timedelta(days=2))
    [county] = digests(DEADLINE_VERB, "lz_county")
    assert county.title == "您有 2 份申报表待审核，县区审核截止日期为 2024年8月17日。"
    # the reviewer of another county, with nothing at their county, gets nothing
    assert not Notification.objects.filter(
        verb__in=[DEADLINE_VERB, WAITING_VERB], recipient__username="lz_county_luzhai"
    )
    # what a job sent is on record
    assert AuditEntry.objects.filter(verb=f"{DEADLINE_VERB}.reminded").count() == 3


def test_the_link_opens_the_queue_with_exactly_the_counted_applications(demo, call, client):
    at_school(call, 3)
    at_school(call, 1, school="luzhai-sx")
    run(SCHOOL_ENDS)
    [school] = digests(DEADLINE_VERB, "lz_school")
    client.force_login(demo.user("lz_school"))
    response = client.get(school.url)
    assert response.status_code == 200
    assert response.context["paginator"].count == 3


def test_an_item_that_waited_is_reminded_once_per_arrival_at_a_level(demo):
    call = open_call()  # no deadlines: only the waiting reminder applies
    first = at_school(call, 2)
    for application in first:
        arrived(application, date(2024, 7, 10))
    assert run(date(2024, 7, 16)) == []  # six days
    assert len(run(date(2024, 7, 17))) == 1  # seven days: one digest for both
    [digest] = digests(WAITING_VERB, "lz_school")
    assert digest.title == "您有 2 份申报表已等待您审核 7 天以上。"
    assert digest.url == reverse("applications:review_queue") + f"?call={call.pk}"
    for day in (date(2024, 7, 17), date(2024, 7, 18), date(2024, 8, 30)):
        assert run(day) == []
    assert AuditEntry.objects.filter(verb=f"{WAITING_VERB}.reminded", comment="覃志强").count() == 2

    # a later arrival is reminded on its own day, the two earlier ones not again
    [later] = at_school(call, 1, prefix="later")
    arrived(later, date(2024, 7, 20))
    run(date(2024, 7, 27))
    assert [n.title for n in digests(WAITING_VERB, "lz_school")][1:] == [
        "您有 1 份申报表已等待您审核 7 天以上。"
    ]

    # returned and sent in again, it waits anew: a new occasion
    returned = workflow.return_for_revision(
        actor=demo.user("lz_school"), application=first[0], opinion="请补充材料。"
    )
    again = workflow.submit(actor=returned.applicant, application=returned, today=date(2024, 7, 25))
    arrived(again, date(2024, 8, 1))
    assert run(date(2024, 8, 7)) == []  # six days since it came back
    assert len(run(date(2024, 8, 8))) == 1
    assert run(date(2024, 8, 9)) == []
    assert digests(WAITING_VERB, "lz_school").count() == 3

    # at the city: the bureau is chased too, with the same queue's link
    [at_city] = at_school(call, 1, school="luzhai-sx", prefix="city")
    at_city = advance(at_city, to=ApplicationStatus.AT_CITY)
    arrived(at_city, date(2024, 8, 10))
    run(date(2024, 8, 17))
    [bureau] = digests(WAITING_VERB, "lz_city")
    assert bureau.title == "您有 1 份申报表已等待您审核 7 天以上。"
    assert not digests(WAITING_VERB, "lz_county_luzhai")  # it left 鹿寨县 after one day


def test_experts_are_reminded_only_of_what_they_have_not_scored(demo, call):
    first = advance(submitted(call, demo.user("lz_teacher")))
    second = advance(submitted(call, teacher_at("luzhai-sx", "t_luzhai")))
    expert = demo.user("lz_expert")
    done = User.objects.create_user("expert_done", full_name="已评专家")
    RoleAssignment.objects.create(user=done, role=Role.EXPERT, organisation=demo.org("lzjyj"))
    experts_assign(
        actor=demo.user("lz_city"),
        call=call,
        experts=[expert, done],
        applications=[first, second],
    )
    values = {c.pk: Decimal("20") for c in call.criteria.all()}
    for assignment in ExpertAssignment.objects.filter(expert=done):
        scores_submit(actor=done, assignment=assignment, values=values)
    scores_submit(
        actor=expert,
        assignment=ExpertAssignment.objects.get(expert=expert, application=first),
        values=values,
    )

    run(EXPERT_ENDS - timedelta(days=3))
    [digest] = digests(DEADLINE_VERB, "lz_expert")
    assert digest.title == "您有 1 份申报表待评分，专家评分截止日期为 2024年8月27日。"
    assert digest.url == reverse("applications:expert_queue") + "?state=assigned"
    assert not Notification.objects.filter(verb=DEADLINE_VERB, recipient=done)
    assert run(EXPERT_ENDS - timedelta(days=3)) == []

    ExpertAssignment.objects.filter(expert=expert).update(
        assigned_at=timezone.make_aware(datetime(2024, 8, 1, 9, 0))
    )
    run(date(2024, 8, 8))
    [waited] = digests(WAITING_VERB, "lz_expert")
    assert waited.title == "您有 1 份申报表已等待您评分 7 天以上。"
    assert not Notification.objects.filter(verb=WAITING_VERB, recipient=done)
    assert run(date(2024, 8, 9)) == []


def test_the_policys_values_override_the_settings(demo, call):
    Policy.objects.filter(pk=call.policy_id).update(reminder_days_before=5, reminder_waiting_days=2)
    [application] = at_school(call, 1)
    arrived(application, date(2024, 8, 1))
    assert run(SCHOOL_ENDS - timedelta(days=6)) == []  # 2024-08-01
    lines = run(SCHOOL_ENDS - timedelta(days=5))  # 2024-08-02: five days before
    assert len(lines) == 1 and digests(DEADLINE_VERB, "lz_school").count() == 1
    assert not digests(WAITING_VERB, "lz_school")  # one day only
    run(date(2024, 8, 3))
    [waited] = digests(WAITING_VERB, "lz_school")
    assert waited.title == "您有 1 份申报表已等待您审核 2 天以上。"


def test_other_cities_and_counties_hear_nothing(demo, call):
    for application in at_school(call, 2, school="liucheng-zx"):
        arrived(advance(application, to=ApplicationStatus.AT_COUNTY), date(2024, 7, 1))
    run(COUNTY_ENDS)
    reminders = Notification.objects.filter(verb__in=[DEADLINE_VERB, WAITING_VERB])
    assert {n.recipient.username for n in reminders} == {"lz_county"}
    assert reminders.count() == 2  # its deadline, and the two that waited: one digest each


# --- the call form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"school_review_ends_on": CLOSES}, "school_review_ends_on", "须晚于申报截止日期"),
        (
            {
                "school_review_ends_on": SCHOOL_ENDS,
                "county_review_ends_on": SCHOOL_ENDS - timedelta(1),
            },
            "county_review_ends_on",
            "不能早于学校审核截止日期（2024年8月7日）",
        ),
        (
            {"county_review_ends_on": COUNTY_ENDS, "expert_review_ends_on": SCHOOL_ENDS},
            "expert_review_ends_on",
            "不能早于县区审核截止日期（2024年8月17日）",
        ),
        (
            {"school_review_ends_on": SCHOOL_ENDS, "expert_review_ends_on": CLOSES + timedelta(1)},
            "expert_review_ends_on",
            "不能早于学校审核截止日期",
        ),
    ],
)
def test_review_deadlines_come_after_closing_and_in_order(demo, dates, field, message):
    with pytest.raises(ApplicationError) as refused:
        draft_call(**dates)
    assert field in refused.value.problems
    assert message in " ".join(refused.value.problems[field])
    assert not Call.objects.exists()


def test_the_bureau_sets_the_deadlines_on_the_call_form_and_the_call_page_shows_them(demo, client):
    call = draft_call()
    client.force_login(demo.user("lz_city"))
    url = reverse("applications:call_edit", args=[call.pk])
    form = client.get(url).context["form"]
    rubric = list(call.criteria.all())
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "school_stages"},
        "policy": call.policy_id,
        "school_stages": call.school_stages,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "criteria-TOTAL_FORMS": len(rubric),
        "criteria-INITIAL_FORMS": len(rubric),
        **{f"criteria-{i}-name": c.name for i, c in enumerate(rubric)},
        **{f"criteria-{i}-max_score": c.max_score for i, c in enumerate(rubric)},
        **{f"criteria-{i}-description": c.description for i, c in enumerate(rubric)},
    }
    bad = {**data, "school_review_ends_on": "2024-08-07", "county_review_ends_on": "2024-08-01"}
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "不能早于学校审核截止日期" in response.content.decode()
    call.refresh_from_db()
    assert call.school_review_ends_on is None and call.county_review_ends_on is None

    good = {**bad, "county_review_ends_on": "2024-08-17", "expert_review_ends_on": "2024-08-27"}
    assert client.post(url, good).status_code == 302
    call.refresh_from_db()
    assert (call.school_review_ends_on, call.county_review_ends_on, call.expert_review_ends_on) == (
        SCHOOL_ENDS,
        COUNTY_ENDS,
        EXPERT_ENDS,
    )
    page = client.get(call.get_absolute_url()).content.decode()
    for text in ("学校审核截止日期", "2024年8月7日", "县区审核截止日期", "专家评分截止日期"):
        assert text in page
    # a deadline may be left open again
    services.call_save(
        actor=demo.user("lz_city"), policy=call.policy, call=call, expert_review_ends_on=None
    )
    call.refresh_from_db()
    assert call.expert_review_ends_on is None and call.county_review_ends_on == COUNTY_ENDS
