"""Shareable public pages: the plaque's QR code and the page it opens, a studio's public page and
the directory (what a link preview reads, what they never show), and the calendar feeds (a
person's deadlines, a studio's activities) behind a secret address that can be revoked."""

import io
import subprocess
from datetime import date, timedelta

import lxml.html
import pytest
import zxingcpp
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar
from PIL import Image
from pypdf import PdfReader

from accounts.models import AuditEntry, User
from applications.models import ApplicationStatus, Call, CallStatus, ExpertAssignment
from assessments.services import report_open
from studios.models import (
    VERIFICATION_ALPHABET,
    Activity,
    CalendarFeed,
    Membership,
    MembershipSource,
    Studio,
)
from tests.applications.factories import draft, open_call, submitted, teacher_at
from tests.test_list_queries import _applications, _call

from .factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

BASE = "https://mingshi.example.org"
TODAY = date(2025, 3, 20)
HOST_PHONE = "13800000000"  # every host's phone in the factories
MEMBER_PHONE = "1390000"  # the start of every team row's phone


@pytest.fixture(autouse=True)
def site(settings, monkeypatch):
    settings.MINGSHI_BASE_URL = BASE
    monkeypatch.setattr("core.clock.today", lambda: TODAY)


def html_of(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def meta(doc, key: str) -> str:
    found = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    assert len(found) == 1, (key, found)
    return found[0]


def queries(client, url: str) -> int:
    client.get(url)  # caches that fill once (content types, the site) are not the page's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


# --- the plaque's QR code ------------------------------------------------------------------------


def decoded(image: Image.Image) -> list[str]:
    """What a QR reader (zxing-cpp, the library behind most Android scanners) reads in ``image``."""
    return [
        result.text
        for result in zxingcpp.read_barcodes(image.convert("L"))
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_certificate_carries_a_qr_code_that_opens_its_verification_page(
    demo, client_for, tmp_path
):
    studio = liuzhou_studio()
    expected = f"{BASE}/plaques/{studio.verification_code}/"
    response = client_for(studio.host.username).get(
        reverse("studios:studio_certificate", args=[studio.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content

    # The image WeasyPrint embedded is the QR code of the page's address, drawn unsmoothed.
    (page,) = PdfReader(io.BytesIO(pdf)).pages
    (image,) = page.images
    assert decoded(image.image) == [expected]
    (xobject,) = page["/Resources"]["/XObject"].values()
    xobject = xobject.get_object()
    assert xobject["/Interpolate"].value is False

    # What a phone sees of the printed page: the whole page at 150 dpi, read as one picture.
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "certificate.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / "page.png") as page_image:
        assert decoded(page_image) == [expected]

    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "扫码核验牌匾" in text and expected in "".join(text.split())  # wrapped to fit
    assert studio.plaque_number in text and studio.name in text

    # The address opens the studio's plaque for anyone.
    opened = Client().get(expected.removeprefix(BASE))
    assert opened.status_code == 200
    result = html_of(opened).xpath('//*[@data-testid="plaque-result"]')[0]
    assert result.get("data-state") == "active"
    assert studio.name in result.text_content()
    assert "牌匾真实有效：工作室正常运行。" in result.text_content()


def test_plaque_codes_are_random_and_not_the_plaque_number(demo):
    studios = published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )
    codes = [s.verification_code for s in studios]
    assert len(set(codes)) == 2
    for studio, code in zip(studios, codes, strict=True):
        assert len(code) == 12 and set(code) <= set(VERIFICATION_ALPHABET)
        assert code not in studio.plaque_number and studio.plaque_number not in code


def test_the_verification_page_says_active_revoked_or_ended_in_words(demo, monkeypatch):
    studio = liuzhou_studio()
    url = reverse("studios:plaque_check", args=[studio.verification_code])
    anonymous = Client()

    def state():
        doc = html_of(anonymous.get(url))
        (result,) = doc.xpath('//*[@data-testid="plaque-result"]')
        return result.get("data-state"), result.text_content()

    shown, text = state()
    assert shown == "active" and "正常运行" in text
    for public in (studio.name, studio.plaque_number, studio.application.host_name):
        assert public in text
    html = anonymous.get(url).content.decode()
    assert HOST_PHONE not in html and MEMBER_PHONE not in html

    Studio.objects.filter(pk=studio.pk).update(status="revoked", revoked_on=date(2025, 1, 10))
    shown, text = state()
    assert shown == "revoked" and "已被撤销" in text and "2025年1月10日" in text

    Studio.objects.filter(pk=studio.pk).update(status="active", revoked_on=None)
    monkeypatch.setattr("core.clock.today", lambda: date(2027, 9, 1))
    shown, text = state()
    assert shown == "ended" and "任期已满" in text

    # The number search stays as it was (links to it keep working), and agrees.
    by_number = anonymous.get(reverse("studios:plaque_verify"), {"number": studio.plaque_number})
    assert by_number.context["studio"] == studio and by_number.context["state"] == "ended"


@pytest.mark.parametrize(
    "code", ["abcdefghjkmn", "ABCDEFGHJKMN", "short", "0" * 12, "a" * 200, "%00", "…" * 12]
)
def test_a_code_no_plaque_has_is_a_404(demo, code, django_assert_max_num_queries):
    liuzhou_studio()
    with django_assert_max_num_queries(1):
        response = Client().get(reverse("studios:plaque_check", args=[code]))
    assert response.status_code == 404


def test_a_code_is_read_whatever_its_case(demo):
    studio = liuzhou_studio()
    url = reverse("studios:plaque_check", args=[studio.verification_code.upper()])
    assert Client().get(url).status_code == 200


# --- a studio's public page and the directory -----------------------------------------------------


def test_the_public_page_has_a_title_a_description_and_a_preview(demo):
    studio = liuzhou_studio()
    path = reverse("studios:studio_public", args=[studio.pk])
    doc = html_of(Client().get(path))
    assert doc.findtext(".//title").startswith(studio.name)
    assert meta(doc, "og:title") == studio.name
    description = meta(doc, "description")
    assert meta(doc, "og:description") == description
    assert studio.application.host_name in description and studio.school.name in description
    assert meta(doc, "og:url") == f"{BASE}{path}"
    assert doc.xpath('//link[@rel="canonical"]/@href') == [f"{BASE}{path}"]
    image = meta(doc, "og:image")
    assert image.startswith(f"{BASE}/static/")
    assert finders.find(image.removeprefix(f"{BASE}/static/")), "the preview image is served"
    with Image.open(finders.find(image.removeprefix(f"{BASE}/static/"))) as picture:
        assert min(picture.size) >= 300  # WeChat's smallest thumbnail
    assert meta(doc, "og:type") == "website"
    text = doc.text_content()
    assert studio.plaque_number in text and "运行中" in text
    verify = reverse("studios:plaque_check", args=[studio.verification_code])
    assert verify in doc.xpath("//a/@href")


def test_the_public_page_shows_no_personal_details(demo):
    studio = liuzhou_studio()
    html = Client().get(reverse("studios:studio_public", args=[studio.pk])).content.decode()
    assert HOST_PHONE not in html and MEMBER_PHONE not in html
    application = studio.application
    assert application.birth_month.isoformat()[:7] not in html
    for membership in studio.memberships.exclude(user=studio.host):
        assert membership.name not in html  # members are counted, not named
    members = studio.memberships.filter(role="member").count()
    assert f"成员 {members}" in html
    # No link into the studio's own pages for a visitor.
    links = lxml.html.fromstring(html).xpath("//a/@href")
    assert reverse("studios:studio_home", args=[studio.pk]) not in links


def test_the_studio_s_people_find_their_way_in_from_the_public_page(demo, client_for):
    studio = liuzhou_studio()
    html = (
        client_for(studio.host.username)
        .get(reverse("studios:studio_public", args=[studio.pk]))
        .content.decode()
    )
    assert reverse("studios:studio_home", args=[studio.pk]) in html


def test_a_studio_whose_results_are_not_published_has_no_public_page(demo):
    studio = liuzhou_studio()
    Call.objects.filter(pk=studio.call_id).update(status=CallStatus.NOTICE)
    anonymous = Client()
    assert anonymous.get(reverse("studios:studio_public", args=[studio.pk])).status_code == 404
    code = reverse("studios:plaque_check", args=[studio.verification_code])
    assert anonymous.get(code).status_code == 404
    assert studio.name not in anonymous.get(reverse("studios:studio_directory")).content.decode()
    unknown = reverse("studios:studio_public", args=[studio.pk + 1000])
    assert anonymous.get(unknown).status_code == 404


def test_the_public_page_costs_the_same_queries_for_a_small_and_a_large_team(demo):
    studio = liuzhou_studio()
    url = reverse("studios:studio_public", args=[studio.pk])
    few = queries(Client(), url)
    Membership.objects.bulk_create(
        [
            Membership(
                studio=studio,
                role="member",
                name=f"新成员{i}",
                source=MembershipSource.BUREAU,
                start_date=date(2024, 9, 1),
            )
            for i in range(40)
        ]
    )
    assert queries(Client(), url) == few


def test_the_directory_searches_pages_and_links_every_public_page(demo):
    studios = published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )
    url = reverse("studios:studio_directory")
    doc = html_of(Client().get(url))
    links = doc.xpath('//*[@data-testid="studio-cards"]//a/@href')
    for studio in studios:
        assert reverse("studios:studio_public", args=[studio.pk]) in links
    assert meta(doc, "og:url") == f"{BASE}{url}"
    found = Client().get(url, {"q": studios[1].school.name})
    assert list(found.context["studios"]) == [studios[1]]
    Studio.objects.bulk_create(
        [
            Studio(
                policy=studios[0].policy,
                call=studios[0].call,
                application=a,
                name=f"第{i}工作室",
                host=a.applicant,
                school=a.school,
                county=a.county,
                school_stage=a.school_stage,
                term_start=date(2024, 9, 1),
                term_end=date(2027, 8, 31),
                plaque_number=f"directory-{i:02d}",
                published_on=date(2024, 9, 1),
            )
            for i, a in enumerate(_applications(studios[0].call, 30, ApplicationStatus.PUBLISHED))
        ]
    )
    second = html_of(Client().get(url, {"page": 2}))
    assert second.xpath('//*[@data-testid="studio-cards"]/li')
    assert "第2页" in second.text_content()


# --- the calendar address -------------------------------------------------------------------------


def make_address(client) -> dict[str, list[str]]:
    response = client.post(reverse("studios:calendar_feeds"), {"action": "make"})
    assert response.status_code == 201  # created, and shown in this answer only
    doc = lxml.html.fromstring(response.content.decode())
    assert response["Cache-Control"] == "no-store"
    return {
        "deadlines": doc.xpath('//input[@data-testid="deadline-feed"]/@value'),
        "activities": doc.xpath('//input[@data-testid="activity-feed"]/@value'),
    }


def feed(url: str) -> Calendar:
    response = Client().get(url.removeprefix(BASE))
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_calendar_address_is_shown_once_kept_as_a_digest_replaced_and_revoked(demo, client_for):
    studio = liuzhou_studio()
    member = studio.memberships.filter(role="member").first().user
    client = client_for(member.username)
    page = reverse("studios:calendar_feeds")
    assert "你还没有日历订阅地址" in client.get(page).content.decode()

    first = make_address(client)
    (deadlines,) = first["deadlines"]
    (activities,) = first["activities"]
    secret = deadlines.removeprefix(f"{BASE}/calendar/").split("/")[0]
    assert len(secret) >= 40
    assert activities == f"{BASE}/calendar/{secret}/studios/{studio.pk}/activities.ics"
    stored = CalendarFeed.objects.get(user=member)
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    feed(deadlines), feed(activities)

    # Shown once: the page names the address's date, never the address again.
    later = client.get(page).content.decode()
    assert secret not in later and "不再显示" in later

    second = make_address(client)
    assert Client().get(deadlines.removeprefix(BASE)).status_code == 404  # the old one ended
    assert Client().get(activities.removeprefix(BASE)).status_code == 404
    feed(second["deadlines"][0])

    assert client.post(page, {"action": "revoke"}).status_code == 302
    assert not CalendarFeed.objects.filter(user=member).exists()
    assert Client().get(second["deadlines"][0].removeprefix(BASE)).status_code == 404
    assert client.post(page, {"action": "revoke"}).status_code == 302  # a second click

    verbs = list(
        AuditEntry.objects.filter(object_id=str(member.pk), verb__startswith="studios.calendar")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "studios.calendar_feed.made",
        "studios.calendar_feed.replaced",
        "studios.calendar_feed.revoked",
    ]
    assert client.post(page, {"action": "steal"}).status_code == 400


@pytest.mark.parametrize("secret", ["x" * 43, "", "a" * 500, "..", "%00"])
def test_a_secret_no_address_has_is_a_404(demo, client_for, secret):
    studio = liuzhou_studio()
    make_address(client_for(studio.host.username))
    for url in (
        f"/calendar/{secret}/deadlines.ics",
        f"/calendar/{secret}/studios/{studio.pk}/activities.ics",
    ):
        assert Client().get(url).status_code == 404


def test_a_disabled_account_s_address_is_a_404(demo, client_for):
    studio = liuzhou_studio()
    (url,) = make_address(client_for(studio.host.username))["deadlines"]
    User.objects.filter(pk=studio.host.pk).update(is_active=False)
    assert Client().get(url.removeprefix(BASE)).status_code == 404


def test_a_studio_feed_answers_only_for_studios_the_owner_may_open(demo, client_for):
    mine, other = published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )
    (url,) = make_address(client_for(mine.host.username))["deadlines"]
    secret = url.removeprefix(f"{BASE}/calendar/").split("/")[0]
    own = f"/calendar/{secret}/studios/{mine.pk}/activities.ics"
    assert Client().get(own).status_code == 200
    assert Client().get(f"/calendar/{secret}/studios/{other.pk}/activities.ics").status_code == 404
    assert Client().get(f"/calendar/{secret}/studios/999999/activities.ics").status_code == 404
    # A post is no way in either.
    assert Client().post(own).status_code == 405


def test_the_activity_feed_has_one_stable_event_per_activity(demo, client_for):
    studio = liuzhou_studio()
    county = studio.paired_county
    seminar, visit = Activity.objects.bulk_create(
        [
            Activity(
                studio=studio,
                kind="thematic_seminar",
                title="班级文化建设专题研讨",
                held_on=date(2025, 3, 14),
                online=True,
                summary="研讨了班级公约。",
            ),
            Activity(
                studio=studio,
                kind="pairing_visit",
                title="送教下乡",
                held_on=date(2025, 3, 18),
                place="柳城县实验小学",
                served_county=county,
            ),
        ]
    )
    (url,) = make_address(client_for(studio.host.username))["activities"]
    calendar = feed(url)
    assert str(calendar["X-WR-CALNAME"]) == f"{studio.name} · 活动"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    found = events(calendar)
    assert set(found) == {
        f"activity-{seminar.pk}@mingshi.example.org",
        f"activity-{visit.pk}@mingshi.example.org",
    }
    event = found[f"activity-{seminar.pk}@mingshi.example.org"]
    assert event.decoded("DTSTART") == date(2025, 3, 14)
    assert event.decoded("DTEND") == date(2025, 3, 15)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == "专题研讨：班级文化建设专题研讨"
    assert str(event["LOCATION"]) == "线上"
    assert str(event["URL"]) == BASE + reverse(
        "studios:activity_detail", args=[studio.pk, seminar.pk]
    )
    assert str(found[f"activity-{visit.pk}@mingshi.example.org"]["LOCATION"]) == (
        f"柳城县实验小学 · {county.name}"
    )
    # The same UIDs on the next fetch: a calendar app updates, it does not duplicate.
    assert set(events(feed(url))) == set(found)


def test_the_activity_feed_costs_the_same_queries_for_1_and_300_activities(demo, client_for):
    studio = liuzhou_studio()
    (url,) = make_address(client_for(studio.host.username))["activities"]
    path = url.removeprefix(BASE)

    def add(n):
        Activity.objects.bulk_create(
            [
                Activity(studio=studio, kind="training", title=f"培训{i}", held_on=date(2025, 1, 1))
                for i in range(n)
            ]
        )

    add(1)
    one = queries(Client(), path)
    add(299)
    assert queries(Client(), path) == one
    assert len(events(feed(url))) == 300


# --- a person's deadlines -------------------------------------------------------------------------


def deadline_events(client) -> dict[str, object]:
    (url,) = make_address(client)["deadlines"]
    calendar = feed(url)
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def test_a_host_s_deadlines_annual_report_and_quotas_short_this_period(demo, client_for):
    studio = liuzhou_studio()
    host = studio.host
    report, _created = report_open(studio=studio, year=2024, today=date(2024, 12, 1))
    found = deadline_events(client_for(host.username))
    report_event = found[f"user-{host.pk}-annual-report-{report.pk}"]
    assert report_event.decoded("DTSTART") == report.due_on
    assert str(report_event["SUMMARY"]) == f"{studio.name}：2024年度总结待提交"
    assert str(report_event["URL"]) == BASE + reverse("assessments:annual_report", args=[report.pk])
    # Nothing logged yet: this month's seminar is short, due at the end of March.
    monthly = [e for key, e in found.items() if "-quota-" in key and "20250301" in key]
    assert monthly, sorted(found)
    (seminar,) = monthly
    assert seminar.decoded("DTSTART") == date(2025, 3, 31)
    assert "0/1" in str(seminar["SUMMARY"]) and studio.name in str(seminar["SUMMARY"])

    # Once the month's seminar is logged, that deadline is met and leaves the calendar.
    Activity.objects.create(
        studio=studio, kind="thematic_seminar", title="专题研讨", held_on=date(2025, 3, 10)
    )
    assert not [k for k in deadline_events(client_for(host.username)) if "20250301" in k]


def test_a_member_s_own_report_back_where_the_policy_asks_one_of_each_member(demo, client_for):
    studio = suizhou_studio()
    member = studio.memberships.filter(role="member").first().user
    found = deadline_events(client_for(member.username))
    (report_back,) = [e for key, e in found.items() if "-quota-" in key]
    # Suizhou's second semester runs from February to the end of August.
    assert report_back.decoded("DTSTART").month in (7, 8)
    assert studio.name in str(report_back["SUMMARY"])
    assert str(report_back["URL"]) == BASE + reverse("studios:my_growth")


def test_an_applicant_s_reviewer_s_and_expert_s_deadlines(demo, client_for):
    call = open_call(
        school_review_ends_on=date(2024, 8, 5),
        county_review_ends_on=date(2024, 8, 12),
        expert_review_ends_on=date(2024, 8, 31),
    )
    teacher = demo.user("lz_teacher")
    application = draft(call, teacher)
    found = deadline_events(client_for("lz_teacher"))
    event = found[f"user-{teacher.pk}-application-{application.pk}-submit"]
    assert event.decoded("DTSTART") == call.closes_on
    assert str(event["SUMMARY"]) == f"提交申报表：{call.title}"

    other = teacher_at("liucheng-sx", "second_teacher")
    submitted(call, other)
    school_admin = User.objects.get(
        role_assignments__role="school_admin", role_assignments__organisation__code="liucheng-sx"
    )
    found = deadline_events(client_for(school_admin.username))
    event = found[f"user-{school_admin.pk}-call-{call.pk}-at_school-review"]
    assert event.decoded("DTSTART") == date(2024, 8, 5)
    assert str(event["SUMMARY"]) == f"学校审核截止：{call.title}"
    assert "1 份申报待你处理" in str(event["DESCRIPTION"])

    expert = demo.user("lz_expert")
    waiting = _applications(call, 2, ApplicationStatus.EXPERT_REVIEW)
    ExpertAssignment.objects.bulk_create(
        [ExpertAssignment(application=a, expert=expert) for a in waiting]
    )
    found = deadline_events(client_for("lz_expert"))
    event = found[f"user-{expert.pk}-call-{call.pk}-expert-review"]
    assert event.decoded("DTSTART") == date(2024, 8, 31)
    assert "2 份申报" in str(event["DESCRIPTION"])


def test_the_deadline_feed_costs_the_same_queries_for_1_and_40_calls(demo, client_for):
    expert = demo.user("lz_expert")
    (url,) = make_address(client_for("lz_expert"))["deadlines"]
    path = url.removeprefix(BASE)

    def add(n):
        for _ in range(n):
            call = _call(CallStatus.CLOSED)
            Call.objects.filter(pk=call.pk).update(expert_review_ends_on=date(2024, 9, 1))
            ExpertAssignment.objects.bulk_create(
                [
                    ExpertAssignment(application=a, expert=expert)
                    for a in _applications(call, 2, ApplicationStatus.EXPERT_REVIEW)
                ]
            )

    add(1)
    one = queries(Client(), path)
    add(39)
    assert queries(Client(), path) == one
    assert len(events(feed(url))) == 40


def test_the_feed_speaks_its_owner_s_language(demo, client_for):
    teacher = demo.user("lz_teacher")
    User.objects.filter(pk=teacher.pk).update(language="en")
    call = open_call()
    draft(call, teacher)
    found = deadline_events(client_for("lz_teacher"))
    (event,) = found.values()
    assert str(event["SUMMARY"]) == f"Submit the application: {call.title}"


def test_period_of_a_deadline_is_a_whole_day(demo, client_for):
    """Deadlines are days: DTEND is the next day, so no calendar shows them at midnight UTC."""
    call = open_call()
    draft(call, demo.user("lz_teacher"))
    (event,) = deadline_events(client_for("lz_teacher")).values()
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert str(event["TRANSP"]) == "TRANSPARENT"
