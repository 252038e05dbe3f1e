"""Hostile feed servers met by a real worker: a slow loris, an endless body and a gzip bomb each end at the
fetch deadline or the size cap, the feed records the error for curators, the worker's memory stays
bounded, and it goes straight on to the next task. (The fetcher's own limits are tested one by one in
tests/ingest/test_fetch.py; this is the same trouble one level up, on a worker.)
"""

import pytest

from ingest import tasks
from ingest.models import Article, Feed
from tests.faults.conftest import WORK_TIMEOUT, broker, peak_rss_mb
from tests.ingest.feed_fixtures import plain_article, rss
from tests.ingest.httpserver import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("faults")]

FEED = "application/rss+xml"
DEADLINE = 2  # seconds, for the worker's fetches (DAILIES_FETCH_DEADLINE)
CAP = 1024 * 1024  # bytes after decompression (DAILIES_FETCH_MAX_BYTES)
MEMORY_BOUND_MB = 400  # a worker (Django, trafilatura, lxml) sits near 150 MB; a 2 GiB bomb would not fit


def test_hostile_feed_polls_end_at_their_limits_and_the_worker_goes_on_to_the_next_task(
    transactional_db, private_redis, launch_worker, local_server
):
    local_server.trickle("/loris.xml", content_type=FEED)
    local_server.endless("/endless.xml", content_type=FEED)
    local_server.gzip_bomb("/bomb.xml", decoded_size=2 * 1024**3, content_type=FEED)
    local_server.serve("/story", plain_article(1))
    local_server.serve("/good.xml", rss([(local_server.url("/story"), "Story")]), content_type=FEED)
    hostile = {
        name: Feed.objects.create(url=local_server.url(f"/{name}.xml"), name=name)
        for name in ("loris", "endless", "bomb")
    }
    good = Feed.objects.create(url=local_server.url("/good.xml"), name="good")

    private_redis.start()
    worker = launch_worker(
        private_redis.url(0), DAILIES_FETCH_DEADLINE=DEADLINE, DAILIES_FETCH_MAX_BYTES=CAP
    )
    with broker(private_redis.url(0)):
        for feed in [*hostile.values(), good]:  # one worker, in this order: the good feed waits its turn
            tasks.poll_feed.delay(feed.pk)

    assert wait_until(
        lambda: Article.objects.filter(status=Article.Status.IRRELEVANT).exists(), WORK_TIMEOUT, 0.1
    ), worker.log()[-3000:]
    errors = {name: Feed.objects.get(pk=feed.pk) for name, feed in hostile.items()}
    for name, feed in errors.items():
        assert feed.consecutive_failures == 1 and feed.failing_since and feed.next_poll_at, name
    assert f"within the {DEADLINE}-second limit" in errors["loris"].last_error
    assert "larger than the" in errors["endless"].last_error
    assert "larger than the" in errors["bomb"].last_error
    good.refresh_from_db()
    assert good.consecutive_failures == 0 and good.last_success_at is not None
    assert Article.objects.get().feed == good
    assert worker.poll() is None
    assert peak_rss_mb(worker.pid) < MEMORY_BOUND_MB


def test_hostile_redirects_met_by_a_worker_are_recorded_errors_and_the_other_entries_are_ingested(
    transactional_db, private_redis, launch_worker, local_server
):
    """Found on the running site: in Celery a redirect to javascript: (or a host xn--) left no article and
    no error, and a feed whose own URL redirected so was never polled again."""
    local_server.serve("/story", plain_article(1))
    local_server.redirect("/trap-js", "javascript:alert(1)")
    local_server.redirect("/trap-idna", "http://xn--/")
    items = [(local_server.url("/trap-js"), "Trap"), (local_server.url("/trap-idna"), "Trap 2"),
             (local_server.url("/story"), "Story")]
    local_server.serve("/mixed.xml", rss(items), content_type=FEED)
    local_server.redirect("/gone.xml", "data:text/xml,<rss/>")
    mixed = Feed.objects.create(url=local_server.url("/mixed.xml"), name="mixed")
    gone = Feed.objects.create(url=local_server.url("/gone.xml"), name="gone")

    private_redis.start()
    worker = launch_worker(private_redis.url(0))
    with broker(private_redis.url(0)):
        tasks.poll_feed.delay(gone.pk)
        tasks.poll_feed.delay(mixed.pk)

    assert wait_until(lambda: Article.objects.count() == 3 and not Article.objects.filter(
        status=Article.Status.PENDING).exists(), WORK_TIMEOUT, 0.1), worker.log()[-3000:]
    traps = Article.objects.filter(url__contains="/trap-")
    assert {a.status for a in traps} == {Article.Status.FAILED} and all(a.error for a in traps)
    assert Article.objects.get(url=local_server.url("/story")).status == Article.Status.IRRELEVANT
    gone.refresh_from_db()
    assert gone.consecutive_failures == 1 and gone.last_error and gone.next_poll_at
    assert wait_until(lambda: Feed.objects.get(pk=mixed.pk).body_hash != "", WORK_TIMEOUT, 0.1)
    assert "Traceback" not in worker.log()
    assert worker.poll() is None
