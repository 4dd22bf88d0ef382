"""截止申报 before the closing date (with a reason), and the call and notice pages showing a
button enabled only when its service would accept it on that day."""

from datetime import date, timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEntry, Notification
from applications import publication, services, workflow
from applications.models import ApplicationStatus, CallStatus

from .factories import (
    CLOSES,
    DURING,
    advance,
    draft,
    draft_call,
    open_call,
    submitted,
    teacher_at,
)
from .test_publication import select

pytestmark = pytest.mark.django_db


@pytest.fixture
def on(monkeypatch):
    """Set the day the application sees."""

    def set_day(day: date) -> date:
        monkeypatch.setattr("core.clock.today", lambda: day)
        return day

    return set_day


def refusal(service, **kwargs) -> str:
    with translation.override("en"), pytest.raises(services.ApplicationError) as refused:
        service(**kwargs)
    return str(refused.value)


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def buttons(doc, action_ends: str) -> list:
    return doc.xpath(
        f"//form[substring(@action, string-length(@action) - "
        f"{len(action_ends) - 1}) = '{action_ends}']//button"
    )


# --- closing early ----------------------------------------------------------------------------


def test_closing_early_needs_a_reason_and_records_it(demo):
    call = open_call()
    bureau = demo.user("lz_city")
    refused = refusal(
        workflow.call_close_early, actor=bureau, call=call, today=DURING, reason="   "
    )
    assert "why" in refused
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN and call.closed_early_reason == ""

    workflow.call_close_early(
        actor=bureau, call=call, today=DURING, reason="  名额已由上级调整，\n本批次提前截止。 "
    )
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    assert call.closed_early_reason == "名额已由上级调整， 本批次提前截止。"
    entry = AuditEntry.objects.get(verb="applications.call.closed_early")
    assert (entry.from_state, entry.to_state) == ("open", "closed")
    assert entry.comment == call.closed_early_reason
    # Closing a second time is refused in words, and changes nothing.
    assert "not open" in refusal(
        workflow.call_close_early, actor=bureau, call=call, today=DURING, reason="再次"
    )
    assert AuditEntry.objects.filter(verb="applications.call.closed_early").count() == 1


def test_only_the_bureau_of_the_call_may_close_it_early(demo):
    call = open_call()
    for username in ("sz_city", "lz_county", "lz_teacher"):
        assert refusal(
            workflow.call_close_early,
            actor=demo.user(username),
            call=call,
            today=DURING,
            reason="提前截止",
        )
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN


def test_after_the_closing_date_there_is_nothing_early_about_it(demo):
    call = open_call()
    assert "without a reason" in refusal(
        workflow.call_close_early,
        actor=demo.user("lz_city"),
        call=call,
        today=CLOSES + timedelta(days=1),
        reason="提前截止",
    )


def test_applicants_with_unsubmitted_forms_are_told(demo):
    call = open_call()
    waiting = draft(call, demo.user("lz_teacher"))
    returned = submitted(call, teacher_at("liucheng-zx", "lczx_teacher"))
    workflow.return_for_revision(
        actor=workflow.reviewers_for(returned)[0], application=returned, opinion="请补充材料。"
    )
    handed_in = submitted(call, teacher_at("luzhai-sx", "lzsx_teacher"))
    workflow.call_close_early(
        actor=demo.user("lz_city"), call=call, today=DURING, reason="名额调整"
    )
    told = set(
        Notification.objects.filter(verb="applications.call.closed_early").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {waiting.applicant.username, returned.applicant.username}
    assert handed_in.applicant.username not in told
    body = Notification.objects.filter(verb="applications.call.closed_early").first().body
    assert "名额调整" in body


def test_the_call_page_closes_early_with_a_reason_and_shows_it(demo, client_for, on):
    call = open_call()
    on(DURING)
    client = client_for("lz_city")
    url = reverse("applications:call_detail", args=[call.pk])
    close = reverse("applications:call_action", args=[call.pk, "close"])
    doc = page(client, url)
    assert doc.xpath("//form[@action=$a]//input[@name='reason']", a=close)

    # Without a reason: refused with the reason why, the call stays open.
    response = client.post(close, {"reason": ""}, follow=True)
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    assert "请说明在截止日期前截止申报的原因" in response.content.decode()

    response = client.post(close, {"reason": "上级通知调整名额"}, follow=True)
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    assert call.closed_early_reason == "上级通知调整名额"
    shown = lxml.html.fromstring(response.content.decode())
    assert shown.xpath("string(//*[@data-testid='closed-early-reason'])") == "上级通知调整名额"


def test_the_call_page_closes_without_a_reason_after_the_closing_date(demo, client_for, on):
    call = open_call()
    on(CLOSES + timedelta(days=1))
    client = client_for("lz_city")
    close = reverse("applications:call_action", args=[call.pk, "close"])
    doc = page(client, reverse("applications:call_detail", args=[call.pk]))
    assert not doc.xpath("//form[@action=$a]//input[@name='reason']", a=close)
    client.post(close)
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED and call.closed_early_reason == ""


def test_a_teacher_is_not_offered_the_form_once_the_closing_date_passed(demo, client_for, on):
    call = open_call()
    url = reverse("applications:call_detail", args=[call.pk])
    start = reverse("applications:application_start", args=[call.pk])
    client = client_for("lz_teacher")
    on(DURING)
    assert buttons(page(client, url), start)
    on(CLOSES + timedelta(days=1))  # closed in fact, though the daily job has not run yet
    assert not buttons(page(client, url), start)


# --- buttons enabled only when the service would accept ---------------------------------------


def _selected_liuzhou_call(demo):
    call = open_call(studio_count=1)
    chosen = advance(submitted(call, demo.user("lz_teacher")))
    select(call, [chosen])
    call.refresh_from_db()
    return call


def test_publish_on_the_call_page_is_disabled_with_the_reason_before_the_deadline(
    demo, client_for, on
):
    call = _selected_liuzhou_call(demo)
    url = reverse("applications:call_detail", args=[call.pk])
    publish = reverse("applications:call_publish", args=[call.pk])
    client = client_for("lz_city")

    on(DURING)
    assert publication.publication_refusal(call, DURING)  # the service would refuse
    (button,) = buttons(page(client, url), publish)
    assert button.get("disabled") is not None
    doc = page(client, url)
    assert "2024年7月28日前仍接受申报" in doc.xpath("string(//*[@id='publish-refusal'])")

    after = on(CLOSES + timedelta(days=1))
    assert publication.publication_refusal(call, after) is None
    (button,) = buttons(page(client, url), publish)
    assert button.get("disabled") is None
    client.post(publish)
    call.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED


@pytest.fixture
def suizhou_selected(demo):
    call = open_call("suizhou", studio_count=1)
    chosen = advance(submitted(call, demo.user("sz_teacher")))
    select(call, [chosen])
    call.refresh_from_db()
    return call


def test_start_of_the_notice_is_disabled_with_the_reason_while_the_call_is_open(
    suizhou_selected, client_for, on
):
    call = suizhou_selected
    url = reverse("applications:call_notice_manage", args=[call.pk])
    client = client_for("sz_city")
    on(DURING)
    with translation.override("en"):
        assert "still accepts" in publication.notice_start_refusal(call, DURING)
    doc = page(client, url)
    (start,) = doc.xpath("//button[@name='action'][@value='start']")
    assert start.get("disabled") is not None
    assert "2024年7月28日前仍接受申报" in doc.xpath("string(//*[@id='start-refusal'])")
    # Posting anyway is refused with the same words, and the notice does not start.
    client.post(url, {"action": "start"})
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN

    after = on(CLOSES + timedelta(days=1))
    assert publication.notice_start_refusal(call, after) is None
    doc = page(client, url)
    (start,) = doc.xpath("//button[@name='action'][@value='start']")
    assert start.get("disabled") is None
    assert not doc.xpath("//*[@id='start-refusal']")


def test_start_of_the_notice_says_when_nothing_is_selected(demo, client_for, on):
    call = open_call("suizhou")
    advance(submitted(call, demo.user("sz_teacher")))
    on(CLOSES + timedelta(days=1))
    doc = page(client_for("sz_city"), reverse("applications:call_notice_manage", args=[call.pk]))
    (start,) = doc.xpath("//button[@name='action'][@value='start']")
    assert start.get("disabled") is not None
    assert "尚未遴选" in doc.xpath("string(//*[@id='start-refusal'])")


def test_publish_during_the_notice_is_disabled_with_the_day_it_becomes_possible(
    suizhou_selected, client_for, on
):
    call = suizhou_selected
    start = CLOSES + timedelta(days=1)
    publication.notice_start(actor=call.created_by, call=call, today=start)
    call.refresh_from_db()
    assert call.status == CallStatus.NOTICE
    url = reverse("applications:call_notice_manage", args=[call.pk])
    publish = reverse("applications:call_publish", args=[call.pk])
    client = client_for("sz_city")

    during = on(call.notice_ends_on)
    assert publication.publication_refusal(call, during)
    doc = page(client, url)
    (button,) = buttons(doc, publish)
    assert button.get("disabled") is not None
    next_day = call.notice_ends_on + timedelta(days=1)
    note = doc.xpath("string(//*[@id='publish-refusal'])")
    assert f"{next_day.month}月{next_day.day}日起可公布" in note
    client.post(publish)
    call.refresh_from_db()
    assert call.status == CallStatus.NOTICE

    after = on(next_day)
    assert publication.publication_refusal(call, after) is None
    (button,) = buttons(page(client, url), publish)
    assert button.get("disabled") is None
    client.post(publish)
    call.refresh_from_db()
    assert call.status == CallStatus.PUBLISHED
    assert call.applications.filter(status=ApplicationStatus.PUBLISHED).count() == 1


def test_open_is_disabled_with_the_reason_until_the_rubric_is_defined(demo, client_for):
    call = draft_call()
    call.criteria.all().delete()  # a call saved before its rubric was written
    assert call.policy.expert_review
    url = reverse("applications:call_detail", args=[call.pk])
    open_ = reverse("applications:call_action", args=[call.pk, "open"])
    client = client_for("lz_city")
    doc = page(client, url)
    (button,) = buttons(doc, open_)
    assert button.get("disabled") is not None
    assert doc.xpath("string(//*[@id='open-refusal'])").strip()
    client.post(open_)
    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
