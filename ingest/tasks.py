"""Celery tasks: thin wrappers that load rows by id and call one function of the pipeline.

Every task is idempotent (the database refuses a second copy of an article), acknowledged late and
rejected back to the queue when its worker dies, so a killed worker's task runs again elsewhere.
Retries are for transient trouble only (timeouts, 5xx, connection errors, a database that went away);
permanent failures (404, refused address, unreadable page) are stored on the row and not retried.

The longest retry delay (retry_backoff_max) stays far below the Redis visibility timeout
(CELERY_BROKER_TRANSPORT_OPTIONS, an hour): Redis would otherwise redeliver the waiting task again and again.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from . import feeds, pipeline
from .fetch import TransientFetchError
from .models import Article, Feed

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (TransientFetchError, OperationalError, InterfaceError)
RELIABLE = {"acks_late": True, "reject_on_worker_lost": True}
RETRY_POLICY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,  # 5 s, 10 s, 20 s... with full jitter
    "retry_backoff_max": 600,  # ten minutes: well below the one-hour visibility timeout
    "retry_jitter": True,
    "max_retries": 6,
}
# A claimed feed is not claimed again for this long, even if its poll task is lost.
CLAIM_LEASE = timezone.timedelta(minutes=10)
MAX_FEEDS_PER_TICK = 200


@shared_task(**RELIABLE, **RETRY_POLICY)
def ingest_article(url=None, feed_id=None, run_id=None, published=None, article_id=None):
    """Ingest one article by URL (or re-try a stored failed article by id)."""
    if article_id is not None:
        url = Article.objects.filter(pk=article_id).values_list("url", flat=True).first()
        if url is None:
            return "missing"
    return pipeline.ingest_url(url, feed_id=feed_id, run_id=run_id, published_hint=published).result


@shared_task(
    **RELIABLE,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def poll_feed(feed_id):
    """Poll one feed and enqueue an article task per new entry.

    A failed fetch is not retried here: the feed backs off and the next beat tick polls it again.
    """
    feed = Feed.objects.filter(pk=feed_id, active=True).first()
    if feed is None:
        return "inactive"
    with transaction.atomic():
        result = feeds.poll_feed(feed)
        enqueue_entries(result.new_entries, feed_id=feed.pk, run_id=result.run_id)
    return result.status


def enqueue_entries(entries, *, feed_id, run_id=None):
    """One article task per entry, sent once the surrounding transaction commits."""
    for entry in entries:
        ingest_article.delay_on_commit(
            url=entry.url, feed_id=feed_id, run_id=run_id, published=entry.published
        )


@shared_task(**RELIABLE)
def poll_due_feeds():
    """Every minute (beat): claim the feeds that are due and enqueue a poll for each.

    Claiming pushes next_poll_at a lease ahead under SKIP LOCKED, so two beats or a slow tick never
    enqueue the same feed twice; the poll itself then sets the real next time.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Feed.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("next_poll_at")
            .values_list("pk", flat=True)[:MAX_FEEDS_PER_TICK]
        )
        Feed.objects.filter(pk__in=due).update(next_poll_at=now + CLAIM_LEASE)
        for feed_id in due:
            poll_feed.delay_on_commit(feed_id)
    return len(due)
