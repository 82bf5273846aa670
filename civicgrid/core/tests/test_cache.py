"""The Redis cache backend used in production: one redis-py client per pool, and it behaves as a cache."""

import socket

import pytest

from civicgrid.core.cache import RedisCache

REDIS = ("127.0.0.1", 6379)


def redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")


def test_one_client_serves_every_call_and_values_round_trip():
    cache = RedisCache("redis://127.0.0.1:6379/13", {"KEY_PREFIX": "civicgrid-test-cache"})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("a", ("versions", "<p>面板</p>"), 30)
    cache.set("b", 2, 30)
    assert cache.get_many(["a", "b", "missing"]) == {"a": ("versions", "<p>面板</p>"), "b": 2}
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None and cache.get("b") is None
