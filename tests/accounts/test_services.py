"""The audit helper and the notification entry point."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEntry, Notification, NotificationDelivery
from accounts.services import audit_record, notify, send_daily_digests

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_time_object_states_and_comment(demo):
    actor = demo.user("lz_city")
    school = demo.org("liucheng-sx")
    before = timezone.now()
    entry = audit_record(
        actor=actor,
        obj=school,
        verb="accounts.organisation.renamed",
        from_state="old",
        to_state="new",
        comment="按文件更名",
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == actor
    assert stored.target == school
    assert (stored.from_state, stored.to_state, stored.comment) == ("old", "new", "按文件更名")
    assert stored.organisation == school
    assert stored.created_at >= before


def test_audit_record_with_a_key_records_once(demo):
    school = demo.org("liucheng-sx")
    first = audit_record(actor=None, obj=school, verb="job.ran", idempotency_key="job:1:2025-01-01")
    second = audit_record(
        actor=None, obj=school, verb="job.ran", idempotency_key="job:1:2025-01-01"
    )
    assert first is not None and second is None
    assert AuditEntry.objects.filter(verb="job.ran").count() == 1


def test_role_assignment_is_recorded_in_the_trail(demo):
    assert AuditEntry.objects.filter(
        verb="accounts.role.assigned", organisation=demo.org("liucheng"), to_state="county_reviewer"
    ).exists()


def test_notify_stores_in_inbox_and_mails_immediately_after_commit(
    demo, django_capture_on_commit_callbacks
):
    teacher = demo.user("lz_teacher")
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify([teacher], verb="test.event", title="申报已退回", body="请修改后重新提交")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert note.recipient == teacher and note.read_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [teacher.email]
    assert "申报已退回" in mail.outbox[0].subject
    assert Notification.objects.get(pk=note.pk).emailed_at is not None


def test_notification_is_written_in_the_recipients_language(demo):
    from django.utils.translation import gettext_lazy as _

    teacher = demo.user("lz_teacher")
    teacher.language = "en"
    teacher.save()
    [note] = notify([teacher], verb="t", title=_("Notifications"))
    assert note.title == "Notifications"
    teacher.language = "zh-hans"
    teacher.save()
    [note] = notify([teacher], verb="t", title=_("Notifications"))
    assert note.title == "通知"


def test_dedupe_key_notifies_once(demo, django_capture_on_commit_callbacks):
    teacher = demo.user("lz_teacher")
    with django_capture_on_commit_callbacks(execute=True):
        notify([teacher], verb="reminder", title="提醒", dedupe_key="deadline:7")
        notify([teacher], verb="reminder", title="提醒", dedupe_key="deadline:7")
    assert Notification.objects.filter(recipient=teacher, verb="reminder").count() == 1
    assert len(mail.outbox) == 1


def test_digest_users_get_one_mail_a_day_and_never_twice(demo, django_capture_on_commit_callbacks):
    teacher = demo.user("lz_teacher")
    teacher.notification_delivery = NotificationDelivery.DIGEST
    teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([teacher], verb="a", title="第一条")
        notify([teacher], verb="b", title="第二条")
    assert mail.outbox == []
    today = timezone.localdate()
    assert send_daily_digests(day=today) == 1
    assert len(mail.outbox) == 1
    assert "第一条" in mail.outbox[0].body and "第二条" in mail.outbox[0].body
    assert send_daily_digests(day=today) == 0
    assert len(mail.outbox) == 1


def test_digest_for_a_day_leaves_later_notifications_for_the_next(demo):
    teacher = demo.user("lz_teacher")
    teacher.notification_delivery = NotificationDelivery.DIGEST
    teacher.save()
    [note] = notify([teacher], verb="a", title="今天的")
    yesterday = timezone.localdate() - timedelta(days=1)
    assert send_daily_digests(day=yesterday) == 0
    assert send_daily_digests(day=timezone.localdate()) == 1
    assert Notification.objects.get(pk=note.pk).emailed_at is not None
    assert send_daily_digests(day=date(2099, 1, 1)) == 0


def test_in_app_only_users_get_no_mail(demo, django_capture_on_commit_callbacks):
    teacher = demo.user("lz_teacher")
    teacher.notification_delivery = NotificationDelivery.NONE
    teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([teacher], verb="a", title="只在站内")
    assert send_daily_digests(day=timezone.localdate()) == 0
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=teacher).count() == 1
