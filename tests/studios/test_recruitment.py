"""The bureau's member recruitment: rounds, requests, seat limits per studio, notifications."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.home import panels_for
from accounts.models import AuditEntry, Notification
from accounts.permissions import can
from policies.models import TeamRole
from studios.errors import StudioError
from studios.models import MembershipSource, RecruitmentStatus, SeatRequest, SeatRequestStatus
from studios.services import recruitment, team
from tests.applications.factories import teacher_at

from .factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

OPENS, CLOSES = date(2025, 3, 1), date(2025, 3, 31)
DURING, ASSIGNED_ON = date(2025, 3, 10), date(2025, 4, 7)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("core.clock.today", lambda: DURING)
    return DURING


def open_round(studio, actor, **fields):
    values = {"title": "柳州市名班主任工作室成员增补", "opens_on": OPENS, "closes_on": CLOSES}
    values.update(fields)
    return recruitment.round_open(actor=actor, call=studio.call, **values)


def request_seat(round_, studio, teacher, *, today=DURING, **fields):
    values = {
        "birth_month": date(1986, 3, 1),
        "head_teacher_years": 8,
        "statement": "希望在工作室提升班级管理能力。",
    }
    values.update(fields)
    return recruitment.seat_request_file(
        actor=teacher, round=round_, studio=studio, today=today, **values
    )


def bureau_members(studio) -> int:
    return team.holding_seat_on(
        studio.memberships.filter(role=TeamRole.MEMBER, source=MembershipSource.BUREAU),
        ASSIGNED_ON,
    ).count()


@pytest.fixture
def two_studios(demo):
    return published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )


def test_no_studio_gets_an_eleventh_assigned_member(demo, two_studios):
    a, b = two_studios
    bureau = demo.user("lz_city")
    round_ = open_round(a, bureau)
    assert round_.status == RecruitmentStatus.OPEN
    assert Notification.objects.filter(recipient=a.host, verb="studios.recruitment.opened")

    for_a = [request_seat(round_, a, teacher_at("liucheng-zx", f"ra{i}")) for i in range(11)]
    for_b = [request_seat(round_, b, teacher_at("luzhai-zx", f"rb{i}")) for i in range(2)]
    recruitment.round_close(actor=bureau, round=round_)

    result = recruitment.seats_assign(
        actor=bureau,
        round=round_,
        request_ids=[r.pk for r in for_a + for_b],
        today=ASSIGNED_ON,
    )
    assert len(result.assigned) == 12
    [(refused, message)] = result.refused
    assert refused == for_a[-1]
    assert a.name in message and "10 of 10" in message
    assert bureau_members(a) == 10
    assert bureau_members(b) == 2
    refused.refresh_from_db()
    assert refused.status == SeatRequestStatus.PENDING and refused.membership is None

    assigned = SeatRequest.objects.get(pk=for_a[0].pk)
    assert assigned.status == SeatRequestStatus.ASSIGNED
    membership = assigned.membership
    assert (membership.source, membership.start_date) == (MembershipSource.BUREAU, ASSIGNED_ON)
    assert membership.user == assigned.teacher and membership.studio == a
    # The team now holds every seat the policy has: 5 host-recruited + 10 bureau-assigned.
    assert team.current_on(a.memberships.filter(role="member"), ASSIGNED_ON).count() == 15

    # Notified: each assigned teacher, each host once.
    for r in for_a[:10] + for_b:
        assert Notification.objects.filter(
            recipient=r.teacher, verb="studios.seat_request.assigned"
        ).exists()
    assert not Notification.objects.filter(
        recipient=refused.teacher, verb="studios.seat_request.assigned"
    ).exists()
    assert (
        Notification.objects.filter(
            recipient=a.host, verb="studios.recruitment.members_assigned"
        ).count()
        == 1
    )
    assert AuditEntry.objects.filter(verb="studios.seat_request.assigned").count() == 12

    # Assigning again changes nothing: decided requests are skipped, the 11th still refused.
    again = recruitment.seats_assign(
        actor=bureau, round=round_, request_ids=[r.pk for r in for_a], today=ASSIGNED_ON
    )
    assert (len(again.assigned), len(again.skipped), len(again.refused)) == (0, 10, 1)
    assert bureau_members(a) == 10

    recruitment.round_finish(actor=bureau, round=round_)
    refused.refresh_from_db()
    assert refused.status == SeatRequestStatus.NOT_ASSIGNED
    assert Notification.objects.filter(
        recipient=refused.teacher, verb="studios.seat_request.not_assigned"
    ).exists()
    with pytest.raises(StudioError):
        recruitment.seats_assign(
            actor=bureau, round=round_, request_ids=[refused.pk], today=ASSIGNED_ON
        )

    # A later round offers A no seat.
    later = open_round(a, bureau, opens_on=date(2025, 5, 1), closes_on=date(2025, 5, 31))
    with pytest.raises(StudioError) as full:
        request_seat(later, a, teacher_at("liucheng-zx", "late"), today=date(2025, 5, 5))
    assert a.name in str(full.value)
    request_seat(later, b, teacher_at("luzhai-zx", "late_b"), today=date(2025, 5, 5))


def test_a_round_from_year_one_to_9999_is_refused(demo):
    """The probe opened a round from 0001-01-01 to 9999-12-31; the dates are now bounded."""
    studio = liuzhou_studio()
    bureau = demo.user("lz_city")
    for opens_on, closes_on in (
        (date(1, 1, 1), CLOSES),
        (OPENS, date(9999, 12, 31)),
    ):
        with pytest.raises(StudioError, match="Give a date between"):
            open_round(studio, bureau, opens_on=opens_on, closes_on=closes_on)
    assert not studio.call.recruitment_rounds.exists()


def test_a_suizhou_round_cannot_be_opened(demo):
    studio = suizhou_studio()
    with pytest.raises(StudioError) as refused:
        recruitment.round_open(
            actor=demo.user("sz_city"),
            call=studio.call,
            title="增补",
            opens_on=OPENS,
            closes_on=CLOSES,
        )
    assert studio.policy.name in str(refused.value)
    assert not studio.call.recruitment_rounds.exists()


def test_only_the_bureau_of_the_city_opens_and_assigns(demo):
    studio = liuzhou_studio()
    for outsider in ("lz_county", "lz_teacher", "sz_city"):
        with pytest.raises(StudioError):
            open_round(studio, demo.user(outsider))
    round_ = open_round(studio, demo.user("lz_ce"))  # the centre runs the programme too
    assert can(demo.user("lz_city"), "studios.run_recruitment", round_)
    assert not can(demo.user("sz_city"), "studios.run_recruitment", round_)
    assert not can(demo.user("lz_teacher"), "studios.run_recruitment", round_)
    with pytest.raises(StudioError):  # one round under way per batch
        open_round(studio, demo.user("lz_city"))
    with pytest.raises(StudioError):
        recruitment.round_close(actor=demo.user("lz_teacher"), round=round_)
    with pytest.raises(StudioError):  # seats are assigned after the round closes
        recruitment.seats_assign(
            actor=demo.user("lz_city"), round=round_, request_ids=[], today=ASSIGNED_ON
        )
    recruitment.round_close(actor=demo.user("lz_city"), round=round_)
    with pytest.raises(StudioError):
        recruitment.round_close(actor=demo.user("lz_city"), round=round_)
    with pytest.raises(StudioError):
        recruitment.seats_assign(
            actor=demo.user("sz_city"), round=round_, request_ids=[], today=ASSIGNED_ON
        )


def test_a_teacher_requests_once_per_round(demo, two_studios):
    a, b = two_studios
    round_ = open_round(a, demo.user("lz_city"))
    teacher = demo.user("lz_teacher")
    request_seat(round_, a, teacher)
    with pytest.raises(StudioError) as twice:
        request_seat(round_, b, teacher)
    assert "already requested" in str(twice.value)
    assert SeatRequest.objects.filter(teacher=teacher).count() == 1
    assert Notification.objects.filter(
        recipient=teacher, verb="studios.seat_request.filed"
    ).exists()


def test_requests_are_checked_against_the_policy_and_the_dates(demo):
    studio = liuzhou_studio()
    round_ = open_round(studio, demo.user("lz_city"))
    with pytest.raises(StudioError) as young:
        request_seat(round_, studio, teacher_at("liucheng-zx", "new_ht"), head_teacher_years=3)
    assert "at least 5" in str(young.value)
    with pytest.raises(StudioError):
        request_seat(round_, studio, teacher_at("liucheng-zx", "early"), today=date(2025, 2, 1))
    with pytest.raises(StudioError):
        request_seat(round_, studio, teacher_at("liucheng-zx", "late"), today=date(2025, 4, 1))
    with pytest.raises(StudioError):  # not a teacher
        request_seat(round_, studio, demo.user("lz_county"))
    with pytest.raises(StudioError):  # another city's teacher
        request_seat(round_, studio, demo.user("sz_teacher"))
    member = studio.memberships.filter(role=TeamRole.MEMBER).first()
    with pytest.raises(StudioError) as inside:
        request_seat(round_, studio, member.user)
    assert "already in the team" in str(inside.value)
    assert not SeatRequest.objects.exists()


# --- pages ----------------------------------------------------------------------------------


def test_the_journey_through_the_pages(demo, client, frozen):
    studio = liuzhou_studio()
    bureau, teacher = demo.user("lz_city"), demo.user("lz_teacher")

    client.force_login(bureau)
    page = client.get(reverse("studios:recruitment_list"))
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.calls) == [studio.call_id]
    response = client.post(
        reverse("studios:recruitment_list"),
        {
            "call": studio.call_id,
            "title": "成员增补",
            "opens_on": "2025-03-01",
            "closes_on": "2025-03-31",
        },
    )
    assert response.status_code == 302
    round_ = studio.call.recruitment_rounds.get()

    client.force_login(teacher)
    page = client.get(reverse("studios:recruitment_list"))
    assert round_ in page.context["teaching"]
    panel_urls = [item.url for panel in panels_for(teacher) for item in panel.items]
    assert reverse("studios:recruitment_detail", args=[round_.pk]) in panel_urls
    page = client.get(reverse("studios:recruitment_detail", args=[round_.pk]))
    assert page.status_code == 200
    assert [s.pk for s in page.context["studios"]] == [studio.pk]
    assert page.context["studios"][0].seats_remaining == 10
    response = client.post(
        reverse("studios:seat_request", args=[round_.pk]),
        {
            "studio": studio.pk,
            "school": demo.org("liucheng-sx").pk,
            "birth_month": "1987-09",
            "head_teacher_years": "7",
            "statement": "想学习班级文化建设。",
        },
    )
    assert response.status_code == 302
    request = SeatRequest.objects.get(teacher=teacher)
    assert request.birth_month == date(1987, 9, 1)
    # The teacher cannot run the round.
    assert client.post(reverse("studios:recruitment_close", args=[round_.pk])).status_code == 403
    response = client.post(
        reverse("studios:recruitment_assign", args=[round_.pk]), {"requests": request.pk}
    )
    assert response.status_code == 403

    client.force_login(bureau)
    client.post(reverse("studios:recruitment_close", args=[round_.pk]))
    round_.refresh_from_db()
    assert round_.status == RecruitmentStatus.CLOSED
    panel_urls = [item.url for panel in panels_for(bureau) for item in panel.items]
    assert reverse("studios:recruitment_detail", args=[round_.pk]) in panel_urls
    page = client.get(reverse("studios:recruitment_detail", args=[round_.pk]))
    assert page.context["can_assign"]
    assert page.context["studios"][0].round_requests == [request]
    response = client.post(
        reverse("studios:recruitment_assign", args=[round_.pk]), {"requests": request.pk}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SeatRequestStatus.ASSIGNED
    client.post(reverse("studios:recruitment_finish", args=[round_.pk]))
    round_.refresh_from_db()
    assert round_.status == RecruitmentStatus.DONE


def test_rounds_stay_inside_their_city(demo, client, frozen):
    studio = liuzhou_studio()
    round_ = open_round(studio, demo.user("lz_city"))
    url = reverse("studios:recruitment_detail", args=[round_.pk])
    for outsider in ("sz_city", "sz_teacher", "lz_county"):
        client.force_login(demo.user(outsider))
        assert client.get(url).status_code == 404
    client.force_login(demo.user("sz_city"))
    assert round_ not in client.get(reverse("studios:recruitment_list")).context["run"]
    assert client.post(reverse("studios:recruitment_close", args=[round_.pk])).status_code == 404


def test_the_bureaus_round_page_costs_a_constant_number_of_queries(
    demo, two_studios, client, frozen, django_assert_max_num_queries
):
    a, b = two_studios
    round_ = open_round(a, demo.user("lz_city"))
    for i in range(6):
        request_seat(round_, a if i % 2 else b, teacher_at("liubei-cz", f"q{i}"))
    client.force_login(demo.user("lz_city"))
    with django_assert_max_num_queries(15):
        page = client.get(reverse("studios:recruitment_detail", args=[round_.pk]))
    assert page.status_code == 200
    assert sum(len(s.round_requests) for s in page.context["studios"]) == 6
