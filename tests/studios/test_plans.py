"""Plans: versions kept and readable, the application's plan as version 0, only the host edits."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from studios.errors import StudioError
from studios.models import PlanKind, StudioPlan
from studios.services import plans

from .factories import liuzhou_studio, published_studios

pytestmark = pytest.mark.django_db

DAY = date(2024, 10, 15)
APPLICATION_PLAN = "指导思想：立德树人。工作目标：培养骨干班主任。"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("core.clock.today", lambda: DAY)


def member_of(studio):
    return studio.memberships.filter(role="member").select_related("user").first().user


def test_three_year_plan_falls_back_to_the_application_then_keeps_every_version(demo):
    studio = liuzhou_studio()
    fallback = plans.three_year_plan(studio)
    assert fallback.pk is None and fallback.version == 0
    assert fallback.text == APPLICATION_PLAN

    first = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.THREE_YEAR,
        school_year=2025,  # ignored: the three-year plan has no school year
        title="",
        text="三年规划第一版",
    )
    second = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.THREE_YEAR,
        school_year=None,
        title="三年规划（修订）",
        text="三年规划第二版",
    )
    assert (first.version, first.school_year) == (1, None)
    assert first.title  # an empty title takes the plan's usual name
    assert second.version == 2
    assert plans.three_year_plan(studio).pk == second.pk
    series = plans.plan_series(studio, PlanKind.THREE_YEAR, None)
    assert [v.version for v in series.versions] == [2, 1, 0]
    assert series.versions[-1].text == APPLICATION_PLAN
    first.refresh_from_db()
    assert first.text == "三年规划第一版"  # earlier versions are never overwritten
    assert AuditEntry.objects.filter(verb="studios.plan.saved").count() == 2


def test_yearly_and_training_plans_need_a_school_year_of_the_term(demo):
    studio = liuzhou_studio()  # term 2024-09-01 .. 2027-08-31
    assert plans.term_school_years(studio) == [2024, 2025, 2026]
    for year in (None, 2023, 2027):
        with pytest.raises(StudioError):
            plans.plan_save(
                actor=studio.host,
                studio=studio,
                kind=PlanKind.YEARLY,
                school_year=year,
                title="",
                text="年度计划",
            )
    a = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.YEARLY,
        school_year=2024,
        title="",
        text="一",
    )
    b = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.YEARLY,
        school_year=2025,
        title="",
        text="二",
    )
    c = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.TRAINING,
        school_year=2024,
        title="",
        text="培训",
    )
    assert (a.version, b.version, c.version) == (1, 1, 1)  # one series per kind and year
    again = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.YEARLY,
        school_year=2024,
        title="",
        text="一（修订）",
    )
    assert again.version == 2
    overview = plans.studio_plans(studio)
    yearly = {s.school_year: s for s in overview[PlanKind.YEARLY]}
    assert yearly[2024].current.pk == again.pk and yearly[2024].history[0].pk == a.pk
    assert yearly[2026].current is None


def test_only_the_host_saves_and_members_are_told(demo):
    studio = liuzhou_studio()
    member = member_of(studio)
    with pytest.raises(StudioError):
        plans.plan_save(
            actor=member,
            studio=studio,
            kind=PlanKind.THREE_YEAR,
            school_year=None,
            title="",
            text="x",
        )
    with pytest.raises(StudioError):
        plans.plan_save(
            actor=demo.user("lz_city"),
            studio=studio,
            kind=PlanKind.THREE_YEAR,
            school_year=None,
            title="",
            text="x",
        )
    assert not StudioPlan.objects.exists()
    plan = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.TRAINING,
        school_year=2024,
        title="2024年秋季培训计划",
        text="培训安排",
    )
    told = Notification.objects.filter(verb="studios.plan.saved")
    members_with_accounts = studio.memberships.filter(user__isnull=False).exclude(user=studio.host)
    assert told.count() == members_with_accounts.count()
    assert told.filter(
        recipient=member, url=reverse("studios:plan_version", args=[studio.pk, plan.pk])
    )
    assert not told.filter(recipient=studio.host).exists()


def test_plan_pages_for_members_the_bureau_and_other_hosts(demo, client):
    studio, other = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )
    old = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.YEARLY,
        school_year=2024,
        title="2024—2025学年工作计划",
        text="第一版全文",
    )
    new = plans.plan_save(
        actor=studio.host,
        studio=studio,
        kind=PlanKind.YEARLY,
        school_year=2024,
        title="2024—2025学年工作计划",
        text="第二版全文",
    )
    member = member_of(studio)
    for reader in (member, demo.user("lz_city"), studio.host):
        client.force_login(reader)
        page = client.get(reverse("studios:studio_plans", args=[studio.pk]))
        assert page.status_code == 200
        assert APPLICATION_PLAN in page.content.decode()  # version 0 until a new one exists
        old_page = client.get(reverse("studios:plan_version", args=[studio.pk, old.pk]))
        assert old_page.status_code == 200 and "第一版全文" in old_page.content.decode()

    # A member reads but may not edit.
    client.force_login(member)
    edit = reverse("studios:plan_edit", args=[studio.pk])
    assert client.get(edit, {"kind": "yearly", "school_year": 2024}).status_code == 403
    assert client.post(edit, {"kind": "three_year", "text": "x"}).status_code == 403

    # Another studio's host cannot even find it; nor can a teacher of the other city.
    client.force_login(other.host)
    assert client.get(reverse("studios:studio_plans", args=[studio.pk])).status_code == 404
    assert client.get(edit, {"kind": "three_year"}).status_code == 404
    assert client.get(reverse("studios:plan_version", args=[studio.pk, new.pk])).status_code == 404
    client.force_login(demo.user("sz_teacher"))
    assert client.get(reverse("studios:studio_plans", args=[studio.pk])).status_code == 404

    # A plan of another studio is not reachable under this studio's address.
    other_plan = plans.plan_save(
        actor=other.host,
        studio=other,
        kind=PlanKind.THREE_YEAR,
        school_year=None,
        title="",
        text="别人的规划",
    )
    client.force_login(studio.host)
    assert (
        client.get(reverse("studios:plan_version", args=[studio.pk, other_plan.pk])).status_code
        == 404
    )


def test_the_host_edits_through_the_form_prefilled_with_the_latest_text(demo, client):
    studio = liuzhou_studio()
    client.force_login(studio.host)
    edit = reverse("studios:plan_edit", args=[studio.pk])
    page = client.get(edit, {"kind": "three_year"})
    assert page.status_code == 200
    assert APPLICATION_PLAN in page.content.decode()

    response = client.post(
        edit, {"kind": "three_year", "school_year": "", "title": "", "text": "修订后的三年规划"}
    )
    plan = StudioPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studios:plan_version", args=[studio.pk, plan.pk])
    assert plan.version == 1 and plan.text == "修订后的三年规划"
    assert "修订后的三年规划" in client.get(edit, {"kind": "three_year"}).content.decode()

    # Yearly plans default to the school year of today; the form names it as users write it.
    page = client.get(edit, {"kind": "yearly"})
    assert "2024—2025学年" in page.content.decode()
    refused = client.post(edit, {"kind": "yearly", "school_year": "2031", "text": "x"})
    assert refused.status_code == 400
    assert StudioPlan.objects.count() == 1
