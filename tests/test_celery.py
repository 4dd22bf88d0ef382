"""Celery: eager by default with no broker; a real worker round-trips through Redis."""

import os

import pytest
from django.conf import settings

from tests.workers import real_worker

REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")


def test_embedded_default_runs_tasks_in_process():
    from accounts.tasks import ping

    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert ping.delay("eager").get(timeout=1) == "pong:eager"


def test_every_scheduled_job_names_a_registered_task():
    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="no Redis answered (scripts/test.sh sets it)")
def test_task_round_trips_through_redis_and_a_real_worker():
    with real_worker("celery") as (client, queue):
        result = client.send_task("accounts.tasks.ping", args=["redis"], queue=queue)
        assert result.get(timeout=60) == "pong:redis"
