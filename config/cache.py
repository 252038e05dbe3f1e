"""A Redis cache that is only ever a cache: when Redis is unreachable, every read is a miss and every
write is dropped, with a log line, so pages keep serving from PostgreSQL instead of failing with a 500.

Django's RedisCache raises redis.ConnectionError / TimeoutError from every call while Redis is down. A
page makes several cache calls, and each would wait for its socket timeout against a host that does not
answer, so after one failure the cache stays switched off for `OUTAGE_RETRY_AFTER` seconds (a circuit
breaker) and the next call after that tries Redis again.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OUTAGE_RETRY_AFTER = 5.0  # seconds without trying Redis after it failed


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.outage_retry_after = float(options.pop("outage_retry_after", OUTAGE_RETRY_AFTER))
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0

    def _attempt(self, method, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
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
        return self._attempt(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._attempt(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
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
        return self._attempt(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._attempt(super().delete_many, None, keys, version)

    def clear(self):
        return self._attempt(super().clear, False)
