"""The audit trail is kept: no scheduled job deletes an entry, however old (at least six months
are required; Mingshi keeps every entry for good, docs/DEPLOY.md)."""

from datetime import timedelta
from importlib import import_module

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record, security_event_record
from tests.applications.factories import open_call, submitted

pytestmark = pytest.mark.django_db


def test_no_scheduled_job_deletes_audit_entries(demo):
    teacher = demo.user("lz_teacher")
    submitted(open_call(), teacher)  # a transition, with its own entries
    security_event_record(user=teacher, verb="accounts.login.succeeded")
    security_event_record(username="nobody-by-that-name", verb="accounts.login.failed")
    now = timezone.now()
    for age in (timedelta(days=213), timedelta(days=2 * 365)):  # seven months, two years
        entry = audit_record(actor=teacher, obj=teacher, verb="accounts.user.updated")
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=now - age)
    kept = set(AuditEntry.objects.values_list("pk", "created_at", "verb"))
    assert len(kept) >= 6
    assert AuditEntry.objects.filter(created_at__lt=now - timedelta(days=2 * 365 - 1)).exists()

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule  # every periodic task there is, as beat would send it
    today = timezone.localdate()
    # Today and days far on, when an entry of today would itself be years old.
    for day in (today, today + timedelta(days=200), today + timedelta(days=3 * 365)):
        for entry in schedule.values():
            import_module(entry["task"].rsplit(".", 1)[0])  # as the worker does at its start
            task = current_app.tasks[entry["task"]]
            args = entry.get("args", ())
            if entry["task"] == "accounts.tasks.run_daily_job":
                args = (*args, day.isoformat())
            task.apply(args=args, throw=True)

    after = set(AuditEntry.objects.values_list("pk", "created_at", "verb"))
    assert kept <= after
