"""Entry points shared by the management commands and the admin: each records an IngestRun.

`*_now` functions run the pipeline in this process (the commands, the demo); `submit_url` enqueues a
Celery task after the transaction commits (the admin), running in-process only when no broker is set.
"""

import logging
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from . import feeds, pipeline
from .fetch import FetchError
from .models import Feed, IngestRun

logger = logging.getLogger(__name__)

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_FEED_URL = "https://dailies.example/sample/feed.xml"


def _run(kind, target, feed=None):
    return IngestRun.objects.create(kind=kind, target=str(target)[:2000], feed=feed)


def ingest_url_now(url):
    """Fetch and ingest one URL here and now. Returns (run, outcome)."""
    run = _run(IngestRun.Kind.URL, url)
    try:
        outcome = pipeline.ingest_url(url, run_id=run.pk)
    except FetchError as exc:  # transient: stored on the article; a task would retry, a command reports it
        run.refresh_from_db()
        run.finish(error=exc.message)
        return run, pipeline.Outcome(pipeline.FAILED, error=exc.message)
    record_url_outcome(run.pk, outcome)
    run.refresh_from_db()
    return run, outcome


def record_url_outcome(run_id, outcome):
    """Finish a URL run with what became of its article, so a submission read later by a worker can say
    whether it was stored, joined an event, duplicated an article (under another address too), or failed."""
    IngestRun.objects.filter(pk=run_id, kind=IngestRun.Kind.URL).update(
        result=outcome.result,
        article_id=outcome.article_id,
        event_id=outcome.event_id,
        event_created=outcome.event_created,
        error=outcome.error,
        status=IngestRun.Status.FAILED if outcome.error else IngestRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )


def submit_url(url):
    """Queue one URL for a worker; returns (sent, run): the URL run that says what became of it once the
    worker is done (`record_url_outcome`).

    `sent` is False when the task queue is unreachable: the URL is then kept as a pending article (and
    logged), and sent again once the queue is back, so a curator's submission is never lost.
    """
    from .tasks import enqueue_article

    run = _run(IngestRun.Kind.URL, url)
    return enqueue_article(url, run_id=run.pk), run


def looks_like_feed(content):
    head = content[:2000].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def ingest_file(path, *, url=None):
    """Ingest a saved HTML page or a feed file with no network. Returns the run."""
    path = Path(path)
    content = path.read_bytes()
    if looks_like_feed(content):
        return ingest_feed_file(path, feed_url=url)
    run = _run(IngestRun.Kind.FILE, path)
    outcome = pipeline.ingest_html(content, url=url or path.resolve().as_uri(), run_id=run.pk)
    run.refresh_from_db()
    run.finish(error=outcome.error)
    return run


def _local_page(entry, folder):
    """The saved page for a feed entry: the file in `folder` named after the last segment of its link."""
    slug = urlsplit(entry.url).path.rstrip("/").rsplit("/", 1)[-1]
    for candidate in (folder / f"{slug}.html", folder / slug):
        if slug and candidate.is_file():
            return candidate.read_bytes()
    return None


def ingest_feed_file(path, *, feed_url=None, name=""):
    """A feed read from disk: each entry's page comes from the file of the same name beside it, or
    failing that from the entry's own content. Known entries are only linked to the feed."""
    path = Path(path)
    feed, _ = Feed.objects.get_or_create(url=feed_url or path.resolve().as_uri(), defaults={"name": name})
    run = _run(IngestRun.Kind.FILE, path, feed=feed)
    with transaction.atomic():
        result, parsed = feeds.apply_feed_body(feed, path.read_bytes(), content_type="application/xml")
    IngestRun.objects.filter(pk=run.pk).update(duplicate_count=result.duplicates)
    for entry in result.new_entries:
        page = _local_page(entry, path.parent)
        if page is None:
            # feedparser has sanitised the entry content; extraction then keeps only nh3-cleaned HTML.
            page = (
                f"<html><head><title>{escape(entry.title)}</title></head>"
                f"<body><article>{entry.html}</article></body></html>"
            )
        pipeline.ingest_html(page, url=entry.url, feed_id=feed.pk, run_id=run.pk, published_hint=entry.published)
    feeds.remember_body(feed.pk, result.body_hash)
    run.refresh_from_db()
    run.finish(error=result.error)
    return run


def ingest_sample():
    """The bundled demo sample, through the same pipeline; running it again adds nothing."""
    return ingest_feed_file(SAMPLE_DIR / "feed.xml", feed_url=SAMPLE_FEED_URL, name="Dailies sample feed")


def poll_due_feeds_now(*, everything=False):
    """Poll due (or all active) feeds here and now and ingest their new entries. Returns [(feed, result)]."""
    chosen = Feed.objects.filter(active=True) if everything else Feed.objects.due()
    done = []
    for feed in chosen.order_by("pk"):
        result = feeds.poll_feed(feed)
        complete = True
        for entry in result.new_entries:
            try:
                pipeline.ingest_url(entry.url, feed_id=feed.pk, run_id=result.run_id, published_hint=entry.published)
            except FetchError as exc:  # transient; stored on the article, tried again on a later poll
                logger.info("transient failure for %s: %s", entry.url, exc.message)
            except Exception:  # one entry's bug must not cost the feed's other entries
                logger.exception("ingesting %s from feed %s failed", entry.url, feed.pk)
                complete = False
        if complete:  # otherwise the body is read again on the next poll
            feeds.remember_body(feed.pk, result.body_hash)
        done.append((feed, result))
    return done


def promote_article(article):
    """A curator's one click on an article judged irrelevant: it goes on as relevant, to the event it reports
    or a new draft, and records that a curator promoted it. Returns the pipeline's Outcome.

    An article that is not irrelevant (already promoted, or relevant all along) is left as it is.
    """
    from .models import Article

    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status != Article.Status.IRRELEVANT:
            return pipeline.Outcome(pipeline.DUPLICATE, article_id=article.pk, event_id=article.event_id)
        article.status = Article.Status.EXTRACTED
        known = article.event_date_source if article.event_date_source in ("metadata", "feed", "url") else None
        return pipeline.link_classify_propose(article, published_source=known, force_relevant=True)
