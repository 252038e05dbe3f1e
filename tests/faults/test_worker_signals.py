"""Workers stopped mid-task. SIGKILL (the worker dies, Redis redelivers the unacknowledged task to a new
worker, which stores the article once) is tested in tests/ingest/test_tasks.py
(test_a_worker_killed_mid_article_leaves_no_half_rows_and_the_task_runs_again). Here, SIGTERM: the
worker's warm shutdown finishes the task in hand, acknowledges it and exits; nothing is left for Redis
to redeliver, so the article is stored exactly once. And SIGTERM followed by SIGKILL when the task does
not finish in the grace period (as `docker stop` does): the task is redelivered and completes once.
"""

import os
import signal
import threading

import pytest

from ingest import tasks
from ingest.models import Article
from tests.faults.conftest import WORK_TIMEOUT, broker
from tests.ingest.feed_fixtures import plain_article
from tests.ingest.httpserver import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("faults")]

PAGE = plain_article(7)


def held_page(arrived, release):
    """A route whose first request stops mid-body until `release` is set; later requests are served whole."""

    def respond(handler):
        handler.start_chunked()
        handler.write_chunk(PAGE[:300])
        if not arrived.is_set():
            arrived.set()
            release.wait(WORK_TIMEOUT)
        handler.write_chunk(PAGE[300:])
        handler.end_chunked()

    return respond


def waiting_in_redis(private_redis):
    """Messages queued, and messages delivered but not acknowledged (kombu's `unacked` hash)."""
    client = private_redis.client(0)
    return client.llen("ingest") + client.hlen("unacked")


def test_a_worker_stopped_with_sigterm_mid_article_finishes_it_once_and_leaves_nothing_to_redeliver(
    transactional_db, private_redis, launch_worker, local_server
):
    arrived, release = threading.Event(), threading.Event()
    local_server.add("/held", held_page(arrived, release))
    private_redis.start()
    worker = launch_worker(private_redis.url(0), TEST_VISIBILITY_TIMEOUT=2)
    with broker(private_redis.url(0)):
        tasks.ingest_article.delay(url=local_server.url("/held"))
    try:
        assert arrived.wait(WORK_TIMEOUT), worker.log()[-3000:]
        os.kill(worker.pid, signal.SIGTERM)
        assert wait_until(lambda: "Warm shutdown" in worker.log(), 10), worker.log()[-3000:]
        assert worker.poll() is None  # still finishing the task in hand
    finally:
        release.set()
    assert worker.wait(timeout=WORK_TIMEOUT) == 0, worker.log()[-3000:]

    article = Article.objects.get()
    assert article.status == Article.Status.IRRELEVANT and article.text
    assert waiting_in_redis(private_redis) == 0
    # A new worker, with a visibility timeout of 2 s, finds nothing to redo: the page is read once.
    launch_worker(private_redis.url(0), TEST_VISIBILITY_TIMEOUT=2)
    assert waiting_in_redis(private_redis) == 0
    assert Article.objects.count() == 1 and len(local_server.requests_to("/held")) == 1


def test_a_worker_killed_after_sigterm_mid_article_has_its_task_redelivered_and_done_once(
    transactional_db, private_redis, launch_worker, local_server
):
    arrived, release = threading.Event(), threading.Event()
    local_server.add("/held", held_page(arrived, release))
    private_redis.start()
    doomed = launch_worker(private_redis.url(0), TEST_VISIBILITY_TIMEOUT=2)
    with broker(private_redis.url(0)):
        tasks.ingest_article.delay(url=local_server.url("/held"))
    try:
        assert arrived.wait(WORK_TIMEOUT), doomed.log()[-3000:]
        os.kill(doomed.pid, signal.SIGTERM)
        assert wait_until(lambda: "Warm shutdown" in doomed.log(), 10), doomed.log()[-3000:]
        # The grace period is over and the task is still running: killed.
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        assert Article.objects.count() == 0
        assert waiting_in_redis(private_redis) == 1  # delivered, never acknowledged

        launch_worker(private_redis.url(0), TEST_VISIBILITY_TIMEOUT=2)
        assert wait_until(lambda: Article.objects.filter(status=Article.Status.IRRELEVANT).exists(),
                          WORK_TIMEOUT)
    finally:
        release.set()
    assert wait_until(lambda: waiting_in_redis(private_redis) == 0, WORK_TIMEOUT)
    assert Article.objects.count() == 1
    assert len(local_server.requests_to("/held")) == 2
