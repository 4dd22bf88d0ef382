"""Public notice with objections, publication that founds studios, plaques and public pages."""

import subprocess
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry, Notification, User
from accounts.permissions import can
from applications import publication, services
from applications.models import Application, ApplicationStatus, CallStatus, Objection
from studios.models import Membership, Studio
from studios.services.founding import term_end_for
from tests.core.files import assert_served

from .factories import BUREAU_ADMIN, DURING, advance, open_call, submitted, teacher_at

pytestmark = pytest.mark.django_db

NOTICE_START = date(2024, 8, 27)  # 5 days: 27–31 August
DURING_NOTICE = date(2024, 8, 29)
NOTICE_END = date(2024, 8, 31)
PUBLISH_DAY = date(2024, 9, 1)
HOST_PHONE = "13800000000"  # every host's phone in the factories
MEMBER_PHONE = "1390000"  # the start of every team row's phone


def select(call, chosen):
    """The bureau's selection: through the experts module's service when it is there."""
    actor = User.objects.get(username=BUREAU_ADMIN[call.policy.code])
    try:
        from applications.experts import selection_save
    except ImportError:  # that module is being written: the plain update stands in for it
        Application.objects.filter(
            pk__in=[a.pk for a in chosen], status=ApplicationStatus.EXPERT_REVIEW
        ).update(status=ApplicationStatus.SELECTED)
    else:
        selection_save(actor=actor, call=call, application_ids=[a.pk for a in chosen])
    return [Application.objects.get(pk=a.pk) for a in chosen]


def at_expert_review(call, teacher, **host):
    return advance(submitted(call, teacher, **host))


@pytest.fixture
def suizhou(demo):
    """A Suizhou call with three selected applications and one that was not selected."""
    call = open_call("suizhou", studio_count=3)
    wang = at_expert_review(call, demo.user("sz_teacher"))  # 王芳, 曾都区实验小学
    li = at_expert_review(call, teacher_at("suixian-sx", "sx_teacher", "suizhou"), host_name="李明")
    zhao = at_expert_review(
        call,
        teacher_at("szyz", "szyz_teacher", "suizhou"),
        host_name="赵静",
        school_stage="senior",
    )
    left_out = at_expert_review(
        call, teacher_at("zengdu-cz", "zdcz_teacher", "suizhou"), host_name="钱落选"
    )
    select(call, [wang, li, zhao])
    call.refresh_from_db()
    return (
        call,
        Application.objects.get(pk=wang.pk),
        Application.objects.get(pk=li.pk),
        Application.objects.get(pk=zhao.pk),
        Application.objects.get(pk=left_out.pk),
    )


def refusal(service, **kwargs) -> str:
    """The message a refused service gives, in English whatever the catalogue says."""
    with translation.override("en"), pytest.raises(services.ApplicationError) as refused:
        service(**kwargs)
    return str(refused.value)


def frozen(monkeypatch, day):
    monkeypatch.setattr("core.clock.today", lambda: day)


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_suizhou_notice_objection_and_publication(demo, suizhou, client_for, monkeypatch):
    call, wang, li, zhao, left_out = suizhou
    bureau = demo.user("sz_city")
    assert {wang.status, li.status, zhao.status} == {ApplicationStatus.SELECTED}
    assert left_out.status == ApplicationStatus.NOT_SELECTED

    # No publication without the notice the policy requires.
    assert "start it before publishing" in refusal(
        publication.call_publish, actor=bureau, call=call, today=PUBLISH_DAY
    )

    call = publication.notice_start(actor=bureau, call=call, today=NOTICE_START)
    call.refresh_from_db()
    assert call.status == CallStatus.NOTICE
    assert (call.notice_starts_on, call.notice_ends_on) == (NOTICE_START, NOTICE_END)
    assert Notification.objects.filter(
        recipient=wang.applicant, verb="applications.call.notice_started"
    ).exists()
    with pytest.raises(services.ApplicationError):  # two clicks start one notice
        publication.notice_start(actor=bureau, call=call, today=NOTICE_START)

    # Anyone, without logging in, sees the list and objects to one entry.
    frozen(monkeypatch, DURING_NOTICE)
    anonymous = Client()
    page = anonymous.get(reverse("applications:public_notice", args=[call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("王芳", "李明", "赵静", "曾都区实验小学", "随县实验小学", "随州市第一中学"):
        assert name in html
    assert "钱落选" not in html
    assert HOST_PHONE not in html and MEMBER_PHONE not in html
    assert reverse("applications:objection_file", args=[call.pk, li.pk]) in html
    assert reverse("applications:objection_file", args=[call.pk, left_out.pk]) not in html

    form_url = reverse("applications:objection_file", args=[call.pk, li.pk])
    assert anonymous.get(form_url).status_code == 200
    assert (
        anonymous.get(
            reverse("applications:objection_file", args=[call.pk, left_out.pk])
        ).status_code
        == 404
    )
    valid = {"name": "张三", "contact": "13912345678", "text": "该申报人近五年未担任班主任。"}
    objections = Objection.objects.filter(application__call=call)
    bot = anonymous.post(form_url, {**valid, "website": "http://spam.example"})
    assert bot.status_code == 200 and not objections.exists()
    bad = anonymous.post(form_url, {**valid, "contact": "call me"})
    assert bad.status_code == 400 and not objections.exists()
    done = anonymous.post(form_url, valid)
    assert done.status_code == 200
    objection = objections.get()
    assert (objection.application_id, objection.state) == (li.pk, Objection.State.OPEN)
    assert Notification.objects.filter(
        recipient=bureau, verb="applications.objection.filed", object_id=str(objection.pk)
    ).exists()

    # An open objection blocks publication.
    assert "objection is still open" in refusal(
        publication.call_publish, actor=bureau, call=call, today=PUBLISH_DAY
    )

    # The bureau resolves it on its page: a resolution is required; upheld removes the entry.
    bureau_client = client_for("sz_city")
    manage_url = reverse("applications:call_notice_manage", args=[call.pk])
    manage = bureau_client.get(manage_url)
    assert manage.status_code == 200 and "13912345678" in manage.content.decode()
    bureau_client.post(
        manage_url,
        {"action": "resolve", "objection": objection.pk, "decision": "upheld", "resolution": ""},
    )
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    response = bureau_client.post(
        manage_url,
        {
            "action": "resolve",
            "objection": objection.pk,
            "decision": "upheld",
            "resolution": "经核实，反映情况属实。",
        },
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    li.refresh_from_db()
    assert objection.state == Objection.State.UPHELD and objection.resolved_by == bureau
    assert li.status == ApplicationStatus.NOT_SELECTED
    verbs = set(
        AuditEntry.objects.filter(object_id__in=[str(objection.pk), str(li.pk)]).values_list(
            "verb", flat=True
        )
    )
    assert {
        "applications.objection.filed",
        "applications.objection.upheld",
        "applications.application.removed_after_objection",
    } <= verbs
    assert (
        "李明"
        not in anonymous.get(reverse("applications:public_notice", args=[call.pk])).content.decode()
    )

    # Not before the notice has ended.
    assert "runs until 31 Aug 2024" in refusal(
        publication.call_publish, actor=bureau, call=call, today=NOTICE_END
    )
    frozen(monkeypatch, NOTICE_END)
    publish_url = reverse("applications:call_publish", args=[call.pk])
    response = bureau_client.post(publish_url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "applications:call_detail", args=[call.pk]
    )
    assert not Studio.objects.filter(call=call).exists()

    # Plaque numbers go on from the studios the policy founded earlier that year (demo data).
    taken = Studio.objects.filter(policy=call.policy, published_on__year=2024).count()
    frozen(monkeypatch, PUBLISH_DAY)
    response = bureau_client.post(publish_url)
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.status, call.published_on) == (CallStatus.PUBLISHED, PUBLISH_DAY)
    studios = {s.application_id: s for s in Studio.objects.filter(call=call)}
    assert set(studios) == {wang.pk, zhao.pk}
    wang_studio, zhao_studio = studios[wang.pk], studios[zhao.pk]
    assert wang_studio.name == "随州市王芳名班主任工作室"
    assert zhao_studio.name == "随州市赵静名班主任工作室"
    # ordered by county (bureau-affiliated schools first), school, host
    assert zhao_studio.plaque_number == f"随州名班主任工作室〔2024〕{taken + 1:02d}号"
    assert wang_studio.plaque_number == f"随州名班主任工作室〔2024〕{taken + 2:02d}号"
    assert (wang_studio.term_start, wang_studio.term_end) == (date(2024, 9, 1), date(2027, 8, 31))
    assert wang_studio.school == wang.school and wang_studio.county == wang.county
    assert wang_studio.host == wang.applicant
    roles = list(
        Membership.objects.filter(studio=wang_studio).values_list("role", "source", "start_date")
    )
    assert sorted(r for r, _, _ in roles) == ["advisor"] + ["host"] + ["member"] * 7
    assert {(s, d) for _, s, d in roles} == {("application", PUBLISH_DAY)}
    assert Membership.objects.get(studio=wang_studio, role="host").user == wang.applicant
    assert set(Application.objects.filter(call=call).values_list("pk", "status")) == {
        (wang.pk, ApplicationStatus.PUBLISHED),
        (zhao.pk, ApplicationStatus.PUBLISHED),
        (li.pk, ApplicationStatus.NOT_SELECTED),
        (left_out.pk, ApplicationStatus.NOT_SELECTED),
    }
    host = wang.applicant
    assert host.has_perm("studios.manage_studio", wang_studio)
    assert not host.has_perm("studios.manage_studio", zhao_studio)
    assert Notification.objects.filter(recipient=host, verb="applications.call.published").exists()

    # Publishing twice founds nothing more.
    assert "already published" in refusal(
        publication.call_publish, actor=bureau, call=call, today=PUBLISH_DAY
    )
    bureau_client.post(publish_url)
    assert Studio.objects.filter(call=call).count() == 2
    assert Membership.objects.filter(studio__call=call).count() == 18

    # The certificate: the host and the city's bureau; anyone else gets a 404.
    certificate_url = reverse("studios:studio_certificate", args=[wang_studio.pk])
    response = client_for("sz_teacher").get(certificate_url)
    assert_served(response, "application/pdf", inline=True)
    text = pdf_text(response.content)
    assert "随州市王芳名班主任工作室" in text
    assert wang_studio.plaque_number in text
    assert "2024年9月1日" in text and "2027年8月31日" in text
    assert "随州市教育局" in text
    assert client_for("sx_teacher").get(certificate_url).status_code == 404
    assert client_for("lz_city").get(certificate_url).status_code == 404
    assert client_for("sz_city").get(certificate_url).status_code == 200
    assert Client().get(certificate_url).status_code == 302  # to the login page

    # The public results: no login, the published studios only, no phone numbers.
    results = Client().get(reverse("applications:public_results", args=[call.pk]))
    assert results.status_code == 200
    html = results.content.decode()
    for text in (wang_studio.name, zhao_studio.name, wang_studio.plaque_number, "曾都区"):
        assert text in html
    assert "李明" not in html and "钱落选" not in html
    assert HOST_PHONE not in html and MEMBER_PHONE not in html

    # After the notice the list is gone from the public notice page.
    html = Client().get(reverse("applications:public_notice", args=[call.pk])).content.decode()
    assert "王芳" not in html
    assert reverse("applications:objection_file", args=[call.pk, wang.pk]) not in html
    assert Client().get(form_url).status_code == 200  # a page that says it is closed
    assert Client().post(form_url, valid).status_code == 409
    assert objections.count() == 1


def test_objections_only_during_the_notice(demo, suizhou):
    call, wang, *_ = suizhou
    valid = {"name": "张三", "contact": "zhang@example.org", "text": "有异议。"}
    with pytest.raises(services.ApplicationError):  # before the notice
        publication.objection_file(application=wang, today=NOTICE_START, **valid)
    publication.notice_start(actor=demo.user("sz_city"), call=call, today=NOTICE_START)
    with pytest.raises(services.ApplicationError):  # after it
        publication.objection_file(application=wang, today=PUBLISH_DAY, **valid)
    with pytest.raises(services.ApplicationError) as refused:
        publication.objection_file(
            application=wang, today=NOTICE_END, name=" ", contact="12", text=""
        )
    assert set(refused.value.problems) == {"name", "contact", "text"}
    objection = publication.objection_file(application=wang, today=NOTICE_END, **valid)
    assert objection.state == Objection.State.OPEN

    with pytest.raises(services.ApplicationError):  # only the bureau resolves
        publication.objection_resolve(
            actor=demo.user("sz_county"), objection=objection, upheld=True, resolution="x"
        )
    with pytest.raises(services.ApplicationError):
        publication.objection_resolve(
            actor=demo.user("sz_city"), objection=objection, upheld=False, resolution="  "
        )
    publication.objection_resolve(
        actor=demo.user("sz_city"), objection=objection, upheld=False, resolution="经核实不属实。"
    )
    objection.refresh_from_db()
    wang.refresh_from_db()
    assert objection.state == Objection.State.DISMISSED
    assert wang.status == ApplicationStatus.SELECTED
    with pytest.raises(services.ApplicationError):  # resolved once
        publication.objection_resolve(
            actor=demo.user("sz_city"), objection=objection, upheld=True, resolution="再议"
        )


def test_public_notice_page_before_the_notice_and_for_strangers(demo, suizhou, monkeypatch):
    call, wang, *_ = suizhou
    frozen(monkeypatch, DURING_NOTICE)
    html = Client().get(reverse("applications:public_notice", args=[call.pk])).content.decode()
    assert "王芳" not in html  # not started: a message, no list
    assert (
        Client().get(reverse("applications:objection_file", args=[call.pk, wang.pk])).status_code
        == 200
    )
    assert (
        Client().get(reverse("applications:public_notice", args=[call.pk + 1000])).status_code
        == 404
    )
    assert (
        Client().get(reverse("applications:call_notice_manage", args=[call.pk])).status_code == 302
    )


def test_notice_page_query_count(demo, suizhou, monkeypatch, django_assert_max_num_queries):
    call, *_ = suizhou
    publication.notice_start(actor=demo.user("sz_city"), call=call, today=NOTICE_START)
    frozen(monkeypatch, DURING_NOTICE)
    anonymous = Client()
    with django_assert_max_num_queries(4):
        assert (
            anonymous.get(reverse("applications:public_notice", args=[call.pk])).status_code == 200
        )


def test_liuzhou_publishes_directly_from_the_selection(demo):
    call = open_call()
    bureau = demo.user("lz_city")
    first = at_expert_review(call, demo.user("lz_teacher"))  # 韦丽华, 柳城县实验小学
    second = at_expert_review(call, teacher_at("luzhai-sx", "lz_second"), host_name="莫小兰")
    select(call, [first, second])
    assert "no public notice" in refusal(
        publication.notice_start, actor=bureau, call=call, today=PUBLISH_DAY
    )
    assert "still accepts applications" in refusal(
        publication.call_publish, actor=bureau, call=call, today=DURING
    )
    with pytest.raises(services.ApplicationError):  # only the city's bureau publishes
        publication.call_publish(actor=demo.user("sz_city"), call=call, today=PUBLISH_DAY)

    taken = Studio.objects.filter(policy=call.policy, published_on__year=2024).count()
    studios = publication.call_publish(actor=bureau, call=call, today=PUBLISH_DAY)
    assert [s.name for s in studios] == ["柳州市韦丽华名班主任工作室", "柳州市莫小兰名班主任工作室"]
    assert [s.plaque_number for s in studios] == [
        f"柳州名班主任工作室〔2024〕{taken + 1:02d}号",
        f"柳州名班主任工作室〔2024〕{taken + 2:02d}号",
    ]
    studio = studios[0]
    assert studio.paired_county == first.paired_county
    counts = {
        role: Membership.objects.filter(studio=studio, role=role).count()
        for role in ("host", "advisor", "member")
    }
    assert counts == {"host": 1, "advisor": 1, "member": 5}  # the bureau assigns the other 10
    call.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED
    assert can(demo.user("lz_teacher"), "studios.view_studio_certificate", studio)
    assert not can(demo.user("lz_teacher"), "studios.view_studio_certificate", studios[1])
    assert can(demo.user("lz_city"), "studios.view_studio_certificate", studio)
    assert not can(demo.user("sz_city"), "studios.view_studio_certificate", studio)
    assert not can(demo.user("lz_county"), "studios.view_studio_certificate", studio)


def test_plaque_verification(demo, monkeypatch):
    call = open_call()
    first = at_expert_review(call, demo.user("lz_teacher"))
    select(call, [first])
    (studio,) = publication.call_publish(actor=demo.user("lz_city"), call=call, today=PUBLISH_DAY)
    frozen(monkeypatch, date(2025, 3, 1))
    url = reverse("studios:plaque_verify")
    anonymous = Client()
    found = anonymous.get(url, {"number": studio.plaque_number})
    assert found.status_code == 200
    assert found.context["studio"] == studio and found.context["state"] == "active"
    html = found.content.decode()
    assert studio.name in html and HOST_PHONE not in html
    typed = anonymous.get(url, {"number": "柳州名班主任工作室[2024]01号"})
    assert typed.context["studio"] == studio  # ASCII brackets are accepted
    fake = anonymous.get(url, {"number": "柳州名班主任工作室〔2024〕99号"})
    assert fake.status_code == 200 and fake.context["studio"] is None
    assert studio.name not in fake.content.decode()

    Studio.objects.filter(pk=studio.pk).update(status="revoked", revoked_on=date(2025, 1, 10))
    assert anonymous.get(url, {"number": studio.plaque_number}).context["state"] == "revoked"
    Studio.objects.filter(pk=studio.pk).update(status="active", revoked_on=None)
    frozen(monkeypatch, date(2027, 9, 1))
    assert anonymous.get(url, {"number": studio.plaque_number}).context["state"] == "ended"


def test_term_end():
    assert term_end_for(date(2024, 9, 1), 3) == date(2027, 8, 31)
    assert term_end_for(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert term_end_for(date(2024, 3, 1), 1) == date(2025, 2, 28)
