"""Live quota compliance: period edges, pro-rata targets, pace, per-member reports, the grid."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organisation, User
from applications.models import Application
from policies.models import ActivityQuota, TeamRole
from studios.compliance import (
    BEHIND,
    MISSED,
    ON_TRACK,
    compliance_grid,
    group_by_policy,
    studio_compliance,
)
from studios.models import Activity, Membership, MembershipSource, SemesterSummary, Studio
from tests.core.files import assert_served

from .factories import liuzhou_studio, published_studios, suizhou_studio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.django_db


def log(studio: Studio, kind: str, day: date, county: Organisation | None = None) -> Activity:
    return Activity.objects.create(
        studio=studio, kind=kind, title=f"{kind} {day}", held_on=day, served_county=county
    )


def state(studio: Studio, code: str, day: date):
    [found] = [s for s in studio_compliance(studio, day) if s.quota.code == code]
    return found


def county(code: str) -> Organisation:
    return Organisation.objects.get(code=code, city__code="liuzhou")


# --- period edges --------------------------------------------------------------------------


def test_31_august_counts_for_the_school_year_ending_1_september_for_the_next(demo):
    studio = liuzhou_studio()
    liucheng = studio.paired_county
    assert liucheng.name == "柳城县"
    log(studio, "pairing_visit", date(2025, 8, 31), liucheng)

    on_31 = state(studio, "pairing", date(2025, 8, 31))
    assert (on_31.period.start, on_31.period.end) == (date(2024, 9, 1), date(2025, 8, 31))
    assert (on_31.count, on_31.target) == (1, 4)
    assert on_31.state == BEHIND  # the last day of the school year: 4 were due

    on_1 = state(studio, "pairing", date(2025, 9, 1))
    assert on_1.period.start == date(2025, 9, 1) and on_1.count == 0
    assert on_1.state == MISSED
    assert [(m.period.start, m.count, m.target) for m in on_1.missed] == [(date(2024, 9, 1), 1, 4)]

    log(studio, "pairing_visit", date(2025, 9, 1), liucheng)
    assert state(studio, "pairing", date(2025, 9, 1)).count == 1


def test_semester_boundary_31_january_and_1_february(demo):
    studio = liuzhou_studio()
    log(studio, "onsite_seminar", date(2025, 1, 31))
    first = state(studio, "onsite-seminar", date(2025, 1, 31))
    assert (first.period.start, first.period.end) == (date(2024, 9, 1), date(2025, 1, 31))
    assert (first.count, first.target, first.state) == (1, 1, ON_TRACK)

    second = state(studio, "onsite-seminar", date(2025, 2, 1))
    assert (second.period.start, second.period.end) == (date(2025, 2, 1), date(2025, 8, 31))
    assert second.count == 0 and second.state == ON_TRACK and second.missed == []


def test_a_seminar_on_1_february_leaves_the_first_semester_missed(demo):
    studio = liuzhou_studio()
    log(studio, "onsite_seminar", date(2025, 2, 1))
    second = state(studio, "onsite-seminar", date(2025, 2, 1))
    assert second.count == 1
    assert second.state == MISSED
    assert [m.period.end for m in second.missed] == [date(2025, 1, 31)]


def test_a_month_with_no_seminar_is_missed_once_it_closes(demo):
    studio = liuzhou_studio()
    log(studio, "thematic_seminar", date(2024, 9, 12))
    log(studio, "online_salon", date(2024, 11, 3))

    mid_october = state(studio, "monthly-seminar", date(2024, 10, 15))
    assert (mid_october.count, mid_october.target, mid_october.state) == (0, 1, ON_TRACK)
    last_day = state(studio, "monthly-seminar", date(2024, 10, 31))
    assert last_day.state == BEHIND and last_day.expected == 1

    november = state(studio, "monthly-seminar", date(2024, 11, 15))
    assert november.count == 1
    assert november.state == MISSED
    assert [m.period.start for m in november.missed] == [date(2024, 10, 1)]
    assert november.colour == "red"

    december = state(studio, "monthly-seminar", date(2024, 12, 10))
    assert december.state == ON_TRACK and december.colour == "green"
    assert [m.period.start for m in december.missed] == [date(2024, 10, 1)]  # history stays


def test_a_salon_and_a_training_the_same_day_each_count_for_their_own_quota(demo):
    studio = liuzhou_studio()
    day = date(2025, 3, 14)
    log(studio, "online_salon", day)
    log(studio, "training", day)
    states = {s.quota.code: s for s in studio_compliance(studio, date(2025, 3, 20))}
    assert states["monthly-seminar"].count == 1
    assert states["training"].count == 1
    assert states["onsite-seminar"].count == 0
    assert states["pairing"].count == 0


def test_an_activity_whose_kind_is_in_two_quotas_counts_for_both(demo):
    studio = liuzhou_studio()
    ActivityQuota.objects.create(
        policy=studio.policy,
        code="lectures",
        name="讲座",
        kinds=["lecture"],
        min_count=1,
        period="semester",
    )
    log(studio, "lecture", date(2025, 3, 14), studio.paired_county)
    states = {s.quota.code: s for s in studio_compliance(studio, date(2025, 3, 20))}
    assert states["pairing"].count == 1
    assert states["lectures"].count == 1


def test_pairing_counts_only_activities_in_the_paired_county(demo):
    studio = liuzhou_studio()
    log(studio, "lecture", date(2024, 10, 8), county("luzhai"))
    log(studio, "lecture", date(2024, 10, 9))  # at the host's own school
    log(studio, "research_meeting", date(2024, 10, 10), studio.paired_county)
    log(studio, "demonstration_class_meeting", date(2024, 10, 11), studio.paired_county)
    log(studio, "training", date(2024, 10, 12), studio.paired_county)  # not a pairing kind
    assert state(studio, "pairing", date(2024, 10, 20)).count == 2


def test_activities_after_today_and_outside_the_term_do_not_count(demo):
    studio = liuzhou_studio()
    log(studio, "training", date(2024, 8, 20))  # before the term
    log(studio, "training", date(2024, 12, 20))  # after "today"
    assert state(studio, "training", date(2024, 12, 1)).count == 0


# --- targets and pace ----------------------------------------------------------------------


def test_a_period_the_term_only_partly_covers_has_a_pro_rata_target(demo):
    studio = liuzhou_studio()
    first = state(studio, "training", date(2024, 10, 1))
    # 2 a calendar year; the term covers 1 September – 31 December 2024: ⌈2 × 122/366⌉ = 1
    assert (first.period.start, first.period.end) == (date(2024, 9, 1), date(2024, 12, 31))
    assert first.target == 1 and first.partial
    full = state(studio, "training", date(2025, 10, 1))
    assert full.target == 2 and not full.partial
    last = state(studio, "training", date(2027, 5, 1))
    # the term ends 31 August 2027: ⌈2 × 243/365⌉ = 2
    assert (last.period.end, last.target, last.partial) == (date(2027, 8, 31), 2, True)


def test_on_pace_is_the_share_of_the_target_the_elapsed_part_of_the_period_asks_for(demo):
    studio = liuzhou_studio()
    log(studio, "training", date(2024, 11, 5))  # 2024 (pro rata 1) is met
    # 2025: 2 trainings a year; ⌊2 × 181/365⌋ = 0 on 30 June, ⌊2 × 183/365⌋ = 1 on 2 July
    early = state(studio, "training", date(2025, 6, 30))
    assert (early.expected, early.state) == (0, ON_TRACK)
    late = state(studio, "training", date(2025, 7, 2))
    assert (late.expected, late.state) == (1, BEHIND)
    assert late.colour == "amber"
    log(studio, "training", date(2025, 4, 1))
    assert state(studio, "training", date(2025, 7, 2)).state == ON_TRACK
    assert state(studio, "training", date(2025, 12, 31)).state == BEHIND
    log(studio, "training", date(2025, 12, 31))
    done = state(studio, "training", date(2025, 12, 31))
    assert (done.count, done.target, done.state) == (2, 2, ON_TRACK)


def test_before_the_term_and_after_it(demo):
    studio = liuzhou_studio()
    before = state(studio, "monthly-seminar", date(2024, 8, 1))
    assert before.period.start == date(2024, 9, 1) and before.state == ON_TRACK
    assert before.missed == []
    for month in range(1, 13):
        for year in (2025, 2026):
            log(studio, "online_salon", date(year, month, 5))
    log(studio, "online_salon", date(2024, 9, 5))
    log(studio, "online_salon", date(2024, 10, 5))
    log(studio, "online_salon", date(2024, 11, 5))
    log(studio, "online_salon", date(2024, 12, 5))
    for month in range(1, 9):
        log(studio, "online_salon", date(2027, month, 5))
    after = state(studio, "monthly-seminar", date(2027, 10, 1))
    assert after.closed and after.period.end == date(2027, 8, 31)
    assert (after.count, after.state, after.missed) == (1, ON_TRACK, [])


# --- per-member quotas ---------------------------------------------------------------------


def report(membership: Membership, day: date, *, year: int, semester: int) -> None:
    SemesterSummary.objects.create(
        person=membership.user,
        studio=membership.studio,
        school_year=year,
        semester=semester,
        summary="学期总结",
        report_date=day,
    )


def test_every_member_reports_at_their_school_each_semester(demo):
    studio = suizhou_studio()
    members = list(studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk"))
    assert len(members) == 7
    for m in members[:3]:
        report(m, date(2025, 1, 10), year=2024, semester=1)
    report(members[3], date(2025, 3, 1), year=2024, semester=2)  # the next semester

    mid = state(studio, "member-school-report", date(2024, 11, 1))
    assert (mid.count, mid.target) == (0, 7)
    january = state(studio, "member-school-report", date(2025, 1, 20))
    assert (january.count, january.target) == (3, 7)
    assert january.state == ON_TRACK  # reports are due at the end of the semester, not paced
    last_day = state(studio, "member-school-report", date(2025, 1, 31))
    assert last_day.state == BEHIND  # the semester's last day: all 7 are due, 3 came

    february = state(studio, "member-school-report", date(2025, 2, 10))
    assert february.state == MISSED
    [missed] = february.missed
    assert (missed.count, missed.target) == (3, 7)
    assert (february.count, february.target) == (0, 7)


def test_members_who_left_owe_no_report_and_extra_reports_do_not_stand_in(demo):
    studio = suizhou_studio()
    members = list(studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk"))
    Membership.objects.filter(pk__in=[m.pk for m in members[5:]]).update(
        end_date=date(2024, 10, 1), end_reason="调离"
    )
    for m in members[:5]:
        report(m, date(2025, 1, 15), year=2024, semester=1)
    # a member of another studio reporting does not count here
    other = Membership.objects.create(
        studio=suizhou_studio("sz_host_2"),
        role=TeamRole.MEMBER,
        user=User.objects.create_user("outsider", full_name="外人"),
        name="外人",
        source=MembershipSource.HOST,
        start_date=date(2024, 9, 1),
    )
    report(other, date(2025, 1, 15), year=2024, semester=1)
    done = state(studio, "member-school-report", date(2025, 1, 31))
    assert (done.count, done.target, done.state) == (5, 5, ON_TRACK)


def test_cross_studio_exchange_every_semester(demo):
    studio = suizhou_studio()
    log(studio, "cross_studio_exchange", date(2024, 12, 1))
    assert state(studio, "cross-studio-exchange", date(2025, 1, 31)).state == ON_TRACK
    assert state(studio, "cross-studio-exchange", date(2025, 8, 1)).state == ON_TRACK
    assert state(studio, "cross-studio-exchange", date(2025, 8, 31)).state == BEHIND
    assert state(studio, "cross-studio-exchange", date(2025, 9, 1)).state == MISSED


# --- the grid ------------------------------------------------------------------------------


def more_studios(template: Studio, count: int, *, prefix: str) -> list[Studio]:
    """Studios cloned from a published one with plain ORM rows (each needs its own application)."""
    hosts = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", full_name=f"主持人{i}") for i in range(count)]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                call=template.call,
                applicant=host,
                school=template.school,
                county=template.county,
                paired_county=template.paired_county,
                school_stage=template.school_stage,
                status=template.application.status,
                host_name=host.full_name,
            )
            for host in hosts
        ]
    )
    studios = Studio.objects.bulk_create(
        [
            Studio(
                policy=template.policy,
                call=template.call,
                application=application,
                name=f"{application.host_name}工作室",
                host=application.applicant,
                school=template.school,
                county=template.county,
                paired_county=template.paired_county,
                school_stage=template.school_stage,
                term_start=template.term_start,
                term_end=template.term_end,
                plaque_number=f"{prefix}-{i:04d}",
                published_on=template.published_on,
            )
            for i, application in enumerate(applications)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                studio=studio,
                role=TeamRole.MEMBER,
                name=f"成员{j}",
                source=MembershipSource.APPLICATION,
                start_date=studio.term_start,
            )
            for studio in studios
            for j in range(3)
        ]
    )
    Activity.objects.bulk_create(
        [
            Activity(
                studio=studio,
                kind=kind,
                title=kind,
                held_on=date(2024, 9, 1) + timedelta(days=day),
                served_county=studio.paired_county,
            )
            for i, studio in enumerate(studios)
            for kind, day in (("online_salon", 10), ("training", 40 + i % 30), ("lecture", 70))
        ]
    )
    return studios


def grid_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_grid_runs_the_same_number_of_queries_for_5_and_40_studios(
    demo, client_for, monkeypatch
):

    monkeypatch.setattr("core.clock.today", lambda: date(2025, 3, 10))
    [lz] = published_studios("liuzhou-2024", [("liucheng-sx", "lz_host")], city="liuzhou")
    [sz] = published_studios("suizhou", [("zengdu-sx", "sz_host")], city="suizhou")
    more_studios(lz, 2, prefix="lz")
    more_studios(sz, 1, prefix="sz")
    client = client_for("admin")  # a superuser sees both cities: two policies, two groups
    url = reverse("studios:compliance_grid")
    few = grid_queries(client, url)
    response = client.get(url)
    assert response.context["page_obj"].paginator.count == 5
    assert len(response.context["groups"]) == 2

    more_studios(lz, 18, prefix="lzb")
    more_studios(sz, 17, prefix="szb")
    many = grid_queries(client, url)
    response = client.get(url)
    assert response.context["page_obj"].paginator.count == 40
    assert sum(len(g.rows) for g in response.context["groups"]) == 40
    assert few == many, (few, many)
    assert many <= 15

    with CaptureQueriesContext(connection) as queries:
        rows = compliance_grid(Studio.objects.all(), date(2025, 3, 10))
    assert len(rows) == 40
    assert len(queries) <= 6

    from io import BytesIO

    from openpyxl import load_workbook

    export = client.get(reverse("studios:compliance_export"))
    assert_served(export, XLSX)
    sheets = load_workbook(BytesIO(export.content)).worksheets
    assert [sheet.max_row for sheet in sheets] == [22, 20]  # a sheet per policy, with headers


def test_the_grid_shows_counts_with_words_and_colours(demo, client_for, monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: date(2024, 11, 15))
    studio = liuzhou_studio()
    log(studio, "thematic_seminar", date(2024, 9, 12))  # October has none: missed
    log(studio, "pairing_visit", date(2024, 10, 9), studio.paired_county)
    log(studio, "pairing_visit", date(2024, 11, 9), studio.paired_county)
    response = client_for("lz_city").get(reverse("studios:compliance_grid"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="ms-cell ms-cell-red" data-state="missed"' in page
    assert "2/4" in page
    [group] = response.context["groups"]
    [row] = group.rows
    assert [s.colour for s in row.states] == ["green", "red", "green", "green"]

    # filters: another county shows nothing, the studio's county shows it
    luzhai = county("luzhai")
    response = client_for("lz_city").get(reverse("studios:compliance_grid"), {"county": luzhai.pk})
    assert response.context["page_obj"].paginator.count == 0
    response = client_for("lz_city").get(
        reverse("studios:compliance_grid"), {"county": studio.county_id, "stage": "primary"}
    )
    assert response.context["page_obj"].paginator.count == 1


def test_the_grid_is_for_oversight_roles_within_their_scope(demo, client_for):
    liuzhou_studio()
    suizhou_studio()
    assert client_for("lz_teacher").get(reverse("studios:compliance_grid")).status_code == 403
    assert client_for("lz_school").get(reverse("studios:compliance_grid")).status_code == 403
    response = client_for("sz_city").get(reverse("studios:compliance_grid"))
    assert [r.studio.policy.code for g in response.context["groups"] for r in g.rows] == ["suizhou"]
    response = client_for("lz_county_luzhai").get(reverse("studios:compliance_grid"))
    assert response.context["page_obj"].paginator.count == 0  # the studio is in 柳城县


def test_group_by_policy_keeps_each_policys_columns(demo):
    lz = liuzhou_studio()
    sz = suizhou_studio()
    groups = group_by_policy(compliance_grid([lz, sz], date(2025, 3, 1)))
    assert [[q.code for q in g.quotas] for g in groups] == [
        ["training", "monthly-seminar", "onsite-seminar", "pairing"],
        ["cross-studio-exchange", "member-school-report"],
    ]


def test_the_export_is_an_xlsx_with_chinese_headers(demo, client_for, monkeypatch):
    from io import BytesIO

    from openpyxl import load_workbook

    monkeypatch.setattr("core.clock.today", lambda: date(2024, 11, 15))
    studio = liuzhou_studio()
    log(studio, "pairing_visit", date(2024, 10, 9), studio.paired_county)
    response = client_for("lz_city").get(reverse("studios:compliance_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(BytesIO(response.content))
    [sheet] = workbook.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("工作室", "牌匾编号", "县（市、区）", "学段")
    assert rows[0][4:] == (
        "教育培训",
        "专题研讨或线上沙龙",
        "班主任工作现场专题研讨会",
        "结对帮扶活动",
    )
    assert rows[1][0] == studio.name
    assert rows[1][7].startswith("1/4")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 36


def test_the_studio_panel_include_shows_states_in_words(demo):
    from django.template.loader import render_to_string

    studio = liuzhou_studio()
    log(studio, "thematic_seminar", date(2024, 9, 12))
    html = render_to_string(
        "studios/_compliance.html", {"compliance": studio_compliance(studio, date(2024, 11, 15))}
    )
    assert 'class="ms-state ms-state-red" data-state="missed"' in html
    assert "0/4" in html and "结对帮扶活动" in html
    assert "ms-empty" in render_to_string("studios/_compliance.html", {"compliance": []})
