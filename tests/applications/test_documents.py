"""The official PDF of an application, the call's packet, and permission-checked downloads."""

import io
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from applications import documents, renditions, services, workflow
from applications.models import ApplicationStatus, ReviewLevel, ReviewStep
from tests.core.files import assert_served

from .factories import DURING, advance, draft, open_call, pdf_file, submitted, teacher_at

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts, pdftotext) not installed"
)
DECIDED = datetime(2024, 7, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TITLE = "示范市首批“名班主任工作室”"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def poppler(tool: str, content: bytes, tmp_path, *args: str) -> str:
    source = tmp_path / f"{tool}.pdf"
    source.write_bytes(content)
    command = [tool, *args, str(source)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def embedded_fonts(content: bytes, tmp_path) -> dict[str, str]:
    """pdffonts as {font name: emb column}, read by the widths of its dashed ruler."""
    lines = poppler("pdffonts", content, tmp_path).splitlines()
    spans, start = [], 0
    for dashes in lines[1].split(" "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 1
    name, emb = spans[0], spans[3]
    return {line[slice(*name)].strip(): line[slice(*emb)].strip() for line in lines[2:]}


def reviewed(demo, call, teacher, **host):
    """Submitted and passed by school, county and city, each with its own opinion."""
    application = submitted(call, teacher, **host)
    for actor, opinion in (
        ("lz_school", "师德高尚业绩突出同意推荐"),
        ("lz_county", "经县局审核同意上报"),
        ("lz_city", "同意进入专家评审"),
    ):
        application = workflow.approve(
            actor=demo.user(actor), application=application, opinion=opinion
        )
    ReviewStep.objects.filter(application=application).update(decided_at=DECIDED)
    return application


@needs_poppler
def test_application_pdf_is_the_filled_official_form(demo, tmp_path, django_assert_max_num_queries):
    call = open_call(title=TITLE)
    application = reviewed(
        demo,
        call,
        demo.user("lz_teacher"),
        plan="指导思想：立德树人。\n<b>工作目标</b>：培养骨干。",
    )
    assert application.status == ApplicationStatus.EXPERT_REVIEW
    application = documents.packet_applications(call).get(pk=application.pk)

    with django_assert_max_num_queries(3):
        content = documents.application_pdf(application)

    assert content.startswith(b"%PDF")
    fonts = embedded_fonts(content, tmp_path)
    assert any("CJK" in name and emb == "yes" for name, emb in fonts.items()), fonts
    text = poppler("pdftotext", content, tmp_path, "-layout")
    assert f"{TITLE}申报表" in text  # the title comes from the call, not from a city
    assert "韦丽华" in text and "成员1" in text and "导师1" in text
    assert "柳城县" in text  # the paired county: the policy has pairing
    for opinion in ("师德高尚业绩突出同意推荐", "经县局审核同意上报", "同意进入专家评审"):
        assert opinion in text
    assert text.count("2024年7月20日") == 3
    assert "<b>工作目标</b>" in text  # typed markup is printed, never interpreted
    assert "草稿" not in text and "局属学校" not in text


@needs_poppler
def test_bureau_affiliated_form_says_the_county_step_is_skipped(demo, tmp_path):
    call = open_call(title=TITLE)
    application = submitted(call, teacher_at("lzgz", "lzgz_teacher"), school_stage="senior")
    application = advance(application, ApplicationStatus.AT_CITY)
    text = poppler("pdftotext", documents.application_pdf(application), tmp_path)
    assert "局属学校" in text
    assert "同意推荐。" in text  # the school's opinion (the factory's)


@needs_poppler
def test_only_the_latest_opinion_of_the_current_submission_is_printed(demo, tmp_path):
    call = open_call(title=TITLE)
    teacher = demo.user("lz_teacher")
    application = submitted(call, teacher)
    application = workflow.return_for_revision(
        actor=demo.user("lz_school"), application=application, opinion="请补充业绩材料"
    )
    application = workflow.submit(actor=teacher, application=application, today=DURING)
    application = workflow.approve(
        actor=demo.user("lz_school"), application=application, opinion="补充后同意推荐"
    )
    assert ReviewStep.objects.filter(level=ReviewLevel.SCHOOL).count() == 2
    text = poppler("pdftotext", documents.application_pdf(application), tmp_path)
    assert "补充后同意推荐" in text and "请补充业绩材料" not in text


def application_with_attachment(call, teacher):
    application = draft(call, teacher)
    attachment = services.application_attach(
        actor=teacher, application=application, title="获奖证书", upload=pdf_file("证书.pdf")
    )
    application = workflow.submit(actor=teacher, application=application, today=DURING)
    return application, attachment


def urls(application, attachment) -> dict[str, str]:
    return {
        "pdf": reverse("applications:application_pdf", args=[application.pk]),
        "photo": reverse("applications:application_photo", args=[application.pk]),
        "attachment": reverse(
            "applications:application_attachment", args=[application.pk, attachment.pk]
        ),
    }


def test_downloads_are_scoped_to_the_county(demo, client_for):
    call = open_call(title=TITLE)
    application, attachment = application_with_attachment(call, demo.user("lz_teacher"))
    links = urls(application, attachment)

    luzhai = client_for("lz_county_luzhai")
    for url in links.values():
        assert luzhai.get(url).status_code == 404, url

    liucheng = client_for("lz_county")
    response = liucheng.get(links["pdf"])
    assert_served(response, "application/pdf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{application.pk}-%E9%9F%A6%E4%B8%BD%E5%8D%8E.pdf" in disposition
    assert response.getvalue().startswith(b"%PDF")

    photo = liucheng.get(links["photo"])
    assert_served(photo, "image/png", inline=True)
    download = liucheng.get(links["attachment"])
    assert_served(download, "application/pdf")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["Content-Disposition"].startswith("attachment;")
    assert "%E8%AF%81%E4%B9%A6.pdf" in download["Content-Disposition"]  # 证书.pdf


def test_an_attachment_of_another_application_is_404(demo, client_for):
    call = open_call(title=TITLE)
    application, _ = application_with_attachment(call, demo.user("lz_teacher"))
    _, other = application_with_attachment(call, teacher_at("liucheng-zx", "lc_teacher"))
    url = reverse("applications:application_attachment", args=[application.pk, other.pk])
    assert client_for("lz_county").get(url).status_code == 404


def test_a_missing_file_is_404(demo, client_for):
    call = open_call(title=TITLE)
    application, attachment = application_with_attachment(call, demo.user("lz_teacher"))
    attachment.file.storage.delete(attachment.file.name)
    application.photo.storage.delete(application.photo.name)
    client = client_for("lz_county")
    assert client.get(urls(application, attachment)["attachment"]).status_code == 404
    assert client.get(urls(application, attachment)["photo"]).status_code == 404


def test_a_teacher_gets_404_on_someone_elses_application(demo, client_for):
    call = open_call(title=TITLE)
    application, attachment = application_with_attachment(
        call, teacher_at("luzhai-sx", "lz_other_teacher")
    )
    teacher = client_for("lz_teacher")
    for url in urls(application, attachment).values():
        assert teacher.get(url).status_code == 404, url


def test_login_is_required(demo, client):
    call = open_call(title=TITLE)
    application, attachment = application_with_attachment(call, demo.user("lz_teacher"))
    response = client.get(urls(application, attachment)["pdf"])
    assert response.status_code == 302


@needs_poppler
def test_the_applicant_downloads_a_draft_marked_as_such(demo, client_for, tmp_path):
    call = open_call(title=TITLE)
    application = draft(call, demo.user("lz_teacher"))
    response = client_for("lz_teacher").get(
        reverse("applications:application_pdf", args=[application.pk])
    )
    assert response.status_code == 200
    assert "草稿" in poppler("pdftotext", response.getvalue(), tmp_path)
    # nobody else sees a draft, not even the school
    school = client_for("lz_school")
    assert (
        school.get(reverse("applications:application_pdf", args=[application.pk])).status_code
        == 404
    )


def test_call_attachments_follow_the_call(demo, client_for):
    call = open_call(title=TITLE)
    attachment = services.call_attach(
        actor=demo.user("lz_city"), call=call, title="申报表模板", upload=pdf_file("申报表.pdf")
    )
    url = reverse("applications:call_attachment", args=[call.pk, attachment.pk])
    response = client_for("lz_teacher").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for("sz_teacher").get(url).status_code == 404  # another city


def packet_call(demo):
    """Two county applications and a bureau-affiliated one at the city or beyond; one still at
    the school and one draft, which stay out of the packet."""
    call = open_call(title=TITLE)
    advance(submitted(call, demo.user("lz_teacher")))
    advance(submitted(call, teacher_at("luzhai-sx", "luzhai_teacher")), ApplicationStatus.AT_CITY)
    advance(
        submitted(call, teacher_at("lzgz", "lzgz_teacher"), school_stage="senior"),
        ApplicationStatus.AT_CITY,
    )
    submitted(call, teacher_at("rongan-sx", "rongan_teacher"))
    draft(call, teacher_at("sanjiang-gy", "sanjiang_teacher"))
    return call


def test_packet_holds_what_reached_the_city_by_county_then_host(demo):
    call = packet_call(demo)
    selection = list(documents.packet_applications(call))
    assert len(selection) == 3
    assert all(a.county for a in selection[:2]) and selection[-1].county is None
    assert {a.applicant.username for a in selection} == {
        "lz_teacher",
        "luzhai_teacher",
        "lzgz_teacher",
    }


@needs_poppler
def test_packet_pdf(demo, client_for, tmp_path, django_assert_max_num_queries):
    call = packet_call(demo)
    url = reverse("applications:call_packet", args=[call.pk])
    assert client_for("lz_county").get(url).status_code == 403

    response = client_for("lz_city").get(url)
    assert_served(response, "application/pdf")
    content = response.getvalue()  # streamed from storage: read once
    info = poppler("pdfinfo", content, tmp_path)
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert pages >= 3
    text = poppler("pdftotext", content, tmp_path)
    assert text.count(f"{TITLE}申报表") >= 3
    assert "rongan_teacher老师" not in text and "sanjiang_teacher老师" not in text

    # The queries do not grow with the number of applications: the selection, its team rows,
    # its review steps, the stored forms and the stored packet (all current after the GET).
    with django_assert_max_num_queries(5):
        renditions.call_packet_pdf(call, documents.packet_applications(call))


def test_packet_of_a_call_with_nothing_at_the_city_is_404(demo, client_for):
    call = open_call(title=TITLE)
    submitted(call, demo.user("lz_teacher"))
    assert (
        client_for("lz_city").get(reverse("applications:call_packet", args=[call.pk])).status_code
        == 404
    )


def test_render_applications_writes_one_file_each_and_the_packet(demo, tmp_path):
    call = packet_call(demo)
    out = tmp_path / "out"
    stdout = io.StringIO()
    call_command("render_applications", call=call.pk, out=str(out), stdout=stdout)
    expected = {documents.pdf_filename(a) for a in documents.packet_applications(call)}
    written = {path.name for path in out.iterdir()}
    assert written == expected | {"packet.pdf"}
    assert all((out / name).read_bytes().startswith(b"%PDF") for name in written)
    report = stdout.getvalue()
    assert all(name in report for name in written)


def test_render_applications_refuses_an_unknown_call_or_an_empty_selection(demo, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(CommandError, match="999999"):
        call_command("render_applications", "--call", "999999", "--out", str(out))
    call = open_call(title=TITLE)
    submitted(call, demo.user("lz_teacher"))  # still at the school: not in the selection
    with pytest.raises(CommandError):
        call_command("render_applications", "--call", str(call.pk), "--out", str(out))
    assert not out.exists()
