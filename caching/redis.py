"""Django's Redis cache, with one redis-py client per connection pool (caching.borrowed), without
memcached's key checks, and answering as a cache that has nothing when Redis can't be reached.

When Redis is down (stopped, restarting, unreachable) every read is a miss and every write is
dropped, for this process, for `REDIS_RETRY_SECONDS` after each failure (so a dead server costs
one refused connection a second, not one per call). The site keeps answering: pages are rendered
from the database, sessions are read from the database (cached_db), tokens made in the meantime
are new random ones, so nothing stored before matches. Rate limits fail open (accounts.ratelimit).

Writes dropped during an outage (a replaced token, a deleted session) could leave stale entries in
a Redis that kept its data (a network cut rather than a restart): the first process to reach Redis
again after dropping a write empties MLQA's cache database (FLUSHDB), so nothing from before the
outage is served. The cache's Redis database must therefore be MLQA's alone.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from .borrowed import ReusingClient

logger = logging.getLogger(__name__)


def _redis_errors():
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {})}}
        params["OPTIONS"].setdefault("serializer", "caching.borrowed.Serializer")
        # A stopped server refuses at once; a vanished one must not hold a request for long.
        params["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
        params["OPTIONS"].setdefault("socket_timeout", 1.0)
        super().__init__(server, params)
        self._class = ReusingClient
        self._errors = _redis_errors()
        self._down_until = 0.0
        self._lost_writes = False

    def validate_key(self, key):
        # Django checks every key against memcached's rules (length, control characters) to warn
        # about code that would break there; Redis has no such rules, and the check scanned each
        # of the dozen keys a member's page reads.
        pass

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, method, default, *args, writes=False, **kwargs):
        if time.monotonic() < self._down_until:
            self._lost_writes |= writes
            return default
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except self._errors as error:
            if not self.is_down:
                logger.warning(
                    "Redis unreachable (%s): serving without the cache", error
                )
            self._down_until = time.monotonic() + settings.REDIS_RETRY_SECONDS
            self._lost_writes |= writes
            return default
        if self._lost_writes:
            self._lost_writes = False
            self._recover()
        return result

    def _recover(self):
        try:
            super().clear()
            logger.warning(
                "Redis is back: its entries from before the outage were dropped"
            )
        except self._errors:
            self._lost_writes = True

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version, writes=True)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version, writes=True)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version, writes=True)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version, writes=True)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version, writes=True)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version, writes=True)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", None, key, delta, version, writes=True)
        if result is None:  # as for a missing key: the caller starts a new count
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def clear(self):
        return self._call("clear", None, writes=True)
