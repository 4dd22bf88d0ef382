"""Celery: eager by default with no broker; a real worker round-trips through Redis."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
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
def test_task_round_trips_through_redis_and_a_real_worker(tmp_path):
    queue = f"mingshi-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency=1",
            "--pool=solo",
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
        result = client.send_task("accounts.tasks.ping", args=["redis"], queue=queue)
        assert result.get(timeout=60) == "pong:redis"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
