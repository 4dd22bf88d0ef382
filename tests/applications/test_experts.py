"""Expert review: assignment and conflicts of interest, scoring, the ranking, the selection."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEntry, Notification, Role, RoleAssignment, User
from accounts.permissions import can
from applications.experts import (
    aggregate,
    expert_conflicts,
    expert_declare_conflict,
    experts_assign,
    ranking,
    scores_submit,
    selection_save,
)
from applications.models import (
    Application,
    ApplicationStatus,
    Call,
    ExpertAssignment,
    ExpertConflict,
    Score,
)
from applications.services import ApplicationError

from .factories import advance, open_call, submitted, teacher_at

State = ExpertAssignment.State


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_expert(demo, username: str) -> User:
    user = User.objects.create_user(username, full_name=f"{username}专家", language="en")
    RoleAssignment.objects.create(user=user, role=Role.EXPERT, organisation=demo.org("lzjyj"))
    return user


def login(client, user: User):
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.fixture
def call(demo) -> Call:
    return open_call()


@pytest.fixture
def liucheng_app(demo, call) -> Application:
    """lz_teacher's application, from 柳城县实验小学 (柳城县), in expert review."""
    return advance(submitted(call, demo.user("lz_teacher")))


@pytest.fixture
def luzhai_app(demo, call) -> Application:
    return advance(submitted(call, teacher_at("luzhai-sx", "t_luzhai")))


def values_for(call: Call, *numbers) -> dict:
    return {c.pk: Decimal(str(n)) for c, n in zip(call.criteria.all(), numbers, strict=True)}


def assign(demo, call, experts, applications):
    created, skipped = experts_assign(
        actor=demo.user("lz_city"), call=call, experts=experts, applications=applications
    )
    return created, skipped


# --- conflicts of interest and assignment ---------------------------------------------------


def test_conflicts_detected_from_data_are_skipped_with_the_reason(demo, call, liucheng_app):
    clean = demo.user("lz_expert")
    same_county = make_expert(demo, "expert_teacher")  # also teaches at 柳城县中学
    RoleAssignment.objects.create(
        user=same_county, role=Role.TEACHER, organisation=demo.org("liucheng-zx")
    )
    same_school = make_expert(demo, "expert_admin")  # also runs 柳城县实验小学
    RoleAssignment.objects.create(
        user=same_school, role=Role.SCHOOL_ADMIN, organisation=demo.org("liucheng-sx")
    )
    county_bureau = make_expert(demo, "expert_auditor")  # audits 柳城县's bureau
    RoleAssignment.objects.create(
        user=county_bureau, role=Role.AUDITOR, organisation=demo.org("liucheng")
    )
    elsewhere = make_expert(demo, "expert_luzhai")  # teaches in 鹿寨县: no conflict
    RoleAssignment.objects.create(
        user=elsewhere, role=Role.TEACHER, organisation=demo.org("luzhai-sx")
    )

    reasons = expert_conflicts(same_county, liucheng_app)
    assert len(reasons) == 1 and "柳城县中学" in reasons[0] and "柳城县" in reasons[0]
    assert "柳城县实验小学" in expert_conflicts(same_school, liucheng_app)[0]
    assert "county bureau" in expert_conflicts(county_bureau, liucheng_app)[0]
    assert expert_conflicts(clean, liucheng_app) == []
    assert expert_conflicts(elsewhere, liucheng_app) == []

    created, skipped = assign(
        demo, call, [clean, same_county, same_school, county_bureau, elsewhere], [liucheng_app]
    )
    assert {a.expert for a in created} == {clean, elsewhere}
    why = {s.expert: s.reason for s in skipped}
    assert set(why) == {same_county, same_school, county_bureau}
    assert "conflict of interest" in why[same_county] and "柳城县中学" in why[same_county]
    assert "柳城县实验小学" in why[same_school]
    assert not ExpertAssignment.objects.filter(
        expert__in=[same_county, same_school, county_bureau]
    ).exists()
    audited = AuditEntry.objects.filter(
        verb="applications.expert.assigned", object_id__in=[str(a.pk) for a in created]
    )
    assert audited.count() == 2


def test_bulk_assignment_tells_each_expert_once_and_skips_existing(
    demo, call, liucheng_app, luzhai_app
):
    expert = demo.user("lz_expert")
    created, skipped = assign(demo, call, [expert], [liucheng_app, luzhai_app])
    assert len(created) == 2 and skipped == []
    notes = Notification.objects.filter(
        recipient=expert, verb="applications.expert.assigned", object_id=str(call.pk)
    )
    assert notes.count() == 1
    assert "2" in notes.get().title

    created, skipped = assign(demo, call, [expert], [liucheng_app, luzhai_app])
    assert created == []
    assert [s.reason for s in skipped] == ["already assigned."] * 2
    assert notes.count() == 1


def test_only_expert_review_applications_of_the_call(demo, call, liucheng_app):
    draft_teacher = teacher_at("luzhai-sx", "t_draft")
    waiting = submitted(call, draft_teacher)  # still at the school
    created, skipped = assign(demo, call, [demo.user("lz_expert")], [liucheng_app, waiting])
    assert [a.application for a in created] == [liucheng_app]
    assert skipped[0].application == waiting and "not in expert review" in skipped[0].reason


def test_experts_of_another_city_cannot_be_assigned(demo, call, liucheng_app, client):
    sz_expert = demo.user("sz_expert")
    created, skipped = assign(demo, call, [sz_expert], [liucheng_app])
    assert created == []
    assert skipped[0].expert == sz_expert and "not an expert of" in skipped[0].reason
    assert not ExpertAssignment.objects.filter(application__call=call).exists()

    login(client, demo.user("lz_city"))
    response = client.post(
        reverse("applications:call_experts", args=[call.pk]),
        {"experts": [sz_expert.pk], "applications": [liucheng_app.pk]},
    )
    assert response.status_code == 400
    assert not ExpertAssignment.objects.filter(application__call=call).exists()


def test_only_the_bureau_assigns(demo, call, liucheng_app):
    with pytest.raises(ApplicationError):
        experts_assign(
            actor=demo.user("lz_county"),
            call=call,
            experts=[demo.user("lz_expert")],
            applications=[liucheng_app],
        )


def test_declared_conflicts(demo, call, liucheng_app, luzhai_app):
    expert = demo.user("lz_expert")
    ExpertConflict.objects.create(
        expert=expert, organisation=demo.org("liucheng"), reason="我曾在柳城县教育局任职"
    )
    created, skipped = assign(demo, call, [expert], [liucheng_app, luzhai_app])
    assert [a.application for a in created] == [luzhai_app]
    assert "Declared a conflict" in skipped[0].reason and "柳城县" in skipped[0].reason

    # declared on an assignment: it is declined, the bureau is told, the school remembered
    assignment = created[0]
    expert_declare_conflict(
        actor=expert, assignment=assignment, reason="申报人是我的亲属", always=True
    )
    assignment.refresh_from_db()
    assert assignment.state == State.CONFLICT
    assert ExpertConflict.objects.filter(expert=expert, organisation=demo.org("luzhai-sx"))
    assert Notification.objects.filter(
        recipient=demo.user("lz_city"),
        verb="applications.expert.conflict",
        object_id=str(luzhai_app.pk),
    ).exists()
    assert AuditEntry.objects.filter(
        verb="applications.expert.conflict",
        object_id=str(assignment.pk),
        from_state="assigned",
        to_state="conflict",
    ).exists()
    # the declined assignment hides the application from the expert and cannot be scored
    assert not can(expert, "applications.view_application", luzhai_app)
    with pytest.raises(ApplicationError, match="conflict of interest"):
        scores_submit(actor=expert, assignment=assignment, values=values_for(call, 20, 20, 20))
    _created, skipped = assign(demo, call, [expert], [luzhai_app])
    assert "already declined" in skipped[0].reason


def test_declaring_needs_a_reason_and_the_own_assignment(demo, call, luzhai_app):
    (assignment,), _ = assign(demo, call, [demo.user("lz_expert")], [luzhai_app])
    with pytest.raises(ApplicationError):
        expert_declare_conflict(actor=demo.user("lz_expert"), assignment=assignment, reason=" ")
    other = make_expert(demo, "other_expert")
    with pytest.raises(ApplicationError, match="not assigned to you"):
        expert_declare_conflict(actor=other, assignment=assignment, reason="x")
    assignment.refresh_from_db()
    assert assignment.state == State.ASSIGNED


# --- scoring --------------------------------------------------------------------------------


def test_scores_out_of_range_or_missing_are_rejected(demo, call, luzhai_app):
    expert = demo.user("lz_expert")
    (assignment,), _ = assign(demo, call, [expert], [luzhai_app])
    first, second, third = call.criteria.all()

    with pytest.raises(ApplicationError) as exc:
        scores_submit(
            actor=expert,
            assignment=assignment,
            values={first.pk: Decimal("31"), second.pk: Decimal("-1"), third.pk: "12.25"},
        )
    problems = exc.value.problems
    assert "between 0 and 30" in problems[f"criterion_{first.pk}"][0]
    assert "between 0 and 40" in problems[f"criterion_{second.pk}"][0]
    assert "one decimal" in problems[f"criterion_{third.pk}"][0]

    with pytest.raises(ApplicationError) as exc:
        scores_submit(actor=expert, assignment=assignment, values={first.pk: Decimal("20")})
    assert "required" in exc.value.problems[f"criterion_{second.pk}"][0]
    assert "required" in exc.value.problems[f"criterion_{third.pk}"][0]

    with pytest.raises(ApplicationError) as exc:
        scores_submit(
            actor=expert, assignment=assignment, values={**values_for(call, 1, 2, 3), 99999: 1}
        )
    assert exc.value.problems["__all__"]

    assert not Score.objects.filter(assignment__application__call=call).exists()
    assignment.refresh_from_db()
    assert assignment.state == State.ASSIGNED


def test_scoring_page_shows_the_problems(demo, call, luzhai_app, client):
    expert = demo.user("lz_expert")
    (assignment,), _ = assign(demo, call, [expert], [luzhai_app])
    first, second, third = call.criteria.all()
    login(client, expert)
    url = reverse("applications:assignment_score", args=[assignment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'max="30.0"' in response.content.decode()
    response = client.post(
        url,
        {"action": "score", f"criterion_{first.pk}": "35", f"criterion_{second.pk}": "20"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "between 0 and 30.0" in page
    assert f'data-error-for="criterion_{third.pk}"' in page
    assert not Score.objects.filter(assignment__application__call=call).exists()

    response = client.post(
        url,
        {
            "action": "score",
            f"criterion_{first.pk}": "25.5",
            f"criterion_{second.pk}": "30",
            f"criterion_{third.pk}": "20",
            "comment": "规划清晰。",
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.state == State.SUBMITTED and assignment.submitted_at is not None
    assert assignment.comment == "规划清晰。"
    assert sorted(assignment.scores.values_list("value", flat=True)) == [
        Decimal("20.0"),
        Decimal("25.5"),
        Decimal("30.0"),
    ]


def test_the_call_still_saves_once_experts_scored_but_its_rubric_stays(
    demo, call, luzhai_app, client
):
    """Saving an open call whose rubric had scores answered 500: the save deleted the rubric's
    lines and their scores protect them. The same rubric now saves; a changed one is refused
    with a message and nothing changes."""
    expert = demo.user("lz_expert")
    (assignment,), _ = assign(demo, call, [expert], [luzhai_app])
    scores_submit(actor=expert, assignment=assignment, values=values_for(call, 20, 30, 25))
    login(client, demo.user("lz_city"))
    form = client.get(reverse("applications:call_edit", args=[call.pk])).context["form"]
    rubric = list(call.criteria.all())
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "school_stages"},
        "policy": call.policy_id,
        "school_stages": call.school_stages,
        "title": "改过的标题",
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "criteria-TOTAL_FORMS": len(rubric),
        "criteria-INITIAL_FORMS": len(rubric),
        **{f"criteria-{i}-name": c.name for i, c in enumerate(rubric)},
        **{f"criteria-{i}-max_score": c.max_score for i, c in enumerate(rubric)},
        **{f"criteria-{i}-description": c.description for i, c in enumerate(rubric)},
    }
    assert client.post(reverse("applications:call_edit", args=[call.pk]), data).status_code == 302
    call.refresh_from_db()
    assert call.title == "改过的标题" and list(call.criteria.all()) == rubric
    response = client.post(
        reverse("applications:call_edit", args=[call.pk]),
        {**data, "title": "再改", "criteria-0-max_score": "50"},
    )
    assert response.status_code == 400
    assert "can no longer change" in response.content.decode()
    call.refresh_from_db()
    assert call.title == "改过的标题" and [c.max_score for c in call.criteria.all()] == [
        c.max_score for c in rubric
    ]


def test_double_submission_is_refused(demo, call, luzhai_app):
    expert = demo.user("lz_expert")
    (assignment,), _ = assign(demo, call, [expert], [luzhai_app])
    scores_submit(actor=expert, assignment=assignment, values=values_for(call, 20, 30, 25))
    with pytest.raises(ApplicationError, match="already submitted"):
        # a stale copy of the assignment, as a second click would hold
        scores_submit(actor=expert, assignment=assignment, values=values_for(call, 30, 40, 30))
    assert assignment.scores.count() == 3
    assert sum(assignment.scores.values_list("value", flat=True)) == Decimal("75")
    scored = AuditEntry.objects.filter(
        verb="applications.expert.scored", object_id=str(assignment.pk)
    )
    assert scored.count() == 1
    # the last expert in: the bureau hears that the application is fully scored
    assert Notification.objects.filter(
        recipient=demo.user("lz_city"),
        verb="applications.expert.scoring_complete",
        object_id=str(luzhai_app.pk),
    ).exists()


def test_only_the_own_assignments_and_scores_after_submitting(demo, call, luzhai_app, client):
    expert = demo.user("lz_expert")
    colleague = make_expert(demo, "colleague")
    created, _ = assign(demo, call, [expert, colleague], [luzhai_app])
    mine = next(a for a in created if a.expert == expert)
    theirs = next(a for a in created if a.expert == colleague)
    scores_submit(
        actor=colleague,
        assignment=theirs,
        values=values_for(call, 17.5, 33, 22),
        comment="COLLEAGUE-REMARK",
    )

    # the expert's queue lists only their own assignment
    login(client, expert)
    response = client.get(reverse("applications:expert_queue"))
    assert response.status_code == 200
    listed = list(response.context["assignments"])
    assert mine in listed and theirs not in listed
    assert {a.expert_id for a in listed} == {expert.pk}

    # someone else's assignment is not found
    assert client.get(reverse("applications:assignment_score", args=[theirs.pk])).status_code == 404
    login(client, demo.user("lz_city"))
    assert client.get(reverse("applications:assignment_score", args=[mine.pk])).status_code == 404

    # before submitting: no other expert's scores, on the page or by the rule
    login(client, expert)
    assert not can(expert, "applications.view_scores", luzhai_app)
    page = client.get(reverse("applications:assignment_score", args=[mine.pk])).content.decode()
    assert "COLLEAGUE-REMARK" not in page and "17.5" not in page

    client.post(
        reverse("applications:assignment_score", args=[mine.pk]),
        {
            "action": "score",
            **{f"criterion_{pk}": str(v) for pk, v in values_for(call, 20, 30, 25).items()},
        },
    )
    assert can(expert, "applications.view_scores", luzhai_app)
    page = client.get(reverse("applications:assignment_score", args=[mine.pk])).content.decode()
    assert "COLLEAGUE-REMARK" in page and "17.5" in page and "72.5" in page
    # the bureau always may; the teacher never
    assert can(demo.user("lz_city"), "applications.view_scores", luzhai_app)
    assert not can(demo.user("t_luzhai"), "applications.view_scores", luzhai_app)
    assert can(expert, "applications.view_assignment", mine)
    assert not can(colleague, "applications.view_assignment", mine)
    assert not can(demo.user("sz_expert"), "applications.view_assignment", mine)


def test_the_queue_is_for_experts(demo, client):
    login(client, demo.user("lz_teacher"))
    assert client.get(reverse("applications:expert_queue")).status_code == 403
    login(client, demo.user("sz_expert"))
    response = client.get(reverse("applications:expert_queue"))
    assert response.status_code == 200
    listed = list(response.context["assignments"])
    assert all(a.expert_id == demo.user("sz_expert").pk for a in listed)


# --- ranking --------------------------------------------------------------------------------


def scored_application(call: Call, school_code: str, experts, sheets, demo, name: str):
    """An application in expert review with submitted scores, written straight to the tables
    (the services are exercised elsewhere; this is bulk data for the ranking)."""
    school = demo.org(school_code)
    applicant = User.objects.create_user(f"applicant_{name}", full_name=name)
    application = Application.objects.create(
        call=call,
        applicant=applicant,
        school=school,
        county=school.county,
        school_stage=school.school_stages[0],
        status=ApplicationStatus.EXPERT_REVIEW,
        host_name=name,
    )
    criteria = list(call.criteria.all())
    for expert, numbers in zip(experts, sheets, strict=False):
        assignment = ExpertAssignment.objects.create(
            application=application,
            expert=expert,
            state=State.SUBMITTED,
            submitted_at=timezone.now(),
        )
        Score.objects.bulk_create(
            Score(assignment=assignment, criterion=c, value=Decimal(str(n)))
            for c, n in zip(criteria, numbers, strict=True)
        )
    return application


@pytest.fixture
def panel(demo):
    return [demo.user("lz_expert"), make_expert(demo, "expert_b"), make_expert(demo, "expert_c")]


def test_aggregate():
    numbers = [Decimal(90), Decimal(80), Decimal(40)]
    assert aggregate(numbers, "mean") == (Decimal(70), False)
    assert aggregate(numbers, "trimmed_mean") == (Decimal(80), True)
    assert aggregate(numbers[:2], "trimmed_mean") == (Decimal(85), False)
    assert aggregate([], "mean") == (None, False)


def test_ranking_mean_and_trimmed_mean(demo, call, panel):
    # totals 90, 80, 40 → mean 70, trimmed 80
    top = scored_application(
        call, "luzhai-sx", panel, [(27, 36, 27), (24, 32, 24), (12, 16, 12)], demo, "甲"
    )
    # two experts only: 75 and 65
    pair = scored_application(call, "rongan-sx", panel, [(20, 30, 25), (15, 30, 20)], demo, "乙")
    unscored = scored_application(call, "sanjiang-gy", [], [], demo, "丙")
    ExpertAssignment.objects.create(application=unscored, expert=panel[0])

    rows = ranking(call)
    # a tie at 70 (the pair's 75 and 65 against 90, 80, 40): by name, the same rank
    assert [r.application for r in rows] == [pair, top, unscored]
    by_app = {r.application: r for r in rows}
    first = by_app[top]
    assert first.total == Decimal(70)
    assert [c.value for c in first.criteria] == [Decimal(21), Decimal(28), Decimal(21)]
    assert first.spread == Decimal(50) and first.count == 3 and not first.trimmed
    assert by_app[pair].total == Decimal(70) and by_app[pair].spread == Decimal(10)
    assert by_app[unscored].total is None and by_app[unscored].count == 0
    assert by_app[unscored].pending == 1 and by_app[unscored].rank is None
    assert by_app[pair].rank == by_app[top].rank == 1  # a tie shares the rank

    Call.objects.filter(pk=call.pk).update(score_aggregation="trimmed_mean")
    call.refresh_from_db()
    rows = ranking(call)
    by_app = {r.application: r for r in rows}
    assert [r.application for r in rows] == [top, pair, unscored]
    first = by_app[top]
    assert first.total == Decimal(80) and first.trimmed
    assert [c.value for c in first.criteria] == [Decimal(24), Decimal(32), Decimal(24)]
    assert first.spread == Decimal(50) and first.count == 3
    assert first.rank == 1 and by_app[pair].rank == 2
    # fewer than three scores: the plain mean, and the row says so
    assert by_app[pair].total == Decimal(70) and not by_app[pair].trimmed
    assert by_app[pair].mean_instead_of_trimmed and not first.mean_instead_of_trimmed


def test_ranking_page_runs_a_constant_number_of_queries(
    demo, call, panel, client, django_assert_max_num_queries
):
    sheets = [(25, 30, 20), (20, 35, 25), (15, 25, 30)]
    schools = ["luzhai-sx", "rongan-sx", "sanjiang-gy"]
    for i, code in enumerate(schools):
        scored_application(call, code, panel, sheets, demo, f"小{i}")
    login(client, demo.user("lz_city"))
    url = reverse("applications:call_ranking", args=[call.pk])
    assert client.get(url).status_code == 200  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["ranked"]) == 3

    for i in range(9):
        scored_application(call, schools[i % 3], panel, sheets, demo, f"大{i}")
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["ranked"]) == 12
    assert response.content.decode().count('name="selected"') == 12
    assert response.content.decode().count(" checked") == call.studio_count


def test_the_ranking_is_for_the_bureau(demo, call, client):
    login(client, demo.user("lz_expert"))
    assert client.get(reverse("applications:call_ranking", args=[call.pk])).status_code == 403
    assert client.get(reverse("applications:call_experts", args=[call.pk])).status_code == 403
    login(client, demo.user("sz_city"))
    assert client.get(reverse("applications:call_ranking", args=[call.pk])).status_code == 404
    assert client.get(reverse("applications:call_experts", args=[call.pk])).status_code == 404


# --- selection ------------------------------------------------------------------------------


def test_selection_caps_at_the_number_of_studios(demo, call, liucheng_app, luzhai_app):
    third = advance(submitted(call, teacher_at("lzgz", "t_lzgz")))
    bureau = demo.user("lz_city")
    assert call.studio_count == 2
    with pytest.raises(ApplicationError, match="at most 2"):
        selection_save(
            actor=bureau, call=call, application_ids=[liucheng_app.pk, luzhai_app.pk, third.pk]
        )
    assert call.applications.filter(status=ApplicationStatus.EXPERT_REVIEW).count() == 3

    selected, not_selected = selection_save(
        actor=bureau, call=call, application_ids=[liucheng_app.pk, third.pk]
    )
    assert {a.pk for a in selected} == {liucheng_app.pk, third.pk}
    assert [a.pk for a in not_selected] == [luzhai_app.pk]
    statuses = dict(call.applications.values_list("pk", "status"))
    assert statuses == {
        liucheng_app.pk: ApplicationStatus.SELECTED,
        third.pk: ApplicationStatus.SELECTED,
        luzhai_app.pk: ApplicationStatus.NOT_SELECTED,
    }
    assert Notification.objects.filter(
        recipient=luzhai_app.applicant, verb="applications.application.not_selected"
    ).exists()
    assert Notification.objects.filter(
        recipient=demo.user("lz_teacher"), verb="applications.application.selected"
    ).exists()
    verbs = ["applications.application.selected", "applications.application.not_selected"]
    ours = {"verb__in": verbs, "object_id__in": [str(a.pk) for a in call.applications.all()]}
    assert AuditEntry.objects.filter(**ours).count() == 3
    assert Notification.objects.filter(**ours).count() == 3

    # saving the same selection again changes nothing and tells nobody again
    again = selection_save(actor=bureau, call=call, application_ids=[liucheng_app.pk, third.pk])
    assert again == ([], [])
    assert Notification.objects.filter(**ours).count() == 3

    # the bureau may still change its mind before publication
    selected, not_selected = selection_save(
        actor=bureau, call=call, application_ids=[luzhai_app.pk, third.pk]
    )
    assert [a.pk for a in selected] == [luzhai_app.pk]
    assert [a.pk for a in not_selected] == [liucheng_app.pk]

    with pytest.raises(ApplicationError):
        selection_save(actor=demo.user("lz_expert"), call=call, application_ids=[third.pk])


def test_ranking_page_saves_the_selection(demo, call, liucheng_app, luzhai_app, client):
    third = advance(submitted(call, teacher_at("lzgz", "t_lzgz")))
    login(client, demo.user("lz_city"))
    url = reverse("applications:call_ranking", args=[call.pk])
    response = client.post(url, {"selected": [liucheng_app.pk, luzhai_app.pk, third.pk]})
    assert response.status_code == 400
    assert "at most 2" in response.content.decode()
    assert not call.applications.filter(status=ApplicationStatus.SELECTED).exists()

    response = client.post(url, {"selected": [luzhai_app.pk]}, follow=True)
    assert response.status_code == 200
    luzhai_app.refresh_from_db()
    third.refresh_from_db()
    assert luzhai_app.status == ApplicationStatus.SELECTED
    assert third.status == ApplicationStatus.NOT_SELECTED
    # the saved selection is what the page ticks now
    ticked = [r.application.pk for r in response.context["ranked"] if r.ticked]
    assert ticked == [luzhai_app.pk]


# --- the bureau's assignment page -----------------------------------------------------------


def test_assignment_page_shows_conflicts_and_assigns_all_matching(
    demo, call, liucheng_app, luzhai_app, client
):
    expert = demo.user("lz_expert")
    local = make_expert(demo, "expert_local")
    RoleAssignment.objects.create(
        user=local, role=Role.TEACHER, organisation=demo.org("liucheng-zx")
    )
    login(client, demo.user("lz_city"))
    url = reverse("applications:call_experts", args=[call.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="ms-table"' in page and "柳城县中学" in page
    rows = {r["application"]: r for r in response.context["rows"]}
    assert [e for e, _ in rows[liucheng_app]["conflicts"]] == [local]
    assert rows[luzhai_app]["conflicts"] == []

    response = client.post(url, {"experts": [expert.pk, local.pk], "select_all": "1"}, follow=True)
    assert response.status_code == 200
    pairs = set(
        ExpertAssignment.objects.filter(application__call=call).values_list(
            "application_id", "expert_id"
        )
    )
    assert pairs == {
        (liucheng_app.pk, expert.pk),
        (luzhai_app.pk, expert.pk),
        (luzhai_app.pk, local.pk),
    }
    shown = [str(m) for m in response.context["messages"]]
    assert any("3 assignments created" in m for m in shown)
    assert any("Not assigned" in m and "柳城县中学" in m for m in shown)

    # a filter narrows "all matching"; nothing ticked and no "all" is refused
    response = client.post(
        f"{url}?county={demo.org('luzhai').pk}",
        {"experts": [make_expert(demo, "expert_new").pk], "select_all": "1"},
    )
    assert ExpertAssignment.objects.filter(expert__username="expert_new").count() == 1
    response = client.post(url, {"experts": [expert.pk]})
    assert response.status_code == 400
