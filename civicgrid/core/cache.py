"""Django's Redis cache, keeping one redis-py client per connection pool.

Django makes a new `redis.Redis` for every cache call, and redis-py fills a table of some two
hundred response callbacks each time it makes one: a fifth of a millisecond per call, several
calls per request. The client holds no connection of its own (the pool does, thread-safely), so
one per pool serves every call.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
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
        self._class = _Client
