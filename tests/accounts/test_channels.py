"""Notices on SMS and group robots (accounts/channels.py, accounts/deliveries.py), against a real
HTTP peer: each test starts a ``ThreadingHTTPServer`` on 127.0.0.1 (an ephemeral port) that
answers from a script — a 500 first, then ``{"errcode":0,"errmsg":"ok"}`` — and records every
request it got. Nothing in between is mocked: the bytes go through urllib, the socket and the
server, and the retries are Celery's (eager here; through Redis and a real worker below).
"""

import base64
import hashlib
import hmac
import os
import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import deliveries, tasks
from accounts.channels import DingTalkRobot, Message, WeComRobot
from accounts.forms import ChatRobotForm, NoticeChannelsForm
from accounts.models import (
    ChannelDelivery,
    ChatRobotKind,
    DeliveryStatus,
    NoticeKind,
    NoticePreference,
    Notification,
    NotificationDelivery,
    Role,
    notice_kind,
)
from accounts.permissions import can
from accounts.services import AccountsError, notify, send_daily_digests
from tests.workers import real_worker

from .factories import SchoolFactory, user_with_role
from .receiver import Receiver

REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")
WAITING = "applications.application.waiting"  # a review task: the kind robots post by default
DING_SECRET = "SEC" + "0123456789abcdef" * 4


# --- the peer --------------------------------------------------------------------------------


@pytest.fixture
def peer(settings):
    """Start receivers (``peer(script)``); robots may post to 127.0.0.1 for the test."""
    settings.MINGSHI_ROBOT_HOSTS = ["127.0.0.1"]
    settings.MINGSHI_CHANNEL_TIMEOUT_SECONDS = 5
    settings.MINGSHI_CHANNEL_MAX_ATTEMPTS = 3
    started = []

    def start(script=(), **kwargs) -> Receiver:
        receiver = Receiver(script, **kwargs)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def school(db):
    return SchoolFactory()


def school_admin(school, **kwargs):
    return user_with_role(Role.SCHOOL_ADMIN, school, **kwargs)


def add_robot(school, url, *, kind=ChatRobotKind.WECOM, secret="", kinds=(NoticeKind.TASKS,)):
    admin = school_admin(school)
    return deliveries.chat_robot_save(
        actor=admin,
        organisation=school,
        kind=kind,
        name="班主任群",
        webhook_url=url,
        secret=secret,
        notice_kinds=list(kinds),
        enabled=True,
    )


def tell(
    recipients, capture, *, verb=WAITING, title="一份申报等待您审核：张三", body="柳州市2024年申报"
):
    """notify(), and the commit that queues the delivery task (run eagerly here)."""
    with capture(execute=True):
        return notify(recipients, verb=verb, title=title, body=body, url="/applications/7/")


# --- the done-means test: one delivery per notice after a transient failure ------------------


def test_a_robot_posts_once_after_a_500_and_a_retry(
    school, peer, django_capture_on_commit_callbacks
):
    receiver = peer([(500, {"errcode": -1, "errmsg": "system busy"})])
    robot = add_robot(school, receiver.wecom_url())
    first, second = school_admin(school), school_admin(school)

    notes = tell([first, second], django_capture_on_commit_callbacks)

    # Two recipients at the school, one notice in its group: one delivery, sent on the 2nd try.
    [delivery] = ChannelDelivery.objects.filter(robot=robot)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert delivery.sent_at is not None and delivery.last_error == ""
    assert len(receiver.received) == 2  # the 500, then the one that was taken
    posted = receiver.received[-1]
    assert posted.path == "/cgi-bin/webhook/send" and posted.query == {"key": ["k1"]}
    assert posted.body["msgtype"] == "markdown"
    content = posted.body["markdown"]["content"]
    assert "一份申报等待您审核：张三" in content
    assert "(http://127.0.0.1:8000/applications/7/)" in content  # MINGSHI_BASE_URL + the link
    assert receiver.received[0].body == posted.body  # the retry sent the same message

    # The task again (a retried or redelivered message): nothing new is planned or sent.
    result = tasks.deliver_notifications.apply(args=[[n.pk for n in notes]]).get()
    assert result == {"sent": 0, "not_sent": 0}
    assert len(receiver.received) == 2
    assert ChannelDelivery.objects.filter(notification__in=notes).count() == 1


def test_two_workers_sending_the_same_delivery_send_it_once(peer, transactional_db):
    """The claim is a conditional update: of two sends at the same moment (the peer holds its
    answer, so they overlap), one posts and the other finds the row taken."""
    school = SchoolFactory()
    receiver = peer(delay=0.5)
    add_robot(school, receiver.wecom_url())
    # Stored directly: notify() would queue (and, eagerly, run) the delivery on its commit.
    note = Notification.objects.create(
        recipient=school_admin(school), verb=WAITING, kind=NoticeKind.TASKS, title="并发"
    )
    deliveries.deliveries_plan(notification_ids=[note.pk])
    [delivery] = ChannelDelivery.objects.filter(notification=note)
    outcomes = []

    def send():
        try:
            outcomes.append(deliveries.delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=send) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(outcomes) == [deliveries.SENT, deliveries.SKIPPED]
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_a_400_is_not_retried_and_says_why_in_words(
    school, peer, django_capture_on_commit_callbacks
):
    receiver = peer([(400, {"errcode": 40035, "errmsg": "invalid parameter"})])
    robot = add_robot(school, receiver.wecom_url())
    tell([school_admin(school)], django_capture_on_commit_callbacks)
    [delivery] = ChannelDelivery.objects.filter(robot=robot)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert len(receiver.received) == 1
    # In the recipient's language (zh-hans), without the status code.
    assert "127.0.0.1" in delivery.last_error and "检查" in delivery.last_error
    assert "400" not in delivery.last_error and "40035" not in delivery.last_error


def test_a_robot_refusal_in_its_errcode_is_final_and_its_rate_limit_is_retried(
    school, peer, django_capture_on_commit_callbacks
):
    refused = peer([(200, {"errcode": 93000, "errmsg": "invalid webhook url"})])
    limited = peer([(200, {"errcode": 45009, "errmsg": "api freq out of limit"})])
    add_robot(school, refused.wecom_url("a"))
    add_robot(school, limited.wecom_url("b"))
    tell([school_admin(school)], django_capture_on_commit_callbacks)
    by_host = {d.robot.webhook_url: d for d in ChannelDelivery.objects.select_related("robot")}
    gone = by_host[refused.wecom_url("a")]
    assert (gone.status, gone.attempts) == (DeliveryStatus.FAILED, 1)
    assert "企业微信" in gone.last_error and "93000" not in gone.last_error
    later = by_host[limited.wecom_url("b")]
    assert (later.status, later.attempts) == (DeliveryStatus.SENT, 2)
    assert (len(refused.received), len(limited.received)) == (1, 2)


def test_a_peer_that_keeps_failing_is_tried_max_attempts_times_then_not_sent(
    school, peer, settings, django_capture_on_commit_callbacks
):
    settings.MINGSHI_CHANNEL_MAX_ATTEMPTS = 3
    receiver = peer([(503, {})] * 10)
    robot = add_robot(school, receiver.wecom_url())
    tell([school_admin(school)], django_capture_on_commit_callbacks)
    [delivery] = ChannelDelivery.objects.filter(robot=robot)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert len(receiver.received) == 3
    assert "问题" in delivery.last_error  # "…had a problem and did not take the message"


def test_the_wait_between_tries_doubles_up_to_an_hour(settings):
    settings.MINGSHI_CHANNEL_RETRY_SECONDS = 30
    assert [deliveries.retry_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert deliveries.retry_seconds(20) == 3600


def test_a_dingtalk_robot_signs_each_post(school, peer, django_capture_on_commit_callbacks):
    receiver = peer()
    add_robot(school, receiver.dingtalk_url(), kind=ChatRobotKind.DINGTALK, secret=DING_SECRET)
    before = int(time.time() * 1000)
    tell([school_admin(school)], django_capture_on_commit_callbacks, title="钉钉通知")
    [posted] = receiver.received
    assert posted.path == "/robot/send"
    assert posted.query["access_token"] == ["t1"]
    [timestamp], [sign] = posted.query["timestamp"], posted.query["sign"]
    assert before - 1000 <= int(timestamp) <= int(time.time() * 1000) + 1000
    # DingTalk's 加签, computed here on its own: HMAC-SHA256 keyed with the secret, base64.
    expected = base64.b64encode(
        hmac.new(
            DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert sign == expected
    assert posted.body["msgtype"] == "markdown"
    assert posted.body["markdown"]["title"] == "钉钉通知"
    assert "钉钉通知" in posted.body["markdown"]["text"]


def test_a_dingtalk_robot_without_a_secret_sends_no_signature(peer):
    receiver = peer()
    DingTalkRobot(receiver.dingtalk_url()).send(Message(title="无签名"))
    [posted] = receiver.received
    assert set(posted.query) == {"access_token"}


def test_markdown_in_a_notice_cannot_make_a_link_in_the_group(peer):
    receiver = peer()
    WeComRobot(receiver.wecom_url()).send(
        Message(title="[点我](http://evil.example)", body="**加粗** <b>x</b>", url="")
    )
    content = receiver.received[0].body["markdown"]["content"]
    assert "](http://evil.example)" not in content and "<b>" not in content
    assert "［点我］（http://evil.example）" in content


def test_an_sms_carries_the_token_the_phone_and_the_text(
    school, peer, settings, django_capture_on_commit_callbacks
):
    receiver = peer([(502, {})])
    settings.MINGSHI_SMS_URL = f"{receiver.base}/sms/send"
    settings.MINGSHI_SMS_TOKEN = "sms-token-7f3a"
    settings.MINGSHI_SMS_SIGN_NAME = "柳州市教育局"
    teacher = user_with_role(Role.TEACHER, school, phone="139 0000 1234")
    NoticePreference.objects.create(user=teacher, kind=NoticeKind.RESULTS, sms=True)

    [note] = tell(
        [teacher],
        django_capture_on_commit_callbacks,
        verb="applications.application.returned",
        title="您的申报已退回",
    )

    assert note.kind == NoticeKind.RESULTS
    [delivery] = ChannelDelivery.objects.filter(notification=note)
    assert (delivery.channel, delivery.target) == ("sms", "13900001234")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(receiver.received) == 2
    sms = receiver.received[-1]
    assert sms.path == "/sms/send"
    assert sms.headers["authorization"] == "Bearer sms-token-7f3a"
    assert sms.body["phone"] == "13900001234"
    assert sms.body["sign"] == "柳州市教育局"
    assert sms.body["text"].startswith("您的申报已退回")
    assert sms.body["text"].endswith("http://127.0.0.1:8000/applications/7/")


def test_who_opted_out_of_a_channel_gets_nothing_on_it(
    school, peer, settings, django_capture_on_commit_callbacks
):
    receiver = peer()
    settings.MINGSHI_SMS_URL = f"{receiver.base}/sms/send"
    wants = user_with_role(Role.TEACHER, school, phone="13900000001")
    declined = user_with_role(Role.TEACHER, school, phone="13900000002")
    NoticePreference.objects.create(user=wants, kind=NoticeKind.RESULTS, sms=True, email=True)
    NoticePreference.objects.create(user=declined, kind=NoticeKind.RESULTS, sms=False, email=False)
    # SMS for another kind does not count for this one.
    NoticePreference.objects.create(user=declined, kind=NoticeKind.TASKS, sms=True)

    tell(
        [wants, declined],
        django_capture_on_commit_callbacks,
        verb="applications.application.approved",
        title="审核通过",
    )

    assert [r.body["phone"] for r in receiver.received] == ["13900000001"]
    assert [m.to for m in mail.outbox] == [[wants.email]]
    assert not ChannelDelivery.objects.filter(notification__recipient=declined).exists()
    # The inbox always has it.
    assert Notification.objects.filter(recipient=declined, title="审核通过").exists()


def test_the_daily_digest_leaves_out_the_kinds_turned_off_for_email(school):
    teacher = user_with_role(
        Role.TEACHER, school, notification_delivery=NotificationDelivery.DIGEST
    )
    NoticePreference.objects.create(user=teacher, kind=NoticeKind.STUDIO, email=False)
    notify([teacher], verb="studios.comment.added", title="新的点评")
    notify([teacher], verb="applications.application.returned", title="申报已退回")
    assert send_daily_digests(day=timezone.localdate()) == 1
    [digest] = mail.outbox
    assert "申报已退回" in digest.body and "新的点评" not in digest.body


def test_nothing_is_queued_where_no_channel_is_set_up(school, django_capture_on_commit_callbacks):
    tell([school_admin(school)], django_capture_on_commit_callbacks)
    assert not ChannelDelivery.objects.exists()


def test_a_turned_off_robot_posts_nothing_and_a_removed_one_ends_its_pending_posts(
    school, peer, django_capture_on_commit_callbacks
):
    receiver = peer()
    robot = add_robot(school, receiver.wecom_url())
    admin = school_admin(school)
    [note] = notify([admin], verb=WAITING, title="等待", body="")
    deliveries.deliveries_plan(notification_ids=[note.pk])
    deliveries.chat_robot_remove(actor=admin, robot=robot)
    run = deliveries.notifications_deliver(notification_ids=[note.pk])
    assert (run.sent, run.not_sent) == (0, 1)
    assert receiver.received == []
    [delivery] = ChannelDelivery.objects.filter(notification=note)
    assert delivery.status == DeliveryStatus.FAILED and "删除" in delivery.last_error


def test_a_claim_left_by_a_worker_that_died_is_never_sent_again(school, peer):
    receiver = peer()
    add_robot(school, receiver.wecom_url())
    [note] = notify([school_admin(school)], verb=WAITING, title="中断", body="")
    deliveries.deliveries_plan(notification_ids=[note.pk])
    long_ago = timezone.now() - timedelta(hours=1)
    ChannelDelivery.objects.filter(notification=note).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=long_ago
    )
    deliveries.notifications_deliver(notification_ids=[note.pk])
    [delivery] = ChannelDelivery.objects.filter(notification=note)
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_a_delivery_another_worker_holds_is_looked_at_again_once_it_would_be_stale(
    school, peer, settings
):
    settings.MINGSHI_CHANNEL_TIMEOUT_SECONDS = 5  # a claim is stale after 2 × 5 + 60 s
    receiver = peer()
    add_robot(school, receiver.wecom_url())
    [note] = notify([school_admin(school)], verb=WAITING, title="占用", body="")
    deliveries.deliveries_plan(notification_ids=[note.pk])
    ChannelDelivery.objects.filter(notification=note).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=timezone.now()
    )
    run = deliveries.notifications_deliver(notification_ids=[note.pk])
    assert (run.sent, run.not_sent, run.retry_in) == (0, 0, None)
    assert 60 < run.recheck_in <= 71
    assert receiver.received == []


# --- kinds of notice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "kind"),
    [
        ("applications.application.waiting", NoticeKind.TASKS),
        ("applications.review.waiting_long", NoticeKind.REMINDERS),
        ("applications.application.deadline_soon", NoticeKind.REMINDERS),
        ("applications.expert.assigned", NoticeKind.TASKS),
        ("assessments.assessment.score", NoticeKind.TASKS),
        ("assessments.assessment.scored", NoticeKind.RESULTS),
        ("applications.application.not_selected", NoticeKind.RESULTS),
        ("studios.seat_request.not_assigned", NoticeKind.RESULTS),
        ("applications.call.opened", NoticeKind.ANNOUNCEMENTS),
        ("studios.attendance.to_confirm", NoticeKind.TASKS),
        ("studios.attendance.confirm", NoticeKind.REMINDERS),
        ("studios.comment.added", NoticeKind.STUDIO),
        ("something.new.happened", NoticeKind.STUDIO),
    ],
)
def test_each_verb_falls_in_its_kind(verb, kind):
    assert notice_kind(verb) == kind


def test_a_notification_stores_its_kind(school):
    [note] = notify([school_admin(school)], verb="applications.call.opened", title="新申报")
    assert Notification.objects.get(pk=note.pk).kind == NoticeKind.ANNOUNCEMENTS


# --- the pages -------------------------------------------------------------------------------


def test_the_administrator_sends_a_test_message_and_reads_the_answer(school, peer, client):
    receiver = peer([(200, {"errcode": 93000, "errmsg": "invalid webhook url"})])
    robot = add_robot(school, receiver.wecom_url())
    client.force_login(school_admin(school))
    url = reverse("accounts:chat_robot", args=[robot.pk])

    page = client.post(url, {"action": "test"}, follow=True).content.decode()
    assert "测试消息未送达" in page and "企业微信" in page
    assert "93000" not in page

    page = client.post(url, {"action": "test"}, follow=True).content.decode()
    assert "测试消息已发送" in page
    [_refused, posted] = receiver.received
    assert "测试消息" in posted.body["markdown"]["content"]
    assert not ChannelDelivery.objects.exists()  # a test is not a notice


def test_an_administrator_manages_only_their_own_organisations_robots(school, peer, client):
    receiver = peer()
    robot = add_robot(school, receiver.wecom_url())
    other = SchoolFactory(parent=school.parent)
    county_reviewer = user_with_role(Role.COUNTY_REVIEWER, school.parent)
    teacher = user_with_role(Role.TEACHER, school)
    assert can(school_admin(school), "accounts.manage_chat_robots", robot)
    assert not can(school_admin(other), "accounts.manage_chat_robots", robot)
    # The county oversees the school, but the school's group is the school's.
    assert not can(county_reviewer, "accounts.manage_chat_robots", school)
    assert can(county_reviewer, "accounts.manage_chat_robots", school.parent)
    assert not can(teacher, "accounts.manage_chat_robots", school)

    client.force_login(school_admin(other))
    assert client.get(reverse("accounts:chat_robot", args=[robot.pk])).status_code == 404
    response = client.post(reverse("accounts:chat_robot", args=[robot.pk]), {"action": "delete"})
    assert response.status_code == 404
    client.force_login(county_reviewer)
    assert client.get(reverse("accounts:chat_robot", args=[robot.pk])).status_code == 403
    assert (
        client.post(reverse("accounts:organisation_robots", args=[school.pk]), {}).status_code
        == 403
    )
    with pytest.raises(AccountsError):
        deliveries.chat_robot_remove(actor=county_reviewer, robot=robot)
    assert ChannelDelivery.objects.count() == 0 and robot.__class__.objects.count() == 1


def test_an_administrator_adds_a_robot_through_the_page(school, peer, client):
    receiver = peer()
    admin = school_admin(school)
    client.force_login(admin)
    response = client.post(
        reverse("accounts:organisation_robots", args=[school.pk]),
        {
            "kind": "dingtalk",
            "name": "教务群",
            "webhook_url": receiver.dingtalk_url("abc"),
            "secret": DING_SECRET,
            "notice_kinds": ["tasks", "results"],
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    robot = school.chat_robots.get()
    assert (robot.kind, robot.secret, robot.notice_kinds) == (
        "dingtalk",
        DING_SECRET,
        ["tasks", "results"],
    )
    page = client.get(response.url).content.decode()
    # Neither the secret nor the robot's key is shown back.
    assert DING_SECRET not in page and "access_token=abc" not in page


def test_a_person_chooses_channels_per_kind(school, peer, settings, client):
    settings.MINGSHI_SMS_URL = f"{peer().base}/sms"
    teacher = user_with_role(Role.TEACHER, school, phone="")
    client.force_login(teacher)
    url = reverse("accounts:notice_channels")
    assert client.get(url).status_code == 200
    data = {f"email_{kind}": "on" for kind in NoticeKind.values}
    data["sms_results"] = "on"
    # SMS needs a mobile number.
    page = client.post(url, data).content.decode()
    assert "手机号" in page
    assert not NoticePreference.objects.filter(user=teacher).exists()
    data["mobile"] = "+86 138-0000-1234"
    assert client.post(url, data).status_code == 302
    teacher.refresh_from_db()
    assert teacher.phone == "13800001234"
    choices = {p.kind: (p.email, p.sms) for p in NoticePreference.objects.filter(user=teacher)}
    assert choices[NoticeKind.RESULTS] == (True, True)
    assert choices[NoticeKind.TASKS] == (True, False)


# --- forms refuse bad values with clear messages ---------------------------------------------


def robot_form(settings, **overrides):
    settings.MINGSHI_ROBOT_HOSTS = ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
    data = {
        "kind": "wecom",
        "name": "班主任群",
        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123",
        "secret": "",
        "notice_kinds": ["tasks"],
        "enabled": "on",
    }
    data.update(overrides)
    return ChatRobotForm(data)


def test_a_good_robot_form_is_accepted(settings):
    form = robot_form(settings)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"webhook_url": "ftp://qyapi.weixin.qq.com/x?key=1"}, "webhook_url", "https://"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url", "https://"),
        ({"webhook_url": "not a url"}, "webhook_url", "重新复制"),
        (
            {"webhook_url": "https://evil.example/cgi-bin/webhook/send?key=1"},
            "webhook_url",
            "qyapi",
        ),
        ({"webhook_url": "http://127.0.0.1:6379/?key=1"}, "webhook_url", "qyapi"),
        (
            {"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "webhook_url",
            "key=",
        ),
        (
            {"kind": "dingtalk", "webhook_url": "https://oapi.dingtalk.com/robot/send"},
            "webhook_url",
            "access_token=",
        ),
        ({"webhook_url": "https://qyapi.weixin.qq.com/" + "x" * 600}, "webhook_url", "500"),
        ({"secret": "SECabc"}, "secret", "企业微信"),
        (
            {
                "kind": "dingtalk",
                "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                "secret": "S" * 129,
            },
            "secret",
            "128",
        ),
        (
            {
                "kind": "dingtalk",
                "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                "secret": "SEC 带空格",
            },
            "secret",
            "空格",
        ),
        ({"name": ""}, "name", ""),
        ({"name": "群" * 61}, "name", "60"),
        ({"notice_kinds": []}, "notice_kinds", ""),
        ({"notice_kinds": ["everything"]}, "notice_kinds", ""),
        ({"kind": "slack"}, "kind", ""),
    ],
)
def test_the_robot_form_refuses_bad_values(settings, overrides, field, words):
    form = robot_form(settings, **overrides)
    assert not form.is_valid()
    message = " ".join(form.errors[field])
    assert words in message, message
    assert re.search(r"[\u4e00-\u9fff]", message), message  # said in Chinese, the default


def test_the_channels_form_refuses_a_number_that_is_not_a_mobile():
    form = NoticeChannelsForm({"mobile": "0772-1234567", "sms_tasks": "on"}, sms=True)
    assert not form.is_valid()
    assert "11" in " ".join(form.errors["mobile"])


def test_without_sms_on_the_server_the_form_offers_email_only():
    form = NoticeChannelsForm({}, sms=False)
    assert "mobile" not in form.fields
    assert not any(name.startswith("sms_") for name in form.fields)


# --- a real worker on Redis ----------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="no Redis answered (scripts/test.sh sets it)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_through_redis_and_posts_once(peer, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    receiver = peer([(500, {"errcode": -1, "errmsg": "system busy"})])
    school = SchoolFactory()
    robot = add_robot(school, receiver.wecom_url())
    # Stored directly: the test process has no broker, so notify's own queueing would run the
    # task here, eagerly. The worker gets it through Redis instead.
    note = Notification.objects.create(
        recipient=school_admin(school),
        verb=WAITING,
        kind=NoticeKind.TASKS,
        title="真实队列",
        url="/applications/9/",
    )
    settings = {
        "MINGSHI_ROBOT_HOSTS": "127.0.0.1",
        "MINGSHI_CHANNEL_RETRY_SECONDS": "1",
        "MINGSHI_CHANNEL_TIMEOUT_SECONDS": "5",
    }
    log = tmp_path / "worker.log"
    with real_worker("channels", database=True, env=settings, log=log) as (client, queue):
        first = client.send_task(
            "accounts.tasks.deliver_notifications", args=[[note.pk]], queue=queue
        )
        # The result comes after the retry: the task's first run met the 500 and retried.
        assert first.get(timeout=90) == {"sent": 1, "not_sent": 0}, _log(tmp_path)
        delivery = ChannelDelivery.objects.get(robot=robot)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
        assert len(receiver.received) == 2
        assert "真实队列" in receiver.received[-1].body["markdown"]["content"]
        # The same message delivered again (a worker lost before its ack): nothing is sent.
        again = client.send_task(
            "accounts.tasks.deliver_notifications", args=[[note.pk]], queue=queue
        )
        assert again.get(timeout=60) == {"sent": 0, "not_sent": 0}, _log(tmp_path)
        assert len(receiver.received) == 2


def _log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
