"""At most DAILIES_FETCH_PER_HOST article fetches at a time to one host, across every worker.

A counter per host in the cache (Redis in production, shared by all workers): a task takes a slot, or
is told the host is busy and goes back to the queue. The counter expires, so a worker killed while it
held a slot frees it after SLOT_TTL at the latest. When the cache is unreachable every fetch is let
through: a cache outage must not stop ingest.
"""

from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

# Longer than a task may run (CELERY_TASK_TIME_LIMIT), so a live slot never expires under its task.
SLOT_TTL = 300


def _key(url):
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    return f"ingest:fetching:{host[:200]}" if host else None


@contextmanager
def fetch_slot(url, *, limit=None):
    """Yields True when a slot for `url`'s host is free (and holds it until the block ends), else False."""
    limit = settings.DAILIES_FETCH_PER_HOST if limit is None else limit
    key = _key(url)
    if key is None or limit <= 0:
        yield True
        return
    cache.add(key, 0, timeout=SLOT_TTL)
    try:
        taken = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        taken = None
    if taken is None:  # cache down or key gone: do not hold up ingest
        yield True
        return
    try:
        yield taken <= limit
    finally:
        try:
            cache.decr(key)
        except ValueError:
            pass
