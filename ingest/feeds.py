"""The feed stage: poll a feed, parse it with feedparser, and say which entries are new.

A poll costs as little as the server lets it: a conditional GET (ETag / Last-Modified, where a 304 ends
it), then a hash of the whole body, since servers lie about ETags. A failing feed backs off exponentially
(capped at one poll a day), is flagged unhealthy with its last error and since when, and recovers on its
next success. While healthy its interval adapts: shorter when it keeps having news, longer when it has none.

Nothing here enqueues work: `poll_feed` returns the new entry URLs and the caller (a task, a command)
hands them to the article pipeline, then calls `remember_body` once they are safely queued: a body is
taken as "seen" only then, so a poll that dies half-way reads the same body again next time instead of
dropping the rest of its entries.

A poll hands on at most DAILIES_FEED_MAX_ENTRIES new entries, newest first; a feed with more is polled
again soon (its body not remembered) and the next poll, finding the first ones known, takes the next.
Only the first DAILIES_FEED_MAX_ITEMS_READ items of a document are read at all (parsing is the cost).
A poll never raises: whatever goes wrong is recorded on the feed and its run, where a curator sees it.
"""

import datetime
import hashlib
import logging
import re
from dataclasses import dataclass, field

import feedparser
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from events.dates import plausible_publication
from events.text import xml_safe

from .canonical import canonical_url
from .fetch import FetchError, fetch, refuse_unfetchable
from .models import MAX_POLL_INTERVAL, MIN_POLL_INTERVAL, Article, ArticleFeed, Feed, IngestRun

logger = logging.getLogger(__name__)

# A healthy feed's interval drifts within these bounds as it has news or not.
MAX_HEALTHY_INTERVAL = datetime.timedelta(hours=6)
SPEED_UP, SLOW_DOWN = 0.5, 1.5


@dataclass
class FeedEntry:
    url: str
    title: str = ""
    published: str | None = None  # ISO 8601, a hint for articles whose page carries no date
    html: str = ""  # the entry's own content or summary (sanitised by feedparser), for offline ingest


@dataclass
class ParsedFeed:
    title: str = ""
    entries: list = field(default_factory=list)
    error: str = ""  # set when the feed could not be read at all
    warning: str = ""  # feedparser's "bozo" complaint about a feed it could still read


@dataclass
class PollResult:
    status: str  # not_modified / unchanged / parsed / failed
    new_entries: list = field(default_factory=list)
    duplicates: int = 0
    error: str = ""
    run_id: int | None = None
    body_hash: str = ""  # to remember once the new entries are queued ("" when some were held back)
    held_back: int = 0  # new entries left for the next poll by the per-poll cap


def _entry_published(entry):
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        published = datetime.datetime(*parsed[:6], tzinfo=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    # A pubDate of 9999-12-31 (or next year) is no hint: it would date the event there.
    published = plausible_publication(published)
    return published.isoformat() if published else None


def _entry_url(entry):
    for candidate in (entry.get("link"), entry.get("id")):
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            return candidate.strip()
    return None


def _entry_html(entry):
    for content in entry.get("content") or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary", "") or ""


# Where each kind of feed document closes, to end one cut after its first items.
_ITEM_START = re.compile(rb"<(?:item|entry)[\s>/]")
_ROOT_CLOSING = ((re.compile(rb"<rss[\s>]"), b"</channel></rss>"), (re.compile(rb"<feed[\s>]"), b"</feed>"),
                 (re.compile(rb"<rdf:RDF[\s>]"), b"</rdf:RDF>"))


def first_items(content, limit):
    """The feed document cut after its first `limit` items (closed again, so it stays well-formed XML),
    or as it is when it has no more. feedparser takes seconds per thousand items: a 100,000-item feed
    took minutes to parse, past any task's time limit. Feeds list their newest items first."""
    if not isinstance(content, bytes) or not limit:
        return content
    starts = _ITEM_START.finditer(content)
    for n, match in enumerate(starts):
        if n == limit:
            head = content[: match.start()]
            closing = next((end for root, end in _ROOT_CLOSING if root.search(head[:4096])), b"")
            return head + closing
    return content


def parse_feed(content, *, content_type=None, base_url=None, max_items=None):
    """Parse RSS 0.9x/1.0/2.0, Atom (or JSON Feed, where feedparser knows it). Never raises.

    max_items: read only the document's first items (DAILIES_FEED_MAX_ITEMS_READ when polling).
    """
    content = first_items(content, max_items)
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        headers["content-location"] = base_url
    try:
        parsed = feedparser.parse(
            content, response_headers=headers, sanitize_html=True, resolve_relative_uris=True
        )
    except Exception as exc:  # feedparser is robust, but a crash here must not take the worker down
        logger.warning("feedparser crashed on %s", base_url, exc_info=True)
        return ParsedFeed(error=f"The feed could not be read ({type(exc).__name__}: {exc}).")
    warning = ""
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = f"{type(problem).__name__}: {problem}" if problem else "ill-formed feed"
    entries, seen = [], set()
    for entry in parsed.get("entries", []):
        url = _entry_url(entry)
        if url and url not in seen:
            seen.add(url)
            entries.append(
                FeedEntry(
                    url=url,
                    title=xml_safe(str(entry.get("title", "")))[:500],
                    published=_entry_published(entry),
                    html=_entry_html(entry),
                )
            )
    title = xml_safe(str(parsed.get("feed", {}).get("title", "")))[:200]
    has_feed = bool(parsed.get("version")) or bool(parsed.get("entries")) or bool(parsed.get("feed"))
    if not has_feed:
        return ParsedFeed(error=f"This is not a feed we can read ({warning or 'no RSS or Atom found'}).")
    return ParsedFeed(title=title, entries=entries, warning=warning)


def backoff_delay(feed):
    """After n failures in a row: the poll interval times 2**n, never more than a day."""
    exponent = min(feed.consecutive_failures, 20)
    return min(feed.poll_interval * (2**exponent), MAX_POLL_INTERVAL)


def record_failure(feed, message, *, now=None):
    now = now or timezone.now()
    feed.consecutive_failures += 1
    feed.failing_since = feed.failing_since or now
    feed.last_error = message
    feed.last_polled_at = now
    feed.next_poll_at = now + backoff_delay(feed)
    feed.save()


def record_success(feed, *, had_news, now=None):
    now = now or timezone.now()
    if had_news is True:
        feed.poll_interval = max(MIN_POLL_INTERVAL, feed.poll_interval * SPEED_UP)
        feed.last_new_entries_at = now
    elif had_news is False:
        feed.poll_interval = min(MAX_HEALTHY_INTERVAL, feed.poll_interval * SLOW_DOWN)
    feed.consecutive_failures = 0
    feed.failing_since = None
    feed.last_error = ""
    feed.last_success_at = feed.last_polled_at = now
    feed.next_poll_at = now + feed.poll_interval
    feed.save()


def split_new_entries(feed, entries):
    """Entries whose article we already hold are linked to this feed now; the rest are returned."""
    by_canonical = {}
    for entry in entries:
        try:
            by_canonical.setdefault(canonical_url(entry.url), entry)
        except Exception:  # an entry link too broken to canonicalise is skipped, not fatal
            logger.info("skipping feed entry with a bad link %r", entry.url)
    known = dict(
        Article.objects.filter(canonical_url__in=list(by_canonical)).values_list("canonical_url", "id")
    )
    ArticleFeed.objects.bulk_create(
        [ArticleFeed(article_id=article_id, feed=feed) for article_id in known.values()],
        ignore_conflicts=True,
    )
    new = [entry for canonical, entry in by_canonical.items() if canonical not in known]
    return new, len(known)


def newest_first(entries):
    """Entries by publication date, newest first; undated ones after the dated, in feed order."""
    dated = sorted((e for e in entries if e.published), key=lambda e: e.published, reverse=True)
    return dated + [e for e in entries if not e.published]


def apply_feed_body(feed, content, *, content_type=None, now=None):
    """Parse a feed body and record the outcome on the feed. Returns (PollResult, ParsedFeed).

    The body's hash is returned, not stored: the caller stores it with `remember_body` once the new
    entries are queued.
    """
    parsed = parse_feed(
        content, content_type=content_type, base_url=feed.url, max_items=settings.DAILIES_FEED_MAX_ITEMS_READ
    )
    if parsed.error:
        record_failure(feed, parsed.error, now=now)
        return PollResult("failed", error=parsed.error), parsed
    new, duplicates = split_new_entries(feed, parsed.entries)
    new = newest_first(new)
    cap = settings.DAILIES_FEED_MAX_ENTRIES
    held_back = max(len(new) - cap, 0)
    new = new[:cap]
    if parsed.title and not feed.name:
        feed.name = parsed.title
    body_hash = hashlib.sha256(content).hexdigest() if isinstance(content, bytes) and not held_back else ""
    record_success(feed, had_news=bool(new), now=now)
    if held_back:
        # The rest are read on the next poll, soon: by then the ones handed on now are known.
        feed.next_poll_at = (now or timezone.now()) + MIN_POLL_INTERVAL
        feed.save(update_fields=["next_poll_at"])
    result = PollResult("parsed", new_entries=new, duplicates=duplicates, body_hash=body_hash, held_back=held_back)
    return result, parsed


def remember_body(feed_id, body_hash):
    """Mark a feed body as read, once its new entries are queued (an unchanged body is then skipped)."""
    if body_hash:
        Feed.objects.filter(pk=feed_id).update(body_hash=body_hash)


def poll_feed(feed, *, now=None, allow_private=None):
    """Poll one feed now. Returns a PollResult whose `new_entries` the caller sends to the pipeline."""
    run = IngestRun.objects.create(kind=IngestRun.Kind.FEED, feed=feed, target=feed.url)
    try:
        result = _poll(feed, now=now, allow_private=allow_private)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task retries
    except Exception as exc:
        # A bug or a feed we never imagined: recorded like any failure, never a feed left "running".
        logger.exception("polling feed %s failed unexpectedly", feed.pk)
        message = f"The poll failed unexpectedly ({type(exc).__name__}: {str(exc)[:300]})."
        record_failure(feed, message, now=now)
        result = PollResult("failed", error=message)
    result.run_id = run.pk
    IngestRun.objects.filter(pk=run.pk).update(
        duplicate_count=result.duplicates, failed_count=1 if result.status == "failed" else 0
    )
    run.refresh_from_db()
    run.finish(error=result.error)
    return result


def _poll(feed, *, now, allow_private):
    try:
        fetched = fetch(
            feed.url,
            etag=feed.etag or None,
            last_modified=feed.last_modified or None,
            accept="feed",
            allow_private=allow_private,
        )
    except FetchError as exc:
        record_failure(feed, exc.message, now=now)
        return PollResult("failed", error=exc.message)
    if fetched.not_modified:
        record_success(feed, had_news=False, now=now)
        return PollResult("not_modified")
    feed.etag = (fetched.etag or "")[:500]
    feed.last_modified = (fetched.last_modified or "")[:100]
    body_hash = hashlib.sha256(fetched.content).hexdigest()
    if body_hash == feed.body_hash:
        record_success(feed, had_news=False, now=now)
        return PollResult("unchanged")
    with transaction.atomic():
        result, _ = apply_feed_body(feed, fetched.content, content_type=fetched.content_type, now=now)
    return result


def add_feed(url, *, name=""):
    """Follow a feed. RefusedURL (a FetchError) for a URL the fetcher will always refuse (not http(s),
    credentials, a malformed or numeric-disguised host, a literal non-public address)."""
    refuse_unfetchable(url)
    feed, created = Feed.objects.get_or_create(url=url, defaults={"name": name})
    if not created and name and feed.name != name:
        feed.name = name
        feed.save(update_fields=["name", "updated_at"])
    return feed, created
