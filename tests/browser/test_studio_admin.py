"""The bureau runs its studios in the browser: the team changes (an advisor added, a member
replaced, another withdrawn), a member recruitment round from opening to done with a teacher's
request, and the three-year evaluation from assigning an expert to the decision."""

from datetime import date

from playwright.sync_api import expect

from assessments import evaluation as ev
from studios.models import Membership, RecruitmentRound, RecruitmentStatus, SeatRequest
from tests.applications.factories import teacher_at
from tests.studios.factories import liuzhou_studio, suizhou_studio


def _open_details(page, form_selector: str):
    """A row's action lives in a <details>: open it and return its form."""
    form = page.locator(form_selector)
    page.locator(f"details:has({form_selector}) > summary").first.click()
    return form


def test_the_bureau_changes_the_team_and_runs_a_recruitment_round(demo_site, as_user, clock):
    base = demo_site.url
    clock.day = date(2025, 3, 10)
    studio = liuzhou_studio("lz_host")
    bureau = as_user("lz_city")
    team_url = f"{base}/studios/{studio.pk}/team/"

    bureau.goto(team_url)
    add = _open_details(bureau, "form:has(input[name=action][value=add])")
    add.locator("#id_add-role").select_option("advisor")
    add.locator("#id_add-name").fill("黄教授")
    add.locator("#id_add-work_unit").fill("广西师范大学")
    add.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    assert studio.memberships.filter(role="advisor", name="黄教授").exists()

    leaving, withdrawing = studio.memberships.filter(role="member").order_by("pk")[:2]
    newcomer = teacher_at("liucheng-zx", "lz_newcomer")
    bureau.goto(team_url)
    replace = _open_details(
        bureau, f"form:has(input[name=membership][value='{leaving.pk}']):has(input[value=replace])"
    )
    replace.locator(f"[name='replace-{leaving.pk}-reason']").fill("调离本市")
    replace.locator(f"[name='replace-{leaving.pk}-username']").fill(newcomer.username)
    replace.locator(f"[name='replace-{leaving.pk}-birth_month']").fill("1988-04")
    replace.locator(f"[name='replace-{leaving.pk}-head_teacher_years']").fill("9")
    replace.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    assert Membership.objects.filter(replaces=leaving, user=newcomer).exists()

    bureau.goto(team_url)
    end = _open_details(
        bureau, f"form:has(input[name=membership][value='{withdrawing.pk}']):has(input[value=end])"
    )
    end.locator(f"[name='end-{withdrawing.pk}-reason']").fill("本人申请退出")
    end.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    withdrawing.refresh_from_db()
    assert withdrawing.end_date == clock.day

    # A recruitment round: opened by the bureau, a teacher asks for a seat, the bureau closes
    # the round, assigns the request and marks the round done.
    bureau.goto(f"{base}/recruitment/")
    opening = _open_details(bureau, "form[method=post]:not([action])")
    opening.locator("[name=call]").select_option(str(studio.call_id))
    opening.locator("[name=title]").fill("2025年春季成员增补")
    opening.locator("[name=opens_on]").fill("2025-03-01")
    opening.locator("[name=closes_on]").fill("2025-03-31")
    opening.locator("button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    round_ = RecruitmentRound.objects.get(call=studio.call)

    teacher = as_user("lz_teacher")
    teacher.goto(f"{base}/recruitment/{round_.pk}/")
    seat = teacher.locator(f"form[action$='/recruitment/{round_.pk}/apply/']")
    seat.locator("[name=studio]").select_option(str(studio.pk))
    seat.locator("[name=birth_month]").fill("1987-09")
    seat.locator("[name=head_teacher_years]").fill("7")
    seat.locator("[name=statement]").fill("想学习班级文化建设。")
    seat.locator("button[type=submit]").click()
    expect(teacher.locator(".ms-messages")).to_be_visible()
    seat_request = SeatRequest.objects.get(round=round_)

    bureau.goto(f"{base}/recruitment/{round_.pk}/")
    bureau.locator(f"form[action$='/recruitment/{round_.pk}/close/'] button").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    bureau.locator(f"input[name=requests][value='{seat_request.pk}']").check()
    bureau.locator(f"form[action$='/recruitment/{round_.pk}/assign/'] button[type=submit]").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    bureau.locator(f"form[action$='/recruitment/{round_.pk}/finish/'] button").click()
    expect(bureau.locator(".ms-messages")).to_be_visible()
    round_.refresh_from_db()
    seat_request.refresh_from_db()
    assert seat_request.status == "assigned" and round_.status == RecruitmentStatus.DONE


def test_the_three_year_evaluation_from_assignment_to_decision(demo_site, as_user, clock):
    base = demo_site.url
    clock.day = date(2027, 8, 1)  # the term's last month: the daily job opens the evaluation
    studio = suizhou_studio("sz_host")
    evaluation = ev.evaluation_open(studio, clock.day)
    url = f"{base}/evaluations/{evaluation.pk}/"

    bureau = as_user("sz_city")
    bureau.goto(url)
    bureau.locator("#assign-form input[name=experts]:not([disabled])").first.check()
    bureau.locator("#assign-form button[type=submit]").click()
    expect(bureau.locator("[data-testid=assigned-experts]")).to_be_visible()
    expert = evaluation.expert_scores.get().expert

    scorer = as_user(expert.username)
    scorer.goto(url)
    for field in scorer.locator("#score-form input[type=number]").all():
        field.fill("28")
    scorer.locator("#score-form textarea").fill("成果丰富，辐射作用明显。")
    scorer.locator("#score-form button[type=submit]").click()
    expect(scorer.locator("[data-testid=evaluation-scores]")).to_be_visible()

    clock.day = date(2027, 8, 31)
    bureau.goto(url)
    bureau.locator("#decide-form textarea").fill("同意评估专家意见。")
    bureau.locator("#decide-form button[type=submit]").click()
    expect(bureau.locator("[data-testid=evaluation-outcome]")).to_be_visible()
    evaluation.refresh_from_db()
    assert evaluation.outcome and evaluation.decided_by.username == "sz_city"
