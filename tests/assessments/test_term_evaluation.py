"""期满评估: the job opens it, experts score, the bureau decides by the policy's thresholds;
an excellent term commends the host and members, a failed one (where the policy says so) keeps
the host from hosting in the next cycle, which the application form enforces."""

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Notification, Role, RoleAssignment, User
from accounts.permissions import can
from accounts.scheduling import run_jobs
from applications import completeness as application_completeness
from applications import workflow
from applications.services import ApplicationError
from assessments import evaluation as ev
from assessments.models import Commendation, HostExclusion, TermEvaluation
from policies.models import TeamRole
from studios.models import StudioStatus
from tests.applications.factories import draft, open_call, teacher_at
from tests.core.files import assert_served
from tests.studios.factories import liuzhou_studio, suizhou_studio

pytestmark = pytest.mark.django_db

TERM_END = date(2027, 8, 31)  # the factories' studios: founded 1 September 2024, three years
OPENS = date(2027, 8, 1)  # the first day of the term's last month
DECIDED = date(2027, 8, 31)
JOB = "assessments.open_term_evaluations"
BUREAU = {"suizhou": ("sz_city", "szjyj"), "liuzhou": ("lz_city", "lzjyj")}


def city_of(studio) -> str:
    return studio.school.city.code


def expert(demo, username: str, city: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": username})
    RoleAssignment.objects.get_or_create(
        user=user, role=Role.EXPERT, organisation=demo.org(BUREAU[city][1], city)
    )
    return user


def sheet(points: list[str]) -> dict:
    """Scores for the presets' three term indicators (40, 30, 30 points)."""
    return dict(zip(["results", "growth", "influence"], points, strict=True))


def evaluate(demo, studio, *sheets: list[str], decide: bool = True) -> TermEvaluation:
    """Open the evaluation, have one expert per sheet score it, and (by default) decide."""
    city = city_of(studio)
    bureau = demo.user(BUREAU[city][0])
    evaluation = ev.evaluation_open(studio, OPENS)
    experts = [expert(demo, f"{city}_term_expert{i}", city) for i in range(len(sheets))]
    ev.evaluation_assign_experts(actor=bureau, evaluation=evaluation, experts=experts)
    for person, points in zip(experts, sheets, strict=True):
        ev.evaluation_score(actor=person, evaluation=evaluation, scores=sheet(points), comment="")
    if decide:
        return ev.evaluation_decide(
            actor=bureau, evaluation=evaluation, comment="评估意见", today=DECIDED
        )
    return evaluation


def members_with_accounts(studio) -> list[User]:
    return [
        m.user
        for m in studio.memberships.filter(
            role__in=[TeamRole.HOST, TeamRole.MEMBER], user__isnull=False, end_date__isnull=True
        )
    ]


# --- the job --------------------------------------------------------------------------------


def test_the_job_opens_each_evaluation_once_in_the_terms_last_month(demo):
    studio = suizhou_studio()
    [early] = run_jobs(today=date(2027, 7, 31), only=[JOB])
    assert early.lines == []
    assert not TermEvaluation.objects.exists()

    [first] = run_jobs(today=OPENS, only=[JOB])
    [second] = run_jobs(today=OPENS, only=[JOB])
    [later] = run_jobs(today=date(2027, 8, 2), only=[JOB])
    assert len(first.lines) == 1 and studio.name in first.lines[0]
    assert second.lines == [] and later.lines == []
    evaluation = TermEvaluation.objects.get(studio=studio)
    assert evaluation.opens_on == OPENS and evaluation.status == TermEvaluation.Status.OPEN
    assert AuditEntry.objects.filter(verb="assessments.term_evaluation.opened").count() == 1
    told = Notification.objects.filter(verb="assessments.term_evaluation.opened")
    assert list(told.values_list("recipient__username", flat=True)) == ["sz_city"]


def test_a_missed_run_opens_the_evaluation_late_and_a_revoked_studio_gets_none(demo):
    studio = suizhou_studio()
    [report] = run_jobs(today=date(2027, 9, 5), only=[JOB])
    assert len(report.lines) == 1
    other = liuzhou_studio()
    type(other).objects.filter(pk=other.pk).update(status=StudioStatus.REVOKED)
    other.refresh_from_db()
    assert ev.evaluation_open(other, OPENS) is None
    assert TermEvaluation.objects.filter(studio=studio).exists()
    assert not TermEvaluation.objects.filter(studio=other).exists()


# --- thresholds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheets", "outcome", "total"),
    [
        ([["38", "27", "27"], ["36", "27", "25"]], "excellent", "90.00"),  # 92 and 88
        ([["36", "27", "26"], ["36", "26", "26"]], "pass", "88.50"),  # 89 and 88
        ([["24", "18", "18"], ["20", "20", "20"]], "pass", "60.00"),
        ([["24", "18", "17"], ["20", "20", "19.8"]], "fail", "59.40"),
    ],
)
def test_the_outcome_follows_the_policys_thresholds(demo, sheets, outcome, total):
    studio = suizhou_studio()
    evaluation = evaluate(demo, studio, *sheets)
    assert evaluation.total == Decimal(total)
    assert evaluation.outcome == outcome
    assert evaluation.status == TermEvaluation.Status.DECIDED
    studio.refresh_from_db()
    assert studio.status == StudioStatus.ENDED


def test_the_thresholds_are_read_from_the_policy_not_fixed(demo):
    studio = suizhou_studio()
    studio.policy.term_excellent_score = Decimal("95")
    studio.policy.term_pass_score = Decimal("90")
    studio.policy.save(update_fields=["term_excellent_score", "term_pass_score"])
    studio.refresh_from_db()
    evaluation = evaluate(demo, studio, ["38", "27", "27"], ["36", "27", "25"])  # mean 90
    assert evaluation.outcome == "pass"


# --- excellent: commendations on the records ------------------------------------------------


def test_an_excellent_term_commends_the_host_and_each_member_and_their_records_show_it(
    demo, client_for
):
    studio = liuzhou_studio()
    people = members_with_accounts(studio)
    assert studio.host in people and len(people) > 1
    evaluate(demo, studio, ["40", "30", "28"])
    reward = studio.policy.excellent_term_reward
    commended = Commendation.objects.filter(studio=studio, title=reward, year=2027)
    assert set(commended.values_list("person_id", flat=True)) == {p.pk for p in people}
    assert not HostExclusion.objects.exists()

    member = next(p for p in people if p != studio.host)
    page = client_for(member.username).get(reverse("assessments:person_record", args=[member.pk]))
    assert page.status_code == 200
    assert reward in page.content.decode()
    bureau_view = client_for("lz_city").get(
        reverse("assessments:person_record", args=[studio.host_id])
    )
    assert bureau_view.status_code == 200 and reward in bureau_view.content.decode()
    # another teacher, and the bureau of another city, cannot read it
    assert (
        client_for("lz_teacher")
        .get(reverse("assessments:person_record", args=[member.pk]))
        .status_code
        == 404
    )
    assert (
        client_for("sz_city")
        .get(reverse("assessments:person_record", args=[member.pk]))
        .status_code
        == 404
    )
    told = Notification.objects.filter(verb="assessments.term_evaluation.decided")
    assert set(told.values_list("recipient_id", flat=True)) >= {p.pk for p in people}


# --- fail: the exclusion, and the application form enforcing it ----------------------------


def test_a_failed_term_excludes_the_host_where_the_policy_says_so_and_the_form_refuses_them(
    demo, client_for
):
    studio = suizhou_studio()
    assert studio.policy.failed_term_excludes_next_cycle
    evaluate(demo, studio, ["20", "15", "15"])
    exclusion = HostExclusion.objects.get(person=studio.host)
    assert exclusion.until == date(2030, 8, 31)  # the end of the next cycle
    assert studio.name in exclusion.reason
    assert not Commendation.objects.exists()

    call = open_call("suizhou", opens_on=date(2027, 9, 1), closes_on=date(2027, 9, 30))
    application = draft(call, studio.host)
    with pytest.raises(ApplicationError) as refused:
        workflow.submit(actor=studio.host, application=application, today=date(2027, 9, 10))
    [message] = [m for m in refused.value.problems["__all__"] if "2030-08-31" in m]
    assert exclusion.reason in message
    # another teacher may apply to the same call
    other = teacher_at("zengdu-sx", "sz_next_host", "suizhou")
    other_application = draft(call, other)
    workflow.submit(actor=other, application=other_application, today=date(2027, 9, 10))
    # the host's record shows it, and the result notice says so in Chinese
    record = client_for(studio.host.username).get(
        reverse("assessments:person_record", args=[studio.host_id])
    )
    assert exclusion.reason in record.content.decode()
    if shutil.which("pdftotext"):
        evaluation = TermEvaluation.objects.get(studio=studio)
        pdf = client_for(studio.host.username).get(
            reverse("assessments:term_certificate", args=[evaluation.pk])
        )
        assert_served(pdf, "application/pdf", inline=True)
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert "期满评估结果通知书" in text and "不合格" in text and "2030年8月31日" in text
    # once the next cycle is over, the host may apply again
    problems = application_completeness.application_problems(application, today=date(2030, 9, 1))
    assert not any("2030-08-31" in m for m in problems.get("__all__", []))


def test_a_failed_term_does_not_exclude_where_the_policy_does_not(demo):
    studio = liuzhou_studio()
    assert not studio.policy.failed_term_excludes_next_cycle
    evaluation = evaluate(demo, studio, ["20", "15", "15"])
    assert evaluation.outcome == "fail"
    assert not HostExclusion.objects.exists()
    call = open_call("liuzhou-2024", opens_on=date(2027, 9, 1), closes_on=date(2027, 9, 30))
    application = draft(call, studio.host)
    problems = application_completeness.application_problems(application, today=date(2027, 9, 10))
    assert not problems.get("__all__")


# --- experts --------------------------------------------------------------------------------


def test_experts_see_the_others_scores_only_after_submitting(demo, client_for):
    studio = suizhou_studio()
    evaluation = ev.evaluation_open(studio, OPENS)
    first, second = expert(demo, "sz_e1", "suizhou"), expert(demo, "sz_e2", "suizhou")
    ev.evaluation_assign_experts(
        actor=demo.user("sz_city"), evaluation=evaluation, experts=[first, second]
    )
    ev.evaluation_score(
        actor=first, evaluation=evaluation, scores=sheet(["31", "22", "23"]), comment="成果突出"
    )
    assert can(first, "assessments.view_term_scores", evaluation)
    assert not can(second, "assessments.view_term_scores", evaluation)
    url = reverse("assessments:term_evaluation", args=[evaluation.pk])
    before = client_for("sz_e2").get(url).content.decode()
    assert "成果突出" not in before and 'data-testid="evaluation-scores"' not in before
    assert 'id="score-form"' in before

    response = client_for("sz_e2").post(
        url,
        {
            "action": "score",
            "indicator_results": "30",
            "indicator_growth": "20",
            "indicator_influence": "20",
            "comment": "辐射面广",
        },
    )
    assert response.status_code == 302
    after = client_for("sz_e2").get(url).content.decode()
    assert "成果突出" in after and 'id="score-form"' not in after
    # final once submitted
    with pytest.raises(ev.AssessmentError):
        ev.evaluation_score(actor=second, evaluation=evaluation, scores=sheet(["40", "30", "30"]))
    # an expert of no evaluation cannot open it
    outsider = expert(demo, "sz_e3", "suizhou")
    assert client_for(outsider.username).get(url).status_code == 404


def test_scores_cover_every_indicator_within_its_points(demo):
    studio = suizhou_studio()
    evaluation = ev.evaluation_open(studio, OPENS)
    person = expert(demo, "sz_e1", "suizhou")
    ev.evaluation_assign_experts(
        actor=demo.user("sz_city"), evaluation=evaluation, experts=[person]
    )
    for bad in (
        {"results": "30", "growth": "20"},  # influence missing
        sheet(["41", "20", "20"]),  # over the points
        sheet(["30", "-1", "20"]),
        sheet(["30", "20.25", "20"]),
        {**sheet(["30", "20", "20"]), "other": "5"},
    ):
        with pytest.raises(ev.AssessmentError) as refused:
            ev.evaluation_score(actor=person, evaluation=evaluation, scores=bad)
        assert refused.value.problems
    scored = ev.evaluation_score(
        actor=person, evaluation=evaluation, scores=sheet(["30", "20.5", "20"])
    )
    assert scored.total == Decimal("70.5") and scored.scores["growth"] == "20.5"


def test_no_expert_from_another_city_or_with_a_tie_to_the_studios_school_or_county(demo):
    studio = suizhou_studio()
    evaluation = ev.evaluation_open(studio, OPENS)
    bureau = demo.user("sz_city")
    # an expert who also teaches at a school of the studio's county
    tied = expert(demo, "sz_tied", "suizhou")
    RoleAssignment.objects.create(user=tied, role=Role.TEACHER, organisation=studio.school)
    clean = expert(demo, "sz_clean", "suizhou")
    for experts in ([tied, clean], [demo.user("lz_expert"), clean]):
        with pytest.raises(ev.AssessmentError) as refused:
            ev.evaluation_assign_experts(actor=bureau, evaluation=evaluation, experts=experts)
        assert refused.value.problems["experts"]
    assert not evaluation.expert_scores.exists()  # all or none
    assert ev.evaluation_conflicts(tied, studio)
    assert ev.evaluation_conflicts(studio.host, studio)
    # only the bureau of the studio's city assigns and decides
    with pytest.raises(ev.AssessmentError):
        ev.evaluation_assign_experts(
            actor=demo.user("lz_city"), evaluation=evaluation, experts=[clean]
        )
    assert (
        len(ev.evaluation_assign_experts(actor=bureau, evaluation=evaluation, experts=[clean])) == 1
    )
    assert ev.evaluation_assign_experts(actor=bureau, evaluation=evaluation, experts=[clean]) == []
    with pytest.raises(ev.AssessmentError):  # nothing submitted yet
        ev.evaluation_decide(actor=bureau, evaluation=evaluation, today=DECIDED)
    ev.evaluation_score(actor=clean, evaluation=evaluation, scores=sheet(["30", "20", "20"]))
    with pytest.raises(ev.AssessmentError):
        ev.evaluation_decide(actor=clean, evaluation=evaluation, today=DECIDED)
    ev.evaluation_decide(actor=bureau, evaluation=evaluation, today=DECIDED)
    with pytest.raises(ev.AssessmentError):  # decided once
        ev.evaluation_decide(actor=bureau, evaluation=evaluation, today=DECIDED)


# --- the pages and the certificate ----------------------------------------------------------


def test_the_bureau_runs_the_evaluation_through_the_pages(demo, client_for):
    studio = suizhou_studio()
    run_jobs(today=OPENS, only=[JOB])
    evaluation = TermEvaluation.objects.get(studio=studio)
    person = expert(demo, "sz_e1", "suizhou")
    bureau = client_for("sz_city")
    listing = bureau.get(reverse("assessments:term_evaluations")).content.decode()
    assert studio.name in listing
    url = reverse("assessments:term_evaluation", args=[evaluation.pk])
    assert bureau.get(url).status_code == 200
    assert bureau.post(url, {"action": "assign", "experts": [person.pk]}).status_code == 302
    assert evaluation.expert_scores.filter(expert=person).exists()
    assert (
        studio.name
        in client_for("sz_e1").get(reverse("assessments:term_evaluations")).content.decode()
    )
    ev.evaluation_score(actor=person, evaluation=evaluation, scores=sheet(["38", "28", "28"]))
    bureau = client_for("sz_city")
    assert bureau.post(url, {"action": "decide", "comment": "同意"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.outcome == "excellent" and evaluation.decided_by.username == "sz_city"
    decided = bureau.get(url).content.decode()
    assert 'data-testid="evaluation-outcome"' in decided and 'id="decide-form"' not in decided
    assert client_for("lz_city").get(url).status_code == 404
    assert client_for("sz_teacher").get(reverse("assessments:term_evaluations")).status_code == 403


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_certificate_downloads_for_the_host_members_and_bureau_only(demo, client_for):
    studio = suizhou_studio()
    evaluation = evaluate(demo, studio, ["38", "28", "28"])
    url = reverse("assessments:term_certificate", args=[evaluation.pk])
    response = client_for(studio.host.username).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert studio.name in text
    assert "期满评估结果证书" in text and "优秀" in text
    member = next(p for p in members_with_accounts(studio) if p != studio.host)
    assert client_for(member.username).get(url).status_code == 200
    assert client_for("sz_city").get(url).status_code == 200
    assert client_for("sz_teacher").get(url).status_code == 404
    assert client_for("lz_city").get(url).status_code == 404


def test_no_certificate_before_the_decision(demo, client_for):
    studio = suizhou_studio()
    evaluation = evaluate(demo, studio, ["38", "28", "28"], decide=False)
    url = reverse("assessments:term_certificate", args=[evaluation.pk])
    assert client_for(studio.host.username).get(url).status_code == 404
