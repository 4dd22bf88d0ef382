"""core.cache.RedisCache: Django's Redis cache, on a real Redis, with one client per pool."""

import os

import pytest

from core.cache import RedisCache

REDIS_URL = os.environ.get("MINGSHI_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="no Redis (scripts/test.sh starts one)")


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-cache-{os.getpid()}"})
    yield cache
    cache.delete_many(["a", "n", "gone"])


def test_it_behaves_as_djangos_cache(redis_cache):
    redis_cache.set("a", {"面板": [1, 2]}, 30)
    assert redis_cache.get("a") == {"面板": [1, 2]}
    assert redis_cache.add("a", "other") is False
    redis_cache.set("n", 1)
    assert redis_cache.incr("n") == 2
    assert redis_cache.get_many(["a", "n", "gone"]) == {"a": {"面板": [1, 2]}, "n": 2}
    with pytest.raises(ValueError):
        redis_cache.incr("gone")


def test_calls_share_one_client(redis_cache):
    first = redis_cache._cache.get_client()
    redis_cache.set("a", 1)
    redis_cache.get("a")
    assert redis_cache._cache.get_client(write=True) is first
