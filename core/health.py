"""What ``/healthz`` reports: the database, Redis and the background worker, each on its own.

A load balancer sends pages to a web node only while it can serve them: the database answers
and, when Redis is used (the queue, the shared cache and sessions), Redis answers; otherwise
``/healthz`` says 503. A stopped worker does not stop pages being served, so it is reported
("degraded") without taking the node out: monitoring reads the JSON. ``/healthz/live`` only says
the process answers (the container's health check, and the benchmarks' trivial view).

The worker is seen through its heartbeat: a time it writes to the broker's Redis when it starts
and every minute (``core.tasks.worker_heartbeat``, scheduled by beat), so a worker that stopped
taking tasks, or a beat that stopped, shows as an old heartbeat.
"""

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connections

HEARTBEAT_KEY = "mingshi:worker-heartbeat"
TIMEOUT_SECONDS = 1.0


@dataclass
class Check:
    # True: healthy; False: not; None: not used by this deployment.
    ok: bool | None
    detail: str
    ms: float = 0.0


def _timed(check):
    started = time.perf_counter()
    result = check()
    result.ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _redis(url: str):
    import redis  # noqa: PLC0415 (only deployments with Redis need it loaded)

    return redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )


def _redis_urls() -> list[str]:
    urls = [settings.CELERY_BROKER_URL, getattr(settings, "CACHE_URL", "")]
    return list(dict.fromkeys(u for u in urls if u and u.startswith(("redis://", "rediss://"))))


def database(using: str = "default") -> Check:
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The kind of failure only: the page is public, the server's log has the rest.
        return Check(False, type(exc).__name__)
    return Check(True, connections[using].vendor)


def redis_check() -> Check:
    urls = _redis_urls()
    if not urls:
        return Check(None, "not used: tasks run in the web process, the cache is per process")
    import redis  # noqa: PLC0415

    for url in urls:
        try:
            _redis(url).ping()
        except redis.RedisError as exc:
            return Check(False, type(exc).__name__)
    return Check(True, f"{len(urls)} server(s) answered")


def worker() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return Check(None, "not used: tasks run in the web process")
    import redis  # noqa: PLC0415

    try:
        seen = _redis(settings.CELERY_BROKER_URL).get(HEARTBEAT_KEY)
    except redis.RedisError as exc:
        return Check(False, f"the broker did not answer: {type(exc).__name__}")
    if seen is None:
        return Check(False, "no heartbeat: no worker has started")
    age = time.time() - float(seen)
    if age > settings.MINGSHI_WORKER_HEARTBEAT_STALE_SECONDS:
        return Check(False, f"last heartbeat {age:.0f} s ago")
    return Check(True, f"last heartbeat {age:.0f} s ago")


def record_heartbeat() -> None:
    """Called by the worker (at start and by the scheduled task): it is alive and taking tasks."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        _redis(settings.CELERY_BROKER_URL).set(HEARTBEAT_KEY, str(time.time()), ex=24 * 3600)


def report() -> tuple[int, dict]:
    """(HTTP status, the JSON body) of /healthz."""
    checks = {
        "database": _timed(database),
        "redis": _timed(redis_check),
        "worker": _timed(worker),
    }
    serving = checks["database"].ok is True and checks["redis"].ok is not False
    if not serving:
        status = "down"
    elif checks["worker"].ok is False:
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "checks": {name: asdict(c) for name, c in checks.items()}}
    return (200 if serving else 503), body
