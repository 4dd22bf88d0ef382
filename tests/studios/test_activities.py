"""Logging activities with attendance and evidence, confirming attendance, absence flags, and
the pages: scope between studios, uploads, the member's own attendance."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.home import panels_for
from accounts.models import AuditEntry, Notification, Organisation
from policies.models import TeamRole
from studios.errors import StudioError
from studios.models import Activity, Attendance, Membership, Studio
from studios.services import activities as services
from tests.applications.factories import PNG, pdf_file, photo
from tests.core.files import assert_served

from .factories import published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)


@pytest.fixture
def today(monkeypatch):

    monkeypatch.setattr("core.clock.today", lambda: TODAY)
    return TODAY


@pytest.fixture
def two_studios(demo) -> tuple[Studio, Studio]:
    a, b = published_studios(
        "liuzhou-2024", [("liucheng-sx", "host_a"), ("luzhai-sx", "host_b")], city="liuzhou"
    )
    return a, b


def members(studio: Studio) -> list[Membership]:
    return list(studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk"))


def log(studio: Studio, **overrides) -> Activity:
    values = {
        "actor": studio.host,
        "studio": studio,
        "kind": "thematic_seminar",
        "title": "班级文化建设专题研讨",
        "held_on": date(2025, 3, 14),
        "place": "柳城县实验小学",
        "summary": "研讨了班级公约。",
        "attendance": {m.pk: ("present", "") for m in members(studio)},
        "today": TODAY,
    }
    values.update(overrides)
    return services.activity_log(**values)


# --- services ------------------------------------------------------------------------------


def test_the_host_logs_an_activity_and_the_members_are_asked_to_confirm(two_studios):
    studio, _other = two_studios
    team = members(studio)
    attendance = {m.pk: ("present", "") for m in team[:3]}
    attendance[team[3].pk] = ("leave", "参加区教研")
    attendance[team[4].pk] = ("absent", "")
    activity = log(
        studio,
        attendance=attendance,
        evidence=[("photo", "合影", photo()), ("sign_in", "", pdf_file("签到表.pdf"))],
    )
    assert activity.attendance.count() == 5
    leave = activity.attendance.get(membership=team[3])
    assert (leave.status, leave.leave_reason, leave.confirmed_at) == ("leave", "参加区教研", None)
    assert [e.kind for e in activity.evidence.order_by("pk")] == ["photo", "sign_in"]
    assert activity.evidence.get(kind="sign_in").title == "签到表.pdf"
    asked = Notification.objects.filter(verb="studios.attendance.to_confirm")
    assert sorted(asked.values_list("recipient_id", flat=True)) == sorted(m.user_id for m in team)
    assert AuditEntry.objects.filter(verb="studios.activity.logged").count() == 1


def test_a_pairing_visit_serves_the_paired_county_unless_another_is_named(two_studios):
    studio, _other = two_studios
    visit = log(studio, kind="pairing_visit", title="送教下乡")
    assert visit.served_county == studio.paired_county
    luzhai = Organisation.objects.get(code="luzhai", city__code="liuzhou")
    lecture = log(studio, kind="lecture", title="讲座", served_county=luzhai)
    assert lecture.served_county == luzhai
    seminar = log(studio)
    assert seminar.served_county is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": date(2025, 3, 21)}, "once it has taken place"),
        ({"held_on": date(2024, 8, 31)}, "outside the studio's term"),
        ({"kind": "no_such_kind"}, "does not know that kind"),
        ({"title": "  "}, "title"),
        ({"place": "", "online": False}, "online"),
    ],
)
def test_what_the_service_refuses(two_studios, overrides, message):
    studio, _other = two_studios
    with translation_en(), pytest.raises(StudioError, match=message):
        log(studio, **overrides)
    assert not Activity.objects.exists()


def test_a_policy_without_pairing_knows_no_pairing_visit(demo):
    studio = suizhou_studio()
    assert "pairing_visit" not in services.policy_activity_kinds(studio.policy)
    assert "member_school_report" not in services.policy_activity_kinds(studio.policy)
    assert services.policy_activity_kinds(studio.policy)[0] == "cross_studio_exchange"
    with pytest.raises(StudioError):
        log(studio, kind="pairing_visit", attendance={})
    luzhai = Organisation.objects.get(code="luzhai", city__code="liuzhou")
    with pytest.raises(StudioError):
        log(studio, kind="cross_studio_exchange", served_county=luzhai, attendance={})


def test_attendance_only_for_members_on_that_day_and_leave_needs_a_reason(two_studios):
    studio, other = two_studios
    team = members(studio)
    with translation_en(), pytest.raises(StudioError, match="own members"):
        log(studio, attendance={members(other)[0].pk: ("present", "")})
    Membership.objects.filter(pk=team[0].pk).update(end_date=date(2025, 1, 10))
    with pytest.raises(StudioError, match=team[0].name):
        log(studio, attendance={team[0].pk: ("present", "")})
    # before they left, they were a member
    log(studio, held_on=date(2025, 1, 9), attendance={team[0].pk: ("present", "")})
    with pytest.raises(StudioError, match=team[1].name):
        log(studio, attendance={team[1].pk: ("leave", " ")})
    with pytest.raises(StudioError):
        log(studio, attendance={team[1].pk: ("late", "")})


def test_the_host_of_one_studio_cannot_log_for_another(two_studios):
    studio, other = two_studios
    with pytest.raises(StudioError):
        log(other, actor=studio.host)
    member = members(studio)[0].user
    with pytest.raises(StudioError):
        log(studio, actor=member)


def test_evidence_must_be_an_accepted_file_that_is_what_it_says(two_studios):
    studio, _other = two_studios
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00not a png", content_type="image/png")
    with translation_en(), pytest.raises(StudioError, match="does not look like a PNG"):
        log(studio, evidence=[("photo", "", fake)])
    exe = SimpleUploadedFile("slides.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    with translation_en(), pytest.raises(StudioError, match="never accepted"):
        log(studio, evidence=[("slides", "", exe)])
    with pytest.raises(StudioError):
        log(studio, evidence=[("selfie", "", photo())])
    assert not Activity.objects.exists()


def test_a_member_confirms_once(two_studios):
    studio, _other = two_studios
    activity = log(studio)
    record = activity.attendance.select_related("membership").first()
    member = record.membership.user
    with pytest.raises(StudioError):
        services.attendance_confirm(actor=studio.host, attendance=record)
    services.attendance_confirm(actor=member, attendance=record)
    record.refresh_from_db()
    first = record.confirmed_at
    assert first is not None
    with pytest.raises(StudioError):
        services.attendance_confirm(actor=member, attendance=record)
    record.refresh_from_db()
    assert record.confirmed_at == first
    assert AuditEntry.objects.filter(verb="studios.attendance.confirmed").count() == 1


def test_a_change_to_a_members_attendance_asks_them_to_confirm_again(two_studios):
    studio, _other = two_studios
    team = members(studio)
    activity = log(studio)
    for record in activity.attendance.select_related("membership"):
        services.attendance_confirm(actor=record.membership.user, attendance=record)
    attendance = {m.pk: ("present", "") for m in team[1:]}
    attendance[team[1].pk] = ("leave", "病假")
    Notification.objects.all().delete()
    services.activity_update(
        actor=studio.host,
        activity=activity,
        kind="online_salon",
        title="线上沙龙",
        held_on=date(2025, 3, 14),
        online=True,
        attendance=attendance,
        evidence=[("slides", "课件", pdf_file())],
        today=TODAY,
    )
    activity.refresh_from_db()
    assert activity.kind == "online_salon" and activity.online
    records = {a.membership_id: a for a in activity.attendance.all()}
    assert team[0].pk not in records  # left out: removed
    assert records[team[1].pk].confirmed_at is None  # changed: asked again
    assert all(records[m.pk].confirmed_at for m in team[2:])  # unchanged: still confirmed
    asked = Notification.objects.filter(verb="studios.attendance.to_confirm")
    assert list(asked.values_list("recipient_id", flat=True)) == [team[1].user_id]
    assert activity.evidence.count() == 1
    assert AuditEntry.objects.filter(verb="studios.activity.updated").count() == 1


def test_absences_without_leave_flag_a_member_at_the_policys_limit(two_studios):
    studio, _other = two_studios
    team = members(studio)
    away = {m.pk: ("present", "") for m in team}
    away[team[0].pk] = ("absent", "")
    log(studio, held_on=date(2025, 3, 1), attendance=away)
    log(studio, held_on=date(2025, 3, 2), attendance=away)
    rows = {r.membership.pk: r for r in services.absences(studio)}
    # no limit in the policy: counted, not flagged
    assert rows[team[0].pk].absent == 2 and not rows[team[0].pk].flagged
    assert rows[team[0].pk].rate == 0 and rows[team[1].pk].rate == 100
    assert not Notification.objects.filter(verb="studios.membership.absence_flagged").exists()

    studio.policy.absence_limit = 3
    studio.policy.save(update_fields=["absence_limit"])
    studio = Studio.objects.select_related("policy").get(pk=studio.pk)
    on_leave = dict(away)
    on_leave[team[0].pk] = ("leave", "外出学习")
    log(studio, held_on=date(2025, 3, 3), attendance=on_leave)  # leave is excused
    assert not services.absences(studio)[1].flagged
    log(studio, held_on=date(2025, 3, 4), attendance=away)
    rows = {r.membership.pk: r for r in services.absences(studio)}
    assert rows[team[0].pk].flagged and (rows[team[0].pk].absent, rows[team[0].pk].leave) == (3, 1)
    assert not rows[team[1].pk].flagged
    flags = Notification.objects.filter(verb="studios.membership.absence_flagged")
    assert list(flags.values_list("recipient_id", flat=True)) == [studio.host_id]


# --- pages ---------------------------------------------------------------------------------


def form_data(studio: Studio, **overrides) -> dict:
    data = {
        "kind": "thematic_seminar",
        "title": "主题班会研讨",
        "held_on": "2025-03-14",
        "place": "柳城县实验小学",
        "summary": "研讨",
        "outputs": "",
    }
    for m in members(studio):
        data[f"att-{m.pk}"] = "present"
    data.update(overrides)
    return data


def test_the_host_logs_an_activity_through_the_form(two_studios, client, today):
    studio, _other = two_studios
    client.force_login(studio.host)
    url = reverse("studios:activity_create", args=[studio.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert members(studio)[0].name in page.content.decode()
    # the served county offers only the policy's pairing counties
    choices = list(page.context["form"].fields["served_county"].queryset)
    assert studio.paired_county in choices and len(choices) == 6
    team = members(studio)
    data = form_data(
        studio,
        **{
            f"att-{team[0].pk}": "leave",
            f"att-{team[0].pk}-reason": "病假",
            f"att-{team[1].pk}": "",
            "ev-0-kind": "photo",
            "ev-0-title": "现场照片",
            "ev-0-file": SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
        },
    )
    response = client.post(url, data)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("studios:activity_detail", args=[studio.pk, activity.pk])
    assert activity.attendance.count() == 4  # one left "not recorded"
    assert activity.attendance.get(membership=team[0]).leave_reason == "病假"
    detail = client.get(response.url).content.decode()
    assert (
        "现场照片" in detail
        and reverse("studios:activity_edit", args=[studio.pk, activity.pk]) in detail
    )

    # an upload that is not what it says keeps the form, with the reason
    bad = SimpleUploadedFile("scan.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(url, form_data(studio, **{"ev-0-kind": "sign_in", "ev-0-file": bad}))
    assert response.status_code == 400
    assert response.context["error"]
    assert Activity.objects.count() == 1


def test_the_host_edits_through_the_form(two_studios, client, today):
    studio, _other = two_studios
    activity = log(studio, evidence=[("photo", "合影", photo())])
    client.force_login(studio.host)
    url = reverse("studios:activity_edit", args=[studio.pk, activity.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == activity.title
    evidence = activity.evidence.get()
    response = client.post(
        url, form_data(studio, title="改过的标题", remove_evidence=[str(evidence.pk)])
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "改过的标题" and not activity.evidence.exists()


def test_one_studios_host_cannot_touch_another_studio(two_studios, client, today):
    studio, other = two_studios
    activity = log(other)
    client.force_login(studio.host)
    assert client.get(reverse("studios:activity_create", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("studios:activity_create", args=[other.pk]), form_data(other)
        ).status_code
        == 404
    )
    edit = reverse("studios:activity_edit", args=[other.pk, activity.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data(other, title="篡改")).status_code == 404
    # nor reach it through their own studio's address
    assert (
        client.get(reverse("studios:activity_edit", args=[studio.pk, activity.pk])).status_code
        == 404
    )
    activity.refresh_from_db()
    assert activity.title != "篡改"
    # a member sees the activity but may not log or change one
    member = members(other)[0].user
    client.force_login(member)
    assert (
        client.get(reverse("studios:activity_detail", args=[other.pk, activity.pk])).status_code
        == 200
    )
    assert client.get(reverse("studios:activity_create", args=[other.pk])).status_code == 403
    assert client.get(edit).status_code == 403


def test_the_activity_list_filters_by_kind_and_school_year(two_studios, client, today):
    studio, _other = two_studios
    log(studio, title="去年的研讨", held_on=date(2024, 10, 8))
    log(studio, title="今年的研讨", held_on=date(2025, 3, 8))
    log(studio, kind="training", title="培训", held_on=date(2025, 3, 9))
    client.force_login(studio.host)
    url = reverse("studios:activity_list", args=[studio.pk])
    assert len(client.get(url).context["activities"]) == 3
    titles = [a.title for a in client.get(url, {"kind": "training"}).context["activities"]]
    assert titles == ["培训"]
    response = client.get(url, {"kind": "thematic_seminar", "year": "2024"})
    assert [a.title for a in response.context["activities"]] == ["今年的研讨", "去年的研讨"]
    assert response.context["absences"] is not None  # the host sees the members' absences
    member = members(studio)[0].user
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and response.context["absences"] is None


def test_a_member_sees_and_confirms_their_own_attendance(two_studios, client, today):
    studio, other = two_studios
    activity = log(studio)
    member = members(studio)[0]
    record = activity.attendance.get(membership=member)
    client.force_login(member.user)
    [panel] = [p for p in panels_for(member.user) if p.items and p.items[0].count]
    assert panel.items[0].count == 1 and panel.items[0].url == reverse("studios:my_attendance")
    page = client.get(reverse("studios:my_attendance"))
    assert list(page.context["records"]) == [record]
    confirm = reverse("studios:attendance_confirm", args=[record.pk])
    assert client.get(confirm).status_code == 405
    assert client.post(confirm).status_code == 302
    record.refresh_from_db()
    first = record.confirmed_at
    assert first is not None
    client.post(confirm)  # twice: refused with a message, nothing changes
    record.refresh_from_db()
    assert record.confirmed_at == first
    # another studio's member cannot reach the record
    outsider = members(other)[0].user
    client.force_login(outsider)
    assert client.post(confirm).status_code == 404
    assert list(client.get(reverse("studios:my_attendance")).context["records"]) == []
    # nor can the host confirm for the member
    unconfirmed = activity.attendance.exclude(pk=record.pk).first()
    client.force_login(studio.host)
    assert (
        client.post(reverse("studios:attendance_confirm", args=[unconfirmed.pk])).status_code == 404
    )
    assert Attendance.objects.get(pk=unconfirmed.pk).confirmed_at is None


def test_confirming_with_a_next_that_is_not_a_path_returns_to_my_attendance(two_studios, client):
    """A ``next`` of ``0`` or ``NaN`` answered 500 (``redirect()`` resolved it as a view)."""
    studio, _other = two_studios
    record = log(studio).attendance.get(membership=members(studio)[0])
    client.force_login(record.membership.user)
    for value in ("0", "NaN"):
        response = client.post(
            reverse("studios:attendance_confirm", args=[record.pk]), {"next": value}
        )
        assert (response.status_code, response["Location"]) == (
            302,
            reverse("studios:my_attendance"),
        )
    record.refresh_from_db()
    assert record.confirmed_at is not None


def test_evidence_files_are_only_for_those_who_may_open_the_studio(two_studios, client, today):
    studio, other = two_studios
    activity = log(studio, evidence=[("photo", "合影", photo()), ("slides", "课件", pdf_file())])
    shot, slides = activity.evidence.order_by("pk")
    client.force_login(members(studio)[0].user)
    response = client.get(reverse("studios:evidence_file", args=[shot.pk]))
    assert_served(response, "image/png", inline=True)
    assert b"".join(response.streaming_content).startswith(PNG[:8])
    assert_served(client.get(reverse("studios:evidence_file", args=[slides.pk])), "application/pdf")
    client.force_login(other.host)
    assert client.get(reverse("studios:evidence_file", args=[shot.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("studios:evidence_file", args=[shot.pk])).status_code == 302


def test_oversight_roles_get_a_panel_linking_the_grid(demo):
    from accounts.models import User

    city = User.objects.get(username="lz_city")
    assert any(
        item.url == reverse("studios:compliance_grid") for p in panels_for(city) for item in p.items
    )
    teacher = User.objects.get(username="lz_teacher")
    assert not any(
        item.url == reverse("studios:compliance_grid")
        for p in panels_for(teacher)
        for item in p.items
    )


def translation_en():
    from django.utils import translation

    return translation.override("en")


def test_a_zip_is_not_evidence(two_studios):
    studio, _other = two_studios
    archive = SimpleUploadedFile("photos.zip", b"PK\x03\x04rest", content_type="application/zip")
    with translation_en(), pytest.raises(StudioError, match="not an accepted file type"):
        log(studio, evidence=[("photo", "", archive)])


# --- evidence is checked by what it is ----------------------------------------------


def test_a_photo_of_an_activity_must_be_an_image(two_studios):
    from tests.core import files

    studio, _other = two_studios
    for kind, name, content in (
        ("photo", "合影.pdf", files.PDF),  # a PDF is not a photo
        ("photo", "合影.jpg", files.PDF),  # nor when it is named like one
        ("photo", "合影.png", b"\x89PNG\r\n\x1a\n<svg><script>alert(1)</script></svg>"),
        ("slides", "课件.docx", files.docx()),  # slides are a deck or its PDF
        ("sign_in", "签到.html", b"<html></html>"),
    ):
        with pytest.raises(StudioError, match=name):
            log(studio, evidence=[(kind, "", files.upload(name, content))])
    assert not Activity.objects.exists()
    activity = log(
        studio,
        evidence=[
            ("slides", "课件", files.upload("课件.pptx", files.pptx())),
            ("sign_in", "签到表", files.upload("签到表.xlsx", files.xlsx())),
            ("other", "方案", files.upload("方案.doc", files.doc())),
        ],
    )
    assert activity.evidence.count() == 3


def test_evidence_photos_are_stored_re_encoded_without_their_gps(two_studios, settings, tmp_path):
    import io

    from PIL import Image

    from tests.core import files

    settings.MEDIA_ROOT = tmp_path
    studio, _other = two_studios
    shot = files.jpeg(gps=True) + b"<html><script>alert(1)</script></html>"
    activity = log(studio, evidence=[("photo", "合影", files.upload("合影.jpg", shot))])
    evidence = activity.evidence.get()
    with evidence.file.open("rb") as handle:
        data = handle.read()
    assert b"<script>" not in data and evidence.size == len(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_evidence_comes_in_through_the_activity_page_not_the_admin(two_studios, client):
    """The admin takes no file: evidence is checked by its kind on the activity's page only."""
    from accounts.models import User
    from studios.models import ActivityEvidence
    from tests.core import files

    studio, _other = two_studios
    activity = log(studio)
    client.force_login(User.objects.get(username="admin"))
    url = reverse("admin:studios_activityevidence_add")
    data = {"activity": activity.pk, "title": "合影", "original_name": "", "size": "0"}
    response = client.post(url, {**data, "kind": "photo", "file": files.upload("a.pdf", files.PDF)})
    assert response.status_code == 403
    assert not ActivityEvidence.objects.exists()
