"""Growth files: they follow the person across studios and outlive memberships; the host
reviews semester summaries; attendance rates are counted from the attendance records."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry, Notification, User
from accounts.permissions import can
from policies.models import ActivityKind, TeamRole
from studios.errors import StudioError
from studios.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    GrowthPlan,
    Membership,
    MembershipSource,
    SemesterSummary,
)
from studios.services import growth

from .factories import liuzhou_studio, published_studios

pytestmark = pytest.mark.django_db

AUTUMN = date(2025, 1, 10)  # 2024—2025 school year, first semester (spring starts 1 February)
SPRING = date(2025, 6, 20)  # the second semester


@pytest.fixture
def clock(monkeypatch):
    """Set the day views and services see: ``clock(date(...))``."""

    def set_day(day: date) -> None:
        monkeypatch.setattr("core.clock.today", lambda: day)

    set_day(AUTUMN)
    return set_day


@pytest.fixture
def two_studios(demo):
    return published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )


def members(studio):
    return [
        m.user
        for m in studio.memberships.filter(role=TeamRole.MEMBER)
        .select_related("user")
        .order_by("pk")
    ]


def write(member, studio, year=2024, semester=1, text="本学期总结", **report):
    report.setdefault("report_date", date(2025, 1, 8))
    report.setdefault("report_place", "柳城县实验小学报告厅")
    return growth.summary_save(
        actor=member,
        studio=studio,
        school_year=year,
        semester=semester,
        summary=text,
        **report,
    )


def test_semester_labels_follow_the_school_calendar(demo):
    studio = liuzhou_studio()
    first = growth.semester_period(studio, 2024, 1)
    second = growth.semester_period(studio, 2024, 2)
    assert (first.start, first.end) == (date(2024, 9, 1), date(2025, 1, 31))
    assert (second.start, second.end) == (date(2025, 2, 1), date(2025, 8, 31))
    assert growth.current_semester(studio, AUTUMN) == (2024, 1)
    assert growth.current_semester(studio, SPRING) == (2024, 2)
    membership = studio.memberships.filter(role=TeamRole.MEMBER).first()
    choices = growth.semesters_to_summarise(membership, SPRING)
    assert [(y, s) for y, s, _label in choices] == [(2024, 2), (2024, 1)]


def test_growth_plan_versions_belong_to_the_member(demo, clock):
    studio = liuzhou_studio()
    member = members(studio)[0]
    first = growth.growth_plan_save(actor=member, text="三年内成为骨干班主任", studio=studio)
    second = growth.growth_plan_save(actor=member, text="修订：加上课题研究", studio=studio)
    assert (first.version, second.version) == (1, 2)
    assert growth.growth_file(member).plan.pk == second.pk
    assert [p.version for p in growth.growth_file(member).plan_history] == [1]
    for outsider in (studio.host, demo.user("lz_teacher"), demo.user("sz_teacher")):
        with pytest.raises(StudioError):
            growth.growth_plan_save(actor=outsider, text="x", studio=studio)
    with pytest.raises(StudioError):
        growth.growth_plan_save(actor=member, text="   ", studio=studio)
    assert GrowthPlan.objects.count() == 2


def test_summary_rules_semester_started_and_report_back_dated(demo, clock):
    studio = liuzhou_studio()
    member = members(studio)[0]
    with pytest.raises(StudioError):  # the second semester has not started on AUTUMN
        write(member, studio, semester=2)
    with pytest.raises(StudioError):  # a report-back in the future
        write(member, studio, report_date=date(2025, 1, 20))
    with pytest.raises(StudioError):  # a date without a place
        write(member, studio, report_place="")
    with pytest.raises(StudioError):  # before the semester it reports on
        write(member, studio, report_date=date(2024, 8, 20))
    with pytest.raises(StudioError):  # before the studio existed
        write(member, studio, year=2023, report_date=None, report_place="")
    with pytest.raises(StudioError):  # someone else's studio
        write(demo.user("lz_teacher"), studio)
    summary = write(member, studio)
    again = write(member, studio, text="改过的总结", report_date=None, report_place="")
    assert again.pk == summary.pk and again.summary == "改过的总结"
    assert again.report_date is None
    assert SemesterSummary.objects.count() == 1


def test_the_host_reviews_and_the_member_is_told_and_can_no_longer_edit(demo, clock):
    studio, other = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )
    member, colleague = members(studio)[:2]
    summary = write(member, studio)

    for not_the_host in (member, colleague, other.host, demo.user("lz_city")):
        with pytest.raises(StudioError):
            growth.summary_review(actor=not_the_host, summary=summary, comment="好")
    with pytest.raises(StudioError):
        growth.summary_review(actor=studio.host, summary=summary, comment="  ")

    assert can(member, "studios.edit_summary", summary)
    growth.summary_review(actor=studio.host, summary=summary, comment="汇报扎实，继续努力。")
    summary.refresh_from_db()
    assert summary.reviewed_by == studio.host and summary.host_comment == "汇报扎实，继续努力。"
    told = Notification.objects.get(recipient=member, verb="studios.semester_summary.reviewed")
    assert told.url == reverse("studios:growth_file", args=[member.pk])
    assert "2024—2025学年第一学期" in told.title
    assert AuditEntry.objects.filter(
        verb="studios.semester_summary.reviewed", to_state="reviewed"
    ).exists()

    assert not can(member, "studios.edit_summary", summary)
    with pytest.raises(StudioError):
        write(member, studio, text="想再改一下")
    with pytest.raises(StudioError):  # two clicks make one review
        growth.summary_review(actor=studio.host, summary=summary, comment="再评一次")
    summary.refresh_from_db()
    assert summary.summary == "本学期总结"


def test_a_file_follows_the_person_across_studios_and_after_the_membership_ends(
    demo, clock, two_studios, client
):
    first, second = two_studios
    person = members(first)[0]
    Membership.objects.create(
        studio=second,
        role=TeamRole.MEMBER,
        user=person,
        name=person.full_name,
        source=MembershipSource.BUREAU,
        start_date=date(2025, 2, 1),
    )
    write(person, first, text="在第一个工作室的总结")
    growth.growth_plan_save(actor=person, text="我的成长规划", studio=first)

    # The person leaves the first studio at the end of the first semester.
    Membership.objects.filter(studio=first, user=person).update(end_date=date(2025, 1, 31))
    clock(SPRING)
    with pytest.raises(StudioError):
        write(person, first, semester=2, report_date=None, report_place="")
    write(person, second, semester=2, text="在第二个工作室的总结", report_date=date(2025, 6, 18))

    file = growth.growth_file(person)
    assert {t.studio.pk for t in file.studios} == {first.pk, second.pk}
    by_studio = {t.studio.pk: t for t in file.studios}
    assert not by_studio[first.pk].current and by_studio[second.pk].current
    assert [s.summary for s in by_studio[first.pk].summaries] == ["在第一个工作室的总结"]
    assert [s.semester_text for s in file.summaries] == [
        "2024—2025学年第二学期",
        "2024—2025学年第一学期",
    ]
    assert file.plan.text == "我的成长规划"

    url = reverse("studios:growth_file", args=[person.pk])
    for reader in (person, first.host, second.host, demo.user("lz_city"), demo.user("lz_ce")):
        client.force_login(reader)
        page = client.get(url)
        assert page.status_code == 200, reader
        body = page.content.decode()
        assert "在第一个工作室的总结" in body and "在第二个工作室的总结" in body
        assert "2024—2025学年第一学期" in body
    for stranger in (members(first)[1], demo.user("lz_teacher"), demo.user("sz_city")):
        client.force_login(stranger)
        assert client.get(url).status_code == 404

    # The old studio's host still reviews the summary written there.
    old = SemesterSummary.objects.get(person=person, studio=first)
    growth.summary_review(actor=first.host, summary=old, comment="已阅")


def test_attendance_rate_counts_present_over_every_record_and_leave_apart(demo, clock, client):
    studio = liuzhou_studio()
    member, colleague = members(studio)[:2]
    membership = studio.memberships.get(user=member)
    statuses = [
        AttendanceStatus.PRESENT,
        AttendanceStatus.PRESENT,
        AttendanceStatus.PRESENT,
        AttendanceStatus.LEAVE,
        AttendanceStatus.ABSENT,
    ]
    for i, status in enumerate(statuses):
        activity = Activity.objects.create(
            studio=studio,
            kind=ActivityKind.THEMATIC_SEMINAR,
            title=f"专题研讨{i + 1}",
            held_on=date(2024, 10, 1 + i),
            created_by=studio.host,
        )
        Attendance.objects.create(activity=activity, membership=membership, status=status)
        Attendance.objects.create(
            activity=activity,
            membership=studio.memberships.get(user=colleague),
            status=AttendanceStatus.PRESENT,
        )

    rate = growth.growth_file(member).studios[0].attendance
    assert (rate.present, rate.leave, rate.absent, rate.recorded) == (3, 1, 1, 5)
    assert rate.percent == 60
    rows = {row.membership.user_id: row for row in growth.studio_growth(studio)}
    assert rows[member.pk].attendance.percent == 60
    assert rows[colleague.pk].attendance.percent == 100
    nobody = [r for r in rows.values() if r.membership.user_id not in (member.pk, colleague.pk)]
    assert nobody and nobody[0].attendance.percent is None  # nothing recorded: no rate

    client.force_login(studio.host)
    page = client.get(reverse("studios:growth_file", args=[member.pk]))
    assert "60%" in page.content.decode()


def test_member_pages_write_the_plan_and_summaries(demo, clock, client):
    studio = liuzhou_studio()
    member = members(studio)[0]
    client.force_login(member)
    response = client.get(reverse("studios:my_growth"))
    assert response.status_code == 302
    assert response["Location"] == reverse("studios:growth_file", args=[member.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "2024—2025学年第一学期" in page.content.decode()  # the summary form's semester

    response = client.post(
        reverse("studios:my_growth"), {"action": "plan", "studio": studio.pk, "text": "成长规划"}
    )
    assert response.status_code == 302
    assert GrowthPlan.objects.get(person=member).text == "成长规划"

    add = f"add-{studio.pk}"
    response = client.post(
        reverse("studios:my_growth"),
        {
            "action": "summary",
            "form": add,
            f"{add}-semester": "2024-1",
            f"{add}-summary": "第一学期总结",
            f"{add}-report_date": "2025-01-08",
            f"{add}-report_place": "学校会议室",
        },
    )
    assert response.status_code == 302
    summary = SemesterSummary.objects.get(person=member)
    assert (summary.report_date, summary.report_place) == (date(2025, 1, 8), "学校会议室")

    edit = f"edit-{summary.pk}"
    data = {
        "action": "summary",
        "form": edit,
        f"{edit}-semester": "2024-1",
        f"{edit}-summary": "修改后的总结",
        f"{edit}-report_date": "2025-01-08",
        f"{edit}-report_place": "学校会议室",
    }
    assert client.post(reverse("studios:my_growth"), data).status_code == 302
    summary.refresh_from_db()
    assert summary.summary == "修改后的总结"

    # The host reviews on the studio's list; afterwards the member's edit is refused.
    client.force_login(studio.host)
    growth_list = reverse("studios:studio_growth", args=[studio.pk])
    page = client.get(growth_list)
    assert page.status_code == 200 and "修改后的总结" in page.content.decode()
    response = client.post(growth_list, {"summary": summary.pk, "comment": "很好"})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.reviewed_at is not None

    client.force_login(member)
    data[f"{edit}-summary"] = "评完还想改"
    refused = client.post(reverse("studios:my_growth"), data)
    assert refused.status_code == 400
    summary.refresh_from_db()
    assert summary.summary == "修改后的总结"
    assert "很好" in client.get(reverse("studios:growth_file", args=[member.pk])).content.decode()


def test_the_review_list_is_for_the_host_and_the_bureau_reads_it(demo, clock, client):
    studio, other = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )
    member = members(studio)[0]
    summary = write(member, studio)
    url = reverse("studios:studio_growth", args=[studio.pk])

    client.force_login(demo.user("lz_city"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"summary": summary.pk, "comment": "x"}).status_code == 403
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(other.host)
    assert client.get(url).status_code == 404
    assert client.post(url, {"summary": summary.pk, "comment": "x"}).status_code == 404

    # A summary of another studio cannot be reviewed through this studio's list.
    other_summary = write(members(other)[0], other)
    client.force_login(studio.host)
    assert client.post(url, {"summary": other_summary.pk, "comment": "x"}).status_code == 404
    summary.refresh_from_db()
    assert summary.reviewed_at is None


def _review_list_queries(client, studio) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("studios:studio_growth", args=[studio.pk])).status_code == 200
    return len(queries)


def test_review_list_queries_do_not_grow_with_members(demo, clock, client):
    studio = liuzhou_studio()
    for member in members(studio):
        write(member, studio)
    client.force_login(studio.host)
    few = _review_list_queries(client, studio)
    for i in range(6):
        user = User.objects.create_user(f"extra{i}", full_name=f"增补成员{i}")
        Membership.objects.create(
            studio=studio,
            role=TeamRole.MEMBER,
            user=user,
            name=user.full_name,
            source=MembershipSource.BUREAU,
            start_date=date(2024, 10, 1),
        )
        write(user, studio)
        growth.growth_plan_save(actor=user, text="规划", studio=studio)
    assert len(growth.studio_growth(studio)) == 11
    assert _review_list_queries(client, studio) == few


def test_growth_rules_allowed_denied_and_other_studio(demo, clock, two_studios):
    studio, other = two_studios
    member, colleague = members(studio)[:2]
    outsider = members(other)[0]
    assert can(member, "studios.view_growth_file", member)
    assert can(studio.host, "studios.view_growth_file", member)
    assert can(demo.user("lz_city"), "studios.view_growth_file", member)
    assert not can(colleague, "studios.view_growth_file", member)
    assert not can(other.host, "studios.view_growth_file", member)
    assert not can(demo.user("sz_city"), "studios.view_growth_file", member)
    assert growth.growth_person_for(other.host, member.pk) is None
    assert growth.growth_person_for(studio.host, member.pk) == member

    assert can(studio.host, "studios.view_studio_growth", studio)
    assert can(demo.user("lz_ce"), "studios.view_studio_growth", studio)
    assert not can(member, "studios.view_studio_growth", studio)
    assert not can(other.host, "studios.view_studio_growth", studio)

    assert can(member, "studios.keep_growth_file", studio)
    assert not can(studio.host, "studios.keep_growth_file", studio)
    assert not can(outsider, "studios.keep_growth_file", studio)

    summary = write(member, studio)
    assert can(studio.host, "studios.review_summary", summary)
    assert not can(other.host, "studios.review_summary", summary)
    assert not can(member, "studios.review_summary", summary)
    assert not can(colleague, "studios.edit_summary", summary)
