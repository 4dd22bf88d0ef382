"""/healthz: the database, Redis and the worker reported each on its own (core/health.py).

The worker is a real Celery worker on the test Redis; Redis that does not answer is a closed
port on loopback. The database that does not answer is in tests/test_deploy.py (a gunicorn
started against a closed port).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from core import health

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")
pytestmark = pytest.mark.django_db


def _health(client) -> tuple[int, dict]:
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_the_embedded_default_reports_the_database_and_no_redis_or_worker(client):
    status, body = _health(client)
    assert status == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is None
    assert body["checks"]["worker"]["ok"] is None
    assert client.get(reverse("healthz_live")).content == b"ok"


def test_redis_that_does_not_answer_takes_the_node_out(client, settings, unused_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{unused_port}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    status, body = _health(client)
    assert status == 503 and body["status"] == "down"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {**body["checks"]["redis"], "ok": False}
    assert body["checks"]["worker"]["ok"] is False


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_worker(queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        + ["--concurrency=1", "--pool=solo", "-l", "WARNING", "-n", f"{queue}@%h"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="no Redis answered (scripts/test.sh sets it)")
def test_the_worker_is_seen_by_its_heartbeat(client, settings):
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete(health.HEARTBEAT_KEY)

    status, body = _health(client)
    # No worker yet: pages are still served, and monitoring is told.
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"] == {**body["checks"]["worker"], "ok": False}
    assert "no heartbeat" in body["checks"]["worker"]["detail"]

    worker = _start_worker(f"mingshi-health-{uuid.uuid4().hex[:8]}")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body = _health(client)
            if body["checks"]["worker"]["ok"]:
                break
            time.sleep(0.3)
        assert status == 200 and body["status"] == "ok", body
    finally:
        worker.terminate()
        worker.wait(timeout=20)

    # A worker (or beat) that stopped writing: after the stale limit it is reported stopped.
    broker.set(health.HEARTBEAT_KEY, str(time.time() - 10 * 60))
    status, body = _health(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["worker"]["detail"] == "last heartbeat 600 s ago"


def test_the_scheduled_heartbeat_is_the_one_read(settings):
    # The task beat runs every minute writes what /healthz reads, on the broker.
    from config.schedule import BEAT_SCHEDULE
    from core.tasks import worker_heartbeat

    assert BEAT_SCHEDULE["core.tasks.worker_heartbeat"]["task"] == worker_heartbeat.name
    if not REDIS_URL:
        pytest.skip("no Redis")
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    redis.Redis.from_url(REDIS_URL).delete(health.HEARTBEAT_KEY)
    worker_heartbeat.run()
    assert health.worker().ok is True
