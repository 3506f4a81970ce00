"""Django's Redis cache, with one redis-py client per connection pool instead of one per call,
without memcached's key checks, and reading values without an exception per pickle.

Django builds a new `redis.Redis` for every cache operation, and each copies redis-py's table of
several hundred response callbacks: about a quarter of a millisecond, several times per request.
A client is safe to share: it holds no connection, only the pool, which is thread-safe.
"""

import pickle

from django.core.cache.backends.redis import (
    RedisCache,
    RedisCacheClient,
    RedisSerializer,
)


class _Serializer(RedisSerializer):
    def loads(self, data):
        # Django's tries int() first and catches the ValueError of every pickle; a pickle starts
        # with the protocol opcode, and everything else stored is an integer (see dumps).
        return pickle.loads(data) if data[:1] == pickle.PROTO else int(data)


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._serializer = _Serializer()
        self._clients = {}  # connection pool index -> client

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            pool = self._get_connection_pool(write)
            self._clients[index] = self._client(connection_pool=pool)
        return self._clients[index]


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    def validate_key(self, key):
        # Django checks every key against memcached's rules (length, control characters) to warn
        # about code that would break there; Redis has no such rules, and the check scanned each
        # of the dozen keys a member's page reads.
        pass
