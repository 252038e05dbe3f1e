"""A Redis cache that is only ever a cache: when Redis is unreachable, every read is a miss and every
write is dropped, with a log line, so pages keep serving from PostgreSQL instead of failing with a 500.

Django's RedisCache raises redis.ConnectionError / TimeoutError from every call while Redis is down. A
page makes several cache calls, and each would wait for its socket timeout against a host that does not
answer, so after one failure the cache stays switched off for `OUTAGE_RETRY_AFTER` seconds (a circuit
breaker) and the next call after that tries Redis again.

The cache is bounded twice, so that no visitor can grow it without limit: a value larger than
`max_entry_bytes` is not stored (a page that big is cheaper to rebuild than to hold), and when the server
itself has no memory bound (`maxmemory 0`, Redis' default) the first call sets `maxmemory` to the
`maxmemory` option with the `volatile-lru` policy: only keys with an expiry (every cached page, card and
chart) are evicted, never the version counters (no expiry) nor a Celery broker's queues on the same
server. A server that has a bound (docker-compose sets one) is left as it is.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError, ResponseError

logger = logging.getLogger(__name__)

OUTAGE_RETRY_AFTER = 5.0  # seconds without trying Redis after it failed
MAX_ENTRY_BYTES = 512 * 1024


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.outage_retry_after = float(options.pop("outage_retry_after", OUTAGE_RETRY_AFTER))
        self.max_entry_bytes = int(options.pop("max_entry_bytes", MAX_ENTRY_BYTES))
        self.maxmemory = str(options.pop("maxmemory", "") or "")
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0
        self._bound_checked = False

    def _bound_server(self):
        """Give an unbounded server a memory bound and an eviction policy, once per process."""
        self._bound_checked = True
        if not self.maxmemory or self.maxmemory == "0":
            return
        client = self._cache.get_client(write=True)
        try:
            if int(client.config_get("maxmemory").get("maxmemory", 0)) == 0:
                client.config_set("maxmemory", self.maxmemory)
                client.config_set("maxmemory-policy", "volatile-lru")
                logger.info("Redis had no memory bound: set maxmemory %s, volatile-lru", self.maxmemory)
        except ResponseError as exc:  # CONFIG is often disabled on managed Redis: its operator bounds it
            logger.info("Could not read or set Redis maxmemory (%s)", exc)

    def _too_big(self, value):
        return isinstance(value, (str, bytes)) and len(value) > self.max_entry_bytes

    def _attempt(self, method, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            if not self._bound_checked:
                self._bound_server()
            return method(*args, **kwargs)
        except RedisError as exc:
            self._down_until = time.monotonic() + self.outage_retry_after
            logger.warning(
                "Cache unreachable (%s: %s); serving without it for %.0f s",
                type(exc).__name__,
                exc,
                self.outage_retry_after,
            )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._too_big(value):
            return False
        return self._attempt(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._attempt(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self._too_big(value):
            return None
        return self._attempt(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._attempt(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._attempt(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._attempt(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        # None, not ValueError: callers that set the key on ValueError would only fail again.
        return self._attempt(super().incr, None, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        data = {key: value for key, value in data.items() if not self._too_big(value)}
        return self._attempt(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._attempt(super().delete_many, None, keys, version)

    def clear(self):
        return self._attempt(super().clear, False)
