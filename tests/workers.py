"""A real Celery worker for the tests that must go through Redis.

Several tests prove something only a separate process can show: a task that travels through
the broker, two copies of a job running at once, a retry after the peer answered 500. They
all start the worker the same way, so it lives here: its own queue (so parallel runs and a
stray worker never take each other's messages), the test database when asked for, and a
clean stop that leaves no queue behind in Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")


def database_url() -> str:
    """The URL of the database this test runs on, for a process started beside it."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def real_worker(
    name: str,
    *,
    concurrency: int = 1,
    database: bool = False,
    env: dict[str, str] | None = None,
    log: Path | None = None,
):
    """Start a worker on a queue of its own; yield (client, queue); stop it and drop the queue.

    `database` points the worker at this test's PostgreSQL database (the test must be
    transactional so the worker sees its rows). With one process the solo pool is used, as
    in production's small deployments; more processes use the default prefork pool.
    """
    from celery import Celery

    queue = f"mingshi-{name}-{uuid.uuid4().hex[:8]}"
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        **(env or {}),
    }
    if database:
        worker_env["DATABASE_URL"] = database_url()
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
    command += [f"--concurrency={concurrency}"]
    if concurrency == 1:
        command += ["--pool=solo"]
    command += ["-l", "INFO" if log else "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-n", f"{queue}@%h"]
    output = log.open("wb") if log else subprocess.DEVNULL
    worker = subprocess.Popen(
        command, cwd=ROOT, env=worker_env, stdout=output, stderr=subprocess.STDOUT
    )
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    try:
        yield client, queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        if log:
            output.close()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
