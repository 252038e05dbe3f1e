"""Version numbers kept in the cache that date everything cached over many events.

A cached item's key holds the versions it depends on; moving a version makes every such key new, and the
old entries expire unread. Three versions, moved by events/signals.py:
- pages: a published event, its links or its sources changed (sources show on cards and are searched);
- counts: a published event or its links changed, not its sources, so the sources that ingest keeps
  attaching do not throw away charts and counts that cost hundreds of milliseconds at a million events;
- cards: a name shown on cards changed (organisation, person, lawsuit, agreement).
Drafts move none of them.
"""

from typing import NamedTuple

from django.core.cache import cache

PAGES_KEY = "events:published:version"
COUNTS_KEY = "events:counts:version"
CARDS_KEY = "events:cards:version"


class Versions(NamedTuple):
    pages: int
    cards: int
    counts: int


def _current(key):
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, None)
        version = cache.get(key, 1)
    return version


def _bump(key):
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (evicted, or Redis was down): start a new sequence
        cache.set(key, 2, None)


def events_version():
    return _current(PAGES_KEY)


def counts_version():
    return _current(COUNTS_KEY)


def cards_version():
    return _current(CARDS_KEY)


def current_versions():
    """All three in one cache round trip (each missing one costs one more)."""
    found = cache.get_many([PAGES_KEY, CARDS_KEY, COUNTS_KEY])
    return Versions(
        pages=found.get(PAGES_KEY) or events_version(),
        cards=found.get(CARDS_KEY) or cards_version(),
        counts=found.get(COUNTS_KEY) or counts_version(),
    )


def forget_event_pages():
    """A source of a published event changed: pages and searches go stale, counts do not."""
    _bump(PAGES_KEY)


def forget_event_aggregates():
    """A published event or its links changed: pages, searches and counts all go stale."""
    _bump(PAGES_KEY)
    _bump(COUNTS_KEY)


def forget_cards():
    """Every cached card goes stale at once (a name shown on cards changed)."""
    _bump(CARDS_KEY)
