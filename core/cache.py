"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django builds a ``redis.Redis`` for every cache operation; its constructor copies redis-py's
table of about 170 response callbacks each time. A cached home page makes four cache calls, and
building the clients was a fifth of their time (bench/run.py: home vs /healthz). The client
only wraps the pool, which is what holds connections and is safe to share between calls;
Django keeps one cache object per thread, so a client is never shared between threads.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _PooledClient
