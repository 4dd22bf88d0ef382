"""Outputs and the city's shared resources (资源共享)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry
from accounts.permissions import can
from policies.models import TeamRole
from studios.errors import StudioError
from studios.models import Output, OutputKind, OutputLevel, TopicStatus
from studios.services import outputs
from tests.core import files

from .factories import liuzhou_studio, published_studios, suizhou_studio

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def frozen(monkeypatch, settings, tmp_path):
    monkeypatch.setattr("core.clock.today", lambda: DAY)
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name="论文.pdf"):
    return SimpleUploadedFile(name, files.PDF, content_type="application/pdf")


def fake_pdf(name="论文.pdf"):
    return SimpleUploadedFile(name, b"MZ\x90\x00 not a pdf", content_type="application/pdf")


def member_of(studio, n=0):
    return [m.user for m in studio.memberships.filter(role=TeamRole.MEMBER).order_by("pk")][n]


def save(actor, studio, **fields):
    values = {
        "kind": OutputKind.PAPER,
        "title": "班级自主管理的实践研究",
        "authors": "韦老师",
        "level": OutputLevel.MUNICIPAL,
        "produced_on": date(2025, 1, 10),
        "description": "",
        "today": DAY,
    }
    values.update(fields)
    return outputs.output_save(actor=actor, studio=studio, **values)


def test_host_and_members_record_outputs_with_their_own_rules(demo):
    studio = liuzhou_studio()
    member, colleague = member_of(studio, 0), member_of(studio, 1)
    by_host = save(studio.host, studio, person=member, shared=True, upload=pdf())
    assert by_host.person == member and by_host.shared and by_host.original_name == "论文.pdf"
    assert by_host.file.read().startswith(b"%PDF")

    # A member records their own work; the person is always them, sharing is the host's call.
    own = save(member, studio, title="案例", kind=OutputKind.CASE, person=colleague, shared=True)
    assert own.person == member and not own.shared
    changed = save(member, studio, output=own, title="我的案例（修订）", kind=OutputKind.CASE)
    assert changed.pk == own.pk and changed.title == "我的案例（修订）"
    with pytest.raises(StudioError):  # not their output
        save(colleague, studio, output=own, title="改别人的")
    with pytest.raises(StudioError):  # only the host removes
        outputs.output_delete(actor=member, output=own)
    with pytest.raises(StudioError):  # not a member
        save(demo.user("lz_teacher"), studio)

    with pytest.raises(StudioError):  # a research topic needs its status
        save(studio.host, studio, kind=OutputKind.RESEARCH_TOPIC, title="课题")
    topic = save(
        studio.host,
        studio,
        kind=OutputKind.RESEARCH_TOPIC,
        title="新时代班主任专业成长路径研究",
        level=OutputLevel.PROVINCIAL,
        topic_status=TopicStatus.ONGOING,
    )
    assert topic.topic_status == TopicStatus.ONGOING
    assert save(studio.host, studio, topic_status=TopicStatus.ONGOING).topic_status == ""
    with pytest.raises(StudioError):
        save(studio.host, studio, produced_on=date(2025, 3, 2))  # in the future

    outputs.output_delete(actor=studio.host, output=own)
    assert not Output.objects.filter(pk=own.pk).exists()
    assert AuditEntry.objects.filter(verb="studios.output.deleted").count() == 1


def test_a_fake_pdf_is_refused(demo, client):
    studio = liuzhou_studio()
    with pytest.raises(StudioError):
        save(studio.host, studio, upload=fake_pdf())
    with pytest.raises(StudioError):
        save(studio.host, studio, upload=SimpleUploadedFile("x.exe", b"MZ"))
    assert not Output.objects.exists()

    client.force_login(studio.host)
    response = client.post(
        reverse("studios:studio_outputs", args=[studio.pk]),
        {
            "action": "save",
            "kind": "paper",
            "title": "伪装的论文",
            "produced_on": "2025-01-10",
            "file": fake_pdf(),
        },
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not Output.objects.exists()


def test_outputs_page_lists_filters_and_adds(demo, client):
    studio = liuzhou_studio()
    save(studio.host, studio, title="省级论文", level=OutputLevel.PROVINCIAL)
    save(studio.host, studio, title="校级课程", kind=OutputKind.COURSE, level=OutputLevel.SCHOOL)
    member = member_of(studio)
    client.force_login(member)
    url = reverse("studios:studio_outputs", args=[studio.pk])
    body = client.get(url, {"kind": "course"}).content.decode()
    assert "校级课程" in body and "省级论文" not in body
    body = client.get(url, {"level": "provincial"}).content.decode()
    assert "省级论文" in body and "校级课程" not in body

    response = client.post(
        url,
        {
            "action": "save",
            "kind": "resource_pack",
            "title": "主题班会资源包",
            "produced_on": "2025-02-20",
            "file": pdf("资源包.pdf"),
        },
    )
    assert response.status_code == 302
    pack = Output.objects.get(title="主题班会资源包")
    assert pack.person == member and not pack.shared

    # Someone of another studio cannot reach the list at all.
    client.force_login(demo.user("sz_teacher"))
    assert client.get(url).status_code == 404


def test_shared_resources_are_for_the_city_and_unshared_ones_stay_in_the_studio(demo, client):
    studio = liuzhou_studio()
    suizhou_studio()
    shared = save(
        studio.host,
        studio,
        title="班会课精品课程",
        kind=OutputKind.COURSE,
        upload=pdf(),
        shared=True,
    )
    private = save(studio.host, studio, title="内部研讨纪要", upload=pdf(), shared=False)

    same_city, other_city = demo.user("lz_teacher"), demo.user("sz_teacher")
    assert list(outputs.shared_resources(same_city)) == [shared]
    assert list(outputs.shared_resources(other_city)) == []
    assert list(outputs.shared_resources(demo.user("lz_county_luzhai"))) == [shared]

    client.force_login(same_city)
    body = client.get(reverse("studios:resources")).content.decode()
    assert "班会课精品课程" in body and "内部研讨纪要" not in body
    download = client.get(reverse("studios:output_file", args=[shared.pk]))
    files.assert_served(download, "application/pdf")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("studios:output_file", args=[private.pk])).status_code == 404

    client.force_login(other_city)
    body = client.get(reverse("studios:resources")).content.decode()
    assert "班会课精品课程" not in body and "内部研讨纪要" not in body
    assert client.get(reverse("studios:output_file", args=[shared.pk])).status_code == 404
    assert client.get(reverse("studios:output_file", args=[private.pk])).status_code == 404

    # The studio's own people open the unshared file.
    client.force_login(member_of(studio))
    assert client.get(reverse("studios:output_file", args=[private.pk])).status_code == 200


def test_search_on_title_authors_and_description_and_kind(demo, client):
    studio = liuzhou_studio()
    save(studio.host, studio, title="家校共育案例集", kind=OutputKind.CASE, shared=True)
    save(studio.host, studio, title="论文甲", authors="覃晓红", shared=True)
    save(studio.host, studio, title="论文乙", description="关于留守儿童心理健康", shared=True)
    teacher = demo.user("lz_teacher")

    def titles(**kw):
        return {o.title for o in outputs.shared_resources(teacher, **kw)}

    assert titles(query="家校") == {"家校共育案例集"}
    assert titles(query="覃晓红") == {"论文甲"}
    assert titles(query="留守 心理") == {"论文乙"}
    assert titles(kind=OutputKind.PAPER) == {"论文甲", "论文乙"}
    assert titles(query="不存在的词") == set()

    client.force_login(teacher)
    body = client.get(reverse("studios:resources"), {"q": "留守"}).content.decode()
    assert "论文乙" in body and "论文甲" not in body


def _resources_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("studios:resources")).status_code == 200
    return len(queries)


def test_resources_list_runs_a_constant_number_of_queries(demo, client):
    first, second = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )

    def add(count):
        for i in range(count):
            studio = first if i % 2 else second
            person = member_of(studio, i % 3)
            save(studio.host, studio, title=f"资源{i}", person=person, shared=True)

    client.force_login(demo.user("lz_teacher"))
    add(3)
    few = _resources_queries(client)
    add(27)
    many = _resources_queries(client)
    assert few == many


def test_output_rules_allowed_denied_and_other_studio(demo):
    studio, other = published_studios(
        "liuzhou-2024", [("liucheng-sx", "lz_host"), ("luzhai-sx", "lz_host2")], city="liuzhou"
    )
    member, colleague = member_of(studio, 0), member_of(studio, 1)
    own = save(member, studio, title="成员自己的论文")
    assert can(studio.host, "studios.add_output", studio)
    assert can(member, "studios.add_output", studio)
    assert not can(other.host, "studios.add_output", studio)
    assert not can(demo.user("lz_city"), "studios.add_output", studio)

    assert can(member, "studios.change_output", own)
    assert can(studio.host, "studios.change_output", own)
    assert not can(colleague, "studios.change_output", own)
    assert not can(other.host, "studios.change_output", own)

    assert can(studio.host, "studios.delete_output", own)
    assert not can(member, "studios.delete_output", own)
    assert not can(other.host, "studios.delete_output", own)

    assert can(colleague, "studios.download_output", own)  # the studio's own people
    assert not can(other.host, "studios.download_output", own)  # unshared: not the city's
    own.shared = True
    assert can(other.host, "studios.download_output", own)
    assert not can(demo.user("sz_teacher"), "studios.download_output", own)
