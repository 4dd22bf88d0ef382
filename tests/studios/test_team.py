"""The team: limits and eligibility from each city's policy, withdrawals and replacements that
keep history, and one studio's host kept out of another studio."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry, Notification, Role, RoleAssignment, User
from policies.models import TeamRole
from studios.errors import StudioError
from studios.models import Membership, MembershipSource
from studios.services import team
from studios.services.team import Person
from tests.applications.factories import teacher_at

from .factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("core.clock.today", lambda: DAY)
    return DAY


def county_staff(username: str, county_code: str, city: str = "liuzhou") -> User:
    """Someone working at a county bureau (an administrator there)."""
    from accounts.models import Organisation

    user = User.objects.create_user(username, full_name=f"{username}干部", email="")
    county = Organisation.objects.get(code=county_code, city__code=city)
    RoleAssignment.objects.create(user=user, role=Role.COUNTY_REVIEWER, organisation=county)
    return user


def suizhou_teacher(username: str) -> User:
    return teacher_at("zengdu-cz", username, "suizhou")


def add(studio, actor, role, *, on=DAY, **person):
    user = person.pop("user", None)
    return team.membership_add(
        actor=actor,
        studio=studio,
        role=role,
        start_date=on,
        person=Person(user=user, **person),
    )


def eligible(**overrides):
    values = {"birth_month": date(1985, 5, 1), "head_teacher_years": 8}
    values.update(overrides)
    return values


def current(studio, role) -> int:
    return team.current_on(studio.memberships.filter(role=role), DAY).count()


# --- Liuzhou ------------------------------------------------------------------------------


def test_liuzhou_third_advisor_refused(demo):
    studio = liuzhou_studio()
    host = studio.host
    assert current(studio, TeamRole.ADVISOR) == 1
    add(studio, host, TeamRole.ADVISOR, name="第二导师")
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.ADVISOR, name="第三导师")
    assert "at most 2" in str(refused.value)
    assert current(studio, TeamRole.ADVISOR) == 2


def test_liuzhou_assistant_comes_from_the_paired_county(demo):
    studio = liuzhou_studio()
    assert studio.paired_county.name == "柳城县"
    host = studio.host
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.ASSISTANT, user=demo.user("lz_county_luzhai"))
    assert "柳城县" in str(refused.value)
    with pytest.raises(StudioError):
        add(studio, host, TeamRole.ASSISTANT, name="没有账号的干部")

    assistant = add(studio, host, TeamRole.ASSISTANT, user=demo.user("lz_county"))
    assert assistant.name == demo.user("lz_county").get_full_name()
    assert assistant.source == MembershipSource.HOST

    second = county_staff("liucheng_admin2", "liucheng")
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.ASSISTANT, user=second)
    assert "at most 1" in str(refused.value)


def test_a_school_in_the_paired_county_counts_too(demo):
    studio = liuzhou_studio()
    bureau = demo.user("lz_city")
    staff = teacher_at("liucheng-zx", "liucheng_zx_office")
    assistant = add(studio, bureau, TeamRole.ASSISTANT, user=staff)
    assert assistant.source == MembershipSource.BUREAU


def test_liuzhou_host_fills_only_the_host_recruited_seats(demo):
    studio = liuzhou_studio()
    host, bureau = studio.host, demo.user("lz_city")
    newcomer = teacher_at("liucheng-zx", "newcomer")
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.MEMBER, user=newcomer, **eligible())
    assert "5 of 5" in str(refused.value)
    with pytest.raises(StudioError):
        team.membership_add(
            actor=host,
            studio=studio,
            role=TeamRole.MEMBER,
            start_date=DAY,
            user=newcomer,
            person=Person(**eligible()),
            source=MembershipSource.BUREAU,
        )
    # The bureau assigns the seat; the policy's minimum years still apply.
    with pytest.raises(StudioError) as refused:
        add(studio, bureau, TeamRole.MEMBER, user=newcomer, **eligible(head_teacher_years=4))
    assert "at least 5" in str(refused.value)
    member = add(studio, bureau, TeamRole.MEMBER, user=newcomer, **eligible())
    assert member.source == MembershipSource.BUREAU
    summary = team.team_summary(studio, DAY)
    assert (summary.host_seats.taken, summary.host_seats.limit) == (5, 5)
    assert (summary.bureau_seats.taken, summary.bureau_seats.remaining) == (1, 9)


def test_liuzhou_has_no_shadow_trainees_and_the_host_is_the_bureaus(demo):
    studio = liuzhou_studio()
    with pytest.raises(StudioError):
        add(studio, studio.host, TeamRole.SHADOW, name="跟岗者")
    with pytest.raises(StudioError) as refused:
        add(studio, studio.host, TeamRole.HOST, user=demo.user("lz_teacher"))
    assert "bureau" in str(refused.value)


def test_the_same_person_cannot_hold_two_places(demo):
    studio = liuzhou_studio()
    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    with pytest.raises(StudioError) as refused:
        add(studio, studio.host, TeamRole.ADVISOR, user=member.user)
    assert "already in this studio's team" in str(refused.value)


# --- Suizhou ------------------------------------------------------------------------------


def test_suizhou_tenth_member_refused(demo):
    studio = suizhou_studio()
    host = studio.host
    assert current(studio, TeamRole.MEMBER) == 7
    add(studio, host, TeamRole.MEMBER, user=suizhou_teacher("sz_m8"), **eligible())
    add(studio, host, TeamRole.MEMBER, user=suizhou_teacher("sz_m9"), **eligible())
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.MEMBER, user=suizhou_teacher("sz_m10"), **eligible())
    assert "9 of 9" in str(refused.value)
    with pytest.raises(StudioError) as refused:  # the bureau is held to the same limit
        team.membership_add(
            actor=demo.user("sz_city"),
            studio=studio,
            role=TeamRole.MEMBER,
            start_date=DAY,
            person=Person(user=suizhou_teacher("sz_m11"), **eligible()),
            source=MembershipSource.BUREAU,
        )
    assert "0 of 0" in str(refused.value)
    assert current(studio, TeamRole.MEMBER) == 9


def test_suizhou_member_age_limit_at_the_start_date(demo):
    studio = suizhou_studio()
    host = studio.host
    # Born December 1973: 51 on 1 March 2025.
    with pytest.raises(StudioError) as refused:
        add(
            studio,
            host,
            TeamRole.MEMBER,
            user=suizhou_teacher("sz_old"),
            **eligible(birth_month=date(1973, 12, 1)),
        )
    assert "is 51" in str(refused.value)
    assert "50" in str(refused.value)
    # Born April 1974: still 50 on 1 March 2025.
    add(
        studio,
        host,
        TeamRole.MEMBER,
        user=suizhou_teacher("sz_fifty"),
        **eligible(birth_month=date(1974, 4, 1)),
    )
    with pytest.raises(StudioError):
        add(studio, host, TeamRole.MEMBER, user=suizhou_teacher("sz_nobirth"), head_teacher_years=8)


def test_suizhou_member_needs_three_years_and_a_teacher_role(demo):
    studio = suizhou_studio()
    host = studio.host
    with pytest.raises(StudioError) as refused:
        add(
            studio,
            host,
            TeamRole.MEMBER,
            user=suizhou_teacher("sz_two"),
            **eligible(head_teacher_years=2),
        )
    assert "2 years" in str(refused.value) and "at least 3" in str(refused.value)
    with pytest.raises(StudioError) as refused:
        add(studio, host, TeamRole.MEMBER, name="无账号", **eligible())
    assert "serving head teachers" in str(refused.value)
    add(
        studio,
        host,
        TeamRole.MEMBER,
        user=suizhou_teacher("sz_three"),
        **eligible(head_teacher_years=3),
    )


def test_suizhou_shadow_trainees_and_advisors_are_unlimited(demo):
    studio = suizhou_studio()
    for i in range(12):
        add(studio, studio.host, TeamRole.SHADOW, name=f"跟岗{i}")
    for i in range(4):
        add(studio, studio.host, TeamRole.ADVISOR, name=f"顾问{i}")
    assert current(studio, TeamRole.SHADOW) == 12
    summary = team.team_summary(studio, DAY)
    shadow = next(line for line in summary.roles if line.role == TeamRole.SHADOW)
    assert shadow.count == 12 and shadow.max_count is None and not shadow.full
    assert summary.bureau_seats is None
    with pytest.raises(StudioError):
        add(studio, studio.host, TeamRole.ASSISTANT, user=demo.user("sz_county"))


# --- withdrawal and replacement -----------------------------------------------------------


def test_withdrawal_keeps_the_row(demo):
    studio = suizhou_studio()
    host = studio.host
    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    with pytest.raises(StudioError):
        team.membership_end(actor=host, membership=member, end_date=DAY, reason="  ")
    ended = team.membership_end(actor=host, membership=member, end_date=DAY, reason="调动工作")
    assert Membership.objects.filter(pk=member.pk).exists()
    assert (ended.end_date, ended.end_reason) == (DAY, "调动工作")
    with pytest.raises(StudioError) as refused:
        team.membership_end(actor=host, membership=ended, end_date=DAY, reason="again")
    assert "already ended" in str(refused.value)
    assert current(studio, TeamRole.MEMBER) == 7  # still in the team on their last day
    assert team.current_on(studio.memberships.filter(role="member"), date(2025, 3, 2)).count() == 6
    assert ended in team.team_history(studio, date(2025, 3, 2))
    assert AuditEntry.objects.filter(verb="studios.membership.ended", object_id=str(member.pk))
    assert Notification.objects.filter(recipient=member.user, verb="studios.membership.ended")
    assert Notification.objects.filter(
        recipient=demo.user("sz_city"), verb="studios.membership.ended"
    )


def test_the_host_cannot_end_their_own_host_membership(demo):
    studio = liuzhou_studio()
    own = studio.memberships.get(role=TeamRole.HOST)
    with pytest.raises(StudioError) as refused:
        team.membership_end(actor=studio.host, membership=own, end_date=DAY, reason="离职")
    assert "host" in str(refused.value)
    own.refresh_from_db()
    assert own.end_date is None


def test_replacement_keeps_history_and_the_seat(demo):
    studio = liuzhou_studio()
    host = studio.host
    old = studio.memberships.filter(role=TeamRole.MEMBER, source="application").first()
    newcomer = teacher_at("liucheng-zx", "replacement")
    new = team.membership_replace(
        actor=host,
        old=old,
        date=DAY,
        reason="退出工作室",
        person=Person(user=newcomer, **eligible()),
    )
    old.refresh_from_db()
    assert old.end_date == date(2025, 2, 28) and old.end_reason == "退出工作室"
    assert new.replaces_id == old.pk and new.start_date == DAY
    assert new.source == MembershipSource.HOST  # the same host-recruited seat
    assert studio.memberships.filter(role=TeamRole.MEMBER).count() == 6  # both rows kept
    assert current(studio, TeamRole.MEMBER) == 5
    [ended] = team.team_history(studio, DAY)
    assert [m.pk for m in ended.replaced_by.all()] == [new.pk]
    assert Notification.objects.filter(recipient=newcomer, verb="studios.membership.replaced")
    with pytest.raises(StudioError):  # replacing twice
        team.membership_replace(
            actor=host,
            old=old,
            date=date(2025, 4, 1),
            reason="x",
            person=Person(user=teacher_at("liucheng-zx", "another"), **eligible()),
        )


def test_a_refused_replacement_leaves_the_old_membership_as_it_was(demo):
    studio = suizhou_studio()
    old = studio.memberships.filter(role=TeamRole.MEMBER).first()
    with pytest.raises(StudioError):
        team.membership_replace(
            actor=studio.host,
            old=old,
            date=DAY,
            reason="退出",
            person=Person(user=suizhou_teacher("sz_junior"), **eligible(head_teacher_years=2)),
        )
    old.refresh_from_db()
    assert old.end_date is None and old.end_reason == ""


def test_the_bureau_replaces_a_host_and_the_grant_follows(demo):
    studio = liuzhou_studio()
    old_host, successor = studio.host, demo.user("lz_teacher")
    own = studio.memberships.get(role=TeamRole.HOST)
    new = team.membership_replace(
        actor=demo.user("lz_city"),
        old=own,
        date=DAY,
        reason="调离",
        person=Person(user=successor, head_teacher_years=12),
    )
    studio.refresh_from_db()
    assert studio.host == successor and new.replaces == own
    assert User.objects.get(pk=successor.pk).has_perm("studios.manage_studio", studio)
    assert not User.objects.get(pk=old_host.pk).has_perm("studios.manage_studio", studio)


# --- one studio's host, another studio -----------------------------------------------------


@pytest.fixture
def two_studios(demo):
    return published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )


def test_host_of_one_studio_cannot_change_another(two_studios):
    a, b = two_studios
    member_of_b = b.memberships.filter(role=TeamRole.MEMBER).first()
    with pytest.raises(StudioError):
        add(b, a.host, TeamRole.ADVISOR, name="外来导师")
    with pytest.raises(StudioError):
        team.membership_end(actor=a.host, membership=member_of_b, end_date=DAY, reason="x")
    assert team.acting_as(a.host, b) is None
    assert team.acting_as(a.host, a) == team.HOST
    member_of_b.refresh_from_db()
    assert member_of_b.end_date is None


def test_host_of_one_studio_gets_404_on_anothers_team(two_studios, client, frozen):
    a, b = two_studios
    client.force_login(a.host)
    assert client.get(reverse("studios:studio_team", args=[a.pk])).status_code == 200
    assert client.get(reverse("studios:studio_team", args=[b.pk])).status_code == 404
    member_of_b = b.memberships.filter(role=TeamRole.MEMBER).first()
    response = client.post(
        reverse("studios:studio_team", args=[b.pk]),
        {
            "action": "end",
            "membership": member_of_b.pk,
            f"end-{member_of_b.pk}-end_date": "2025-03-01",
            f"end-{member_of_b.pk}-reason": "x",
        },
    )
    assert response.status_code == 404
    # A's host posting a membership of B to A's own page finds nothing either.
    response = client.post(
        reverse("studios:studio_team", args=[a.pk]),
        {"action": "end", "membership": member_of_b.pk},
    )
    assert response.status_code == 404
    member_of_b.refresh_from_db()
    assert member_of_b.end_date is None
    # A membership that is not a key at all answered 500 (the fuzz posted "1 OR 1=1").
    for garbage in ("1 OR 1=1", "²", "9" * 30):
        response = client.post(
            reverse("studios:studio_team", args=[a.pk]),
            {"action": "replace", "membership": garbage},
        )
        assert response.status_code == 404


def test_a_member_reads_the_team_but_cannot_change_it(demo, client, frozen):
    studio = liuzhou_studio()
    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    client.force_login(member.user)
    response = client.get(reverse("studios:studio_team", args=[studio.pk]))
    assert response.status_code == 200
    assert response.context["add_form"] is None
    response = client.post(
        reverse("studios:studio_team", args=[studio.pk]), {"action": "add", "add-name": "某人"}
    )
    assert response.status_code == 403


def test_the_other_citys_bureau_cannot_change_the_team(demo):
    studio = liuzhou_studio()
    with pytest.raises(StudioError):
        add(studio, demo.user("sz_city"), TeamRole.ADVISOR, name="外地导师")


# --- the page -----------------------------------------------------------------------------


def test_host_adds_ends_and_replaces_through_the_page(demo, client, frozen):
    studio = liuzhou_studio()
    client.force_login(studio.host)
    url = reverse("studios:studio_team", args=[studio.pk])
    page = client.get(url)
    assert page.status_code == 200
    roles = dict(page.context["add_form"].fields["role"].choices)
    assert TeamRole.ASSISTANT in roles and TeamRole.HOST not in roles

    response = client.post(
        url,
        {
            "action": "add",
            "add-role": "assistant",
            "add-start_date": "2025-03-01",
            "add-username": "lz_county",
        },
    )
    assert response.status_code == 302
    assistant = studio.memberships.get(role=TeamRole.ASSISTANT)
    assert assistant.user == demo.user("lz_county")
    assert Notification.objects.filter(
        recipient=demo.user("lz_city"), verb="studios.membership.added"
    ).exists()

    # A refusal from the policy comes back as a message, nothing saved.
    response = client.post(
        url,
        {"action": "add", "add-role": "advisor", "add-start_date": "2025-03-01", "add-name": "二"},
        follow=True,
    )
    response = client.post(
        url,
        {"action": "add", "add-role": "advisor", "add-start_date": "2025-03-01", "add-name": "三"},
        follow=True,
    )
    assert any("2" in str(m) for m in response.context["messages"])
    assert current(studio, TeamRole.ADVISOR) == 2

    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    response = client.post(
        url,
        {
            "action": "replace",
            "membership": member.pk,
            f"replace-{member.pk}-date": "2025-03-01",
            f"replace-{member.pk}-reason": "退出",
            f"replace-{member.pk}-username": teacher_at("liucheng-zx", "page_new").username,
            f"replace-{member.pk}-head_teacher_years": "9",
            f"replace-{member.pk}-birth_month": "1988-04",
        },
    )
    assert response.status_code == 302
    new = studio.memberships.get(replaces=member)
    assert new.birth_month == date(1988, 4, 1)

    response = client.post(
        url,
        {
            "action": "end",
            "membership": new.pk,
            f"end-{new.pk}-end_date": "2025-06-30",
            f"end-{new.pk}-reason": "",
        },
    )
    assert response.status_code == 400  # the reason is required
    page = client.get(url)
    assert page.status_code == 200
    assert member in page.context["history"]


def test_bureau_sees_the_team_with_policy_limits(demo, client, frozen):
    studio = liuzhou_studio()
    client.force_login(demo.user("lz_city"))
    page = client.get(reverse("studios:studio_team", args=[studio.pk]))
    assert page.status_code == 200
    lines = {line.role: line for line in page.context["summary"].roles}
    assert lines[TeamRole.MEMBER].max_count == 15
    assert lines[TeamRole.ASSISTANT].below_min
    assert TeamRole.HOST in dict(page.context["add_form"].fields["role"].choices)


# --- two additions at once ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_additions_at_once_cannot_exceed_the_limit(demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    studio = suizhou_studio()
    host = studio.host
    add(studio, host, TeamRole.MEMBER, user=suizhou_teacher("race_8"), **eligible())
    newcomers = [suizhou_teacher("race_9a"), suizhou_teacher("race_9b")]
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        from django.db import connections

        try:
            barrier.wait()
            with translation.override("en"):
                add(studio, host, TeamRole.MEMBER, user=user, **eligible())
            outcomes.append("ok")
        except StudioError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(u,)) for u in newcomers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert current(studio, TeamRole.MEMBER) == 9


def test_the_team_page_costs_a_constant_number_of_queries(
    demo, client, frozen, django_assert_max_num_queries
):
    studio = suizhou_studio()
    for i in range(6):
        add(studio, studio.host, TeamRole.SHADOW, name=f"跟岗{i}")
    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    team.membership_end(actor=studio.host, membership=member, end_date=date(2025, 2, 1), reason="x")
    client.force_login(studio.host)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("studios:studio_team", args=[studio.pk])).status_code == 200
