"""One number that changes whenever the data changes: the key of caches that must never be stale.

A cached page fragment (the home page's panels, the inbox badge) is stored under the
generation current when its rendering *began*, and read back only while that generation is
current. Every committed INSERT, UPDATE or DELETE moves the generation on — it is watched on
the database connection itself, so ``QuerySet.update()``, ``bulk_create`` and raw SQL count as
much as ``save()`` — and a fragment rendered from older data is never read again: exact after
every workflow, at the price of re-rendering after any write.

The generation lives in the cache itself, so it is shared by every web process only when the
cache is (Redis in production, ``CACHE_URL``); caching that depends on it is switched on by
``MINGSHI_HOME_CACHE_SECONDS`` (off by default with a per-process cache and several workers).
If the cache loses the key (eviction, restart), it starts again from the clock's nanoseconds,
above any value used before, so an old fragment cannot come back to life.
"""

import re
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.backends.signals import connection_created
from django.utils.translation import get_language

from . import clock

KEY = "mingshi:data-generation"
# Writes of tables no cached fragment shows: sessions and login throttling (written on every
# login and many requests) and the beat schedule.
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
IGNORED_TABLES = re.compile(r"django_session$|axes_|django_celery_beat_")


# The generation read once per request (a thread serves one request at a time): the home page
# and the inbox badge then cost one cache read each, not two. Reusing it is safe because it only
# ever files a fragment under a generation *older* than its data, where nobody reads it after
# the next write; a write in this request forgets it (``_bump``).
_request = threading.local()


def generation() -> int:
    memo = getattr(_request, "memo", None)
    if memo is not None and KEY in memo:
        return memo[KEY]
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, time.time_ns(), timeout=None)
        value = cache.get(KEY)
    if memo is not None:
        memo[KEY] = value
    return value


def _request_started(**kwargs) -> None:
    _request.memo = {}


def _request_finished(**kwargs) -> None:
    _request.memo = None


def _bump() -> None:
    memo = getattr(_request, "memo", None)
    if memo:
        memo.clear()
    try:
        cache.incr(KEY)
    except ValueError:  # the key was lost: start above every earlier value
        cache.set(KEY, time.time_ns(), timeout=None)


def data_changed(using: str = "default") -> None:
    """Move the generation on now, and again once the current transaction commits.

    Now, so that the writer itself (and a test inside its transaction) never reads a fragment
    older than its write; at the commit, because another process may have rendered the old
    rows under the new generation in between."""
    if not settings.MINGSHI_HOME_CACHE_SECONDS:
        return  # nothing is cached under the generation
    _bump()
    connection = transaction.get_connection(using)
    # Once per transaction: a callback of a savepoint rolled back is dropped by Django, and the
    # next write registers it again.
    if connection.in_atomic_block and not any(
        func is _bump for _sids, func, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_bump, using=using)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = WRITE.match(sql) if isinstance(sql, str) else None
    if match and not IGNORED_TABLES.match(match.group(1)):
        data_changed(context["connection"].alias)
    return result


def _install(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def connect() -> None:
    connection_created.connect(_install, dispatch_uid="core.freshness")
    request_started.connect(_request_started, dispatch_uid="core.freshness")
    request_finished.connect(_request_finished, dispatch_uid="core.freshness")


def _through_cache(key: Callable[[], str], produce: Callable):
    """What ``produce()`` made under ``key()``, made now if absent (``None`` is not kept).

    The key is taken before producing: data committed meanwhile moves the generation on, and
    what was made from the older data is stored where nobody will read it."""
    seconds = settings.MINGSHI_HOME_CACHE_SECONDS
    if not seconds:
        return produce()
    key = key()
    value = cache.get(key)
    if value is None:
        value = produce()
        if value is not None:
            cache.set(key, value, seconds)
    return value


def remembered(kind: str, ident, load: Callable):
    """``load()``'s object, kept until anything in the database changes (``None`` is not kept)."""
    return _through_cache(lambda: f"object:{kind}:{generation()}:{ident}", load)


def cached(kind: str, user, render: Callable[[], str], *, variant: str = "") -> str:
    """``render()`` once per user, language, day and generation; read again only until
    anything in the database changes, so what it returns is never stale."""
    return _through_cache(
        lambda: (
            f"fragment:{kind}:{generation()}:{user.pk}:{get_language()}:{clock.today()}:{variant}"
        ),
        render,
    )
