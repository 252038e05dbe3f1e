"""Celery tasks: thin wrappers that load rows by id and call one function of the pipeline.

Every task is idempotent (the database refuses a second copy of an article), acknowledged late and
rejected back to the queue when its worker dies, so a killed worker's task runs again elsewhere.
Retries are for transient trouble only (timeouts, 5xx, connection errors, a database that went away);
permanent failures (404, refused address, unreadable page) are stored on the row and not retried.

When the broker cannot be reached, nothing is lost: an article whose task cannot be sent is kept as a
PENDING row (`enqueue_article`), and `requeue_pending_articles`, run on every beat tick, sends it again.

No more than DAILIES_FETCH_PER_HOST article tasks fetch from one host at a time (a slot counter in the
cache, ingest.hosts): a feed of a thousand entries does not become a thousand requests at once to one
site. A task that finds its host busy is sent back to the queue with a short jittered countdown.

A feed's body counts as read (`feeds.remember_body`) only after its new entries are queued.

The longest retry delay (retry_backoff_max) stays far below the Redis visibility timeout
(CELERY_BROKER_TRANSPORT_OPTIONS, an hour): Redis would otherwise redeliver the waiting task again and again.

Database connections are reused from task to task (CELERY_DB_REUSE_MAX; a new PostgreSQL connection per
article cost more than linking and classifying it), with a web request's safeguards: before each task
a connection that saw an error or outlived CONN_MAX_AGE is dropped and a reused one is health-checked
(CONN_HEALTH_CHECKS), and after a task that failed or is retried every connection is closed, since an
interrupted query (a time limit, a lost server) can leave one that only looks usable.
"""

import logging
import random

from celery import shared_task, signals
from django.db import InterfaceError, OperationalError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import RedisError

from . import feeds, hosts, pipeline, services
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
# What sending a task raises while Redis is down (kombu wraps most, not all, of redis-py's errors).
QUEUE_ERRORS = (BrokerUnreachable, RedisError, OSError)
QUEUE_DOWN_MESSAGE = "Waiting for the task queue, which could not be reached; queued again once it is back."
# A pending article already sent is sent again only if still pending this long after (its task was lost).
PENDING_LEASE = timezone.timedelta(minutes=15)
MAX_PENDING_PER_TICK = 200


# A task whose host is busy waits a few seconds and tries again; after this many waits it goes ahead anyway.
HOST_BUSY_RETRIES = 60


@shared_task(bind=True, **RELIABLE, **RETRY_POLICY)
def ingest_article(self, url=None, feed_id=None, run_id=None, published=None, article_id=None, host_waits=0):
    """Ingest one article by URL (or a stored failed or pending article by id).

    host_waits: how many times this task already found its host busy and was sent again.
    """
    if article_id is not None:
        row = Article.objects.filter(pk=article_id).values("url", "feed_id", "published_at").first()
        if row is None:
            return "missing"
        url, feed_id = row["url"], feed_id or row["feed_id"]
        if published is None and row["published_at"] is not None:
            published = row["published_at"].isoformat()
    with hosts.fetch_slot(url) as granted:
        if not granted and _in_worker(self.request) and host_waits < HOST_BUSY_RETRIES:
            # Not a retry (those are for errors, and counted by max_retries): the same task, sent again.
            self.apply_async(
                kwargs={**self.request.kwargs, "host_waits": host_waits + 1}, countdown=random.uniform(1, 4)
            )
            return "host busy"
        outcome = pipeline.ingest_url(url, feed_id=feed_id, run_id=run_id, published_hint=published)
        if run_id is not None and feed_id is None:  # a submitted URL's own run: say what became of it
            services.record_url_outcome(run_id, outcome)
        return outcome.result


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
        enqueue_entries(result.new_entries, feed_id=feed.pk, run_id=result.run_id, body_hash=result.body_hash)
    return result.status


def enqueue_entries(entries, *, feed_id, run_id=None, body_hash=""):
    """One article task per entry, sent once the surrounding transaction commits; then the feed's body
    is remembered as read (`body_hash`), not before: a poll that dies half-way reads it again.

    Once the broker has failed, the remaining entries are parked as pending without trying it again
    (pending articles are not lost, so the body counts as read then too).
    """
    entries = list(entries)

    def send_all():
        broker_up = True
        for entry in entries:
            if broker_up:
                broker_up = enqueue_article(
                    entry.url, feed_id=feed_id, run_id=run_id, published=entry.published
                )
            else:
                park_article(entry.url, feed_id=feed_id, published=entry.published)
        feeds.remember_body(feed_id, body_hash)

    if entries or body_hash:
        transaction.on_commit(send_all)


def enqueue_article(url, *, feed_id=None, run_id=None, published=None):
    """Send an article task now. True if sent; False if the broker is unreachable, in which case the
    URL is kept as a pending article (logged) and `requeue_pending_articles` sends it later."""
    try:
        ingest_article.apply_async(
            kwargs={"url": url, "feed_id": feed_id, "run_id": run_id, "published": published}
        )
        return True
    except QUEUE_ERRORS as exc:
        logger.error("Could not queue the article %s (%s); kept as pending", url, exc)
        park_article(url, feed_id=feed_id, published=published)
        return False


def park_article(url, *, feed_id=None, published=None):
    """Keep a URL whose task could not be sent as a PENDING article, so it is not lost."""
    published_at = pipeline._parse_hint(published) if published else None
    article, created = Article.objects.get_or_create(
        canonical_url=pipeline._safe_canonical(url),
        defaults={
            "url": url[:2000],
            "status": Article.Status.PENDING,
            "error": QUEUE_DOWN_MESSAGE,
            "feed_id": feed_id,
            "published_at": published_at,
        },
    )
    if not created and article.status == Article.Status.PENDING:
        Article.objects.filter(pk=article.pk).update(error=QUEUE_DOWN_MESSAGE, updated_at=timezone.now())
    pipeline.link_feed(article.pk, feed_id)
    return article


@shared_task(**RELIABLE)
def requeue_pending_articles():
    """Send again the pending articles whose task could not be sent (or was sent long ago and lost).

    Called on every beat tick; stops at the first send that fails, leaving the rest for the next tick.
    """
    now = timezone.now()
    sent = 0
    with transaction.atomic():
        pending = list(
            Article.objects.filter(status=Article.Status.PENDING)
            .filter(~Q(error="") | Q(updated_at__lte=now - PENDING_LEASE))
            .select_for_update(skip_locked=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:MAX_PENDING_PER_TICK]
        )
        for article_id in pending:
            try:
                ingest_article.apply_async(kwargs={"article_id": article_id})
            except QUEUE_ERRORS as exc:
                logger.error("Could not queue pending articles (%s); trying again at the next tick", exc)
                break
            # Sent: not sent again before the lease runs out (the task turns it into the article).
            Article.objects.filter(pk=article_id).update(error="", updated_at=now)
            sent += 1
    return sent


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
    requeue_pending_articles()
    return len(due)


def _in_worker(request):
    # An eager task runs inside its caller's request or transaction: its connection is not ours to close.
    return request is not None and not getattr(request, "is_eager", False)


@signals.task_prerun.connect
def check_connections_before_task(sender=None, **kwargs):
    if _in_worker(getattr(sender, "request", None)):
        close_old_connections()


@signals.task_failure.connect
@signals.task_retry.connect
def close_connections_after_error(sender=None, request=None, **kwargs):
    if _in_worker(request if request is not None else getattr(sender, "request", None)):
        connections.close_all()
