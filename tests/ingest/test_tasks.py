"""The Celery tasks on a real worker process and the real Redis broker, against the test database.

Each test gets its own queue, so parallel test processes never take each other's tasks. Kept few: a
worker takes a second or two to start.
"""

import os
import signal
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from events.models import Event
from ingest import tasks
from ingest.models import Article, ArticleFeed, Feed, IngestRun, Mention
from tests.ingest.feed_fixtures import plain_article, rss
from tests.ingest.httpserver import wait_until
from tests.ingest.seed_registry import SEED_PEOPLE, create_seed_registry
from tests.ingest.worker import configure
from tests.worker_processes import WorkerProcesses

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("celery-worker")]

SEED_PAGE = (Path(__file__).parent / "data" / "sora-hollywood-article.html").read_bytes()
WORK_TIMEOUT = 60


@pytest.fixture
def queue():
    name = f"ingest-test-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.task_routes, app.conf.task_default_queue)
    configure(app, name)
    yield name
    app.conf.task_routes, app.conf.task_default_queue = saved
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(name)


@pytest.fixture
def workers(transactional_db, queue, tmp_path):
    """start(visibility_timeout=None) -> a running worker process on this test's queue."""
    processes = WorkerProcesses(tmp_path)

    def start(visibility_timeout=None):
        return processes.start(queue, {"TEST_VISIBILITY_TIMEOUT": visibility_timeout} if visibility_timeout else {})

    yield start
    processes.kill_all()


def test_the_seed_article_ingested_by_url_becomes_one_draft_event(workers, local_server):
    create_seed_registry()
    local_server.serve("/2024/03/openai-sora-hollywood", SEED_PAGE)
    workers()

    tasks.ingest_article.delay(url=local_server.url("/2024/03/openai-sora-hollywood"))

    assert wait_until(lambda: Article.objects.filter(status=Article.Status.PROPOSED).exists(), WORK_TIMEOUT)
    event = Event.objects.get()
    assert event.status == Event.Status.DRAFT
    assert {"OpenAI", "SAG-AFTRA", "Writers Guild of America", "Fairly Trained"} <= set(
        event.organisations.values_list("name", flat=True)
    )
    assert set(SEED_PEOPLE) <= set(event.people.values_list("name", flat=True))
    assert Article.objects.get().event == event


def test_a_feed_polled_twice_and_an_article_in_two_feeds_leave_one_article_each(workers, local_server, queue):
    shared, own = local_server.url("/shared-story"), local_server.url("/own-story")
    local_server.serve("/shared-story", plain_article(1))
    local_server.serve("/own-story", plain_article(2))
    local_server.serve("/a.xml", rss([(shared, "Shared"), (own, "Own")]), content_type="application/rss+xml")
    local_server.serve(
        "/b.xml", rss([(shared + "?utm_source=b", "Shared")]), content_type="application/rss+xml"
    )
    feed_a = Feed.objects.create(url=local_server.url("/a.xml"))
    feed_b = Feed.objects.create(url=local_server.url("/b.xml"))
    workers()

    tasks.poll_due_feeds.delay()
    assert wait_until(lambda: ArticleFeed.objects.count() == 3 and not _queued(queue), WORK_TIMEOUT)

    # The second poll sees a changed body (a new build date) listing the same two articles.
    local_server.serve(
        "/a.xml",
        rss([(shared, "Shared"), (own, "Own")], build="Tue, 26 Mar 2024 09:00:00 GMT"),
        content_type="application/rss+xml",
    )
    Feed.objects.update(next_poll_at=None)
    tasks.poll_due_feeds.delay()
    assert wait_until(
        lambda: IngestRun.objects.filter(status="succeeded").count() == 4 and not _queued(queue), WORK_TIMEOUT
    )

    assert Article.objects.count() == 2
    assert set(Article.objects.get(canonical_url=shared).feeds.all()) == {feed_a, feed_b}
    assert IngestRun.objects.filter(feed=feed_a).order_by("started_at").last().duplicate_count == 2


def _queued(queue):
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


def test_a_worker_killed_mid_article_leaves_no_half_rows_and_the_task_runs_again(workers, local_server):
    create_seed_registry()
    first_request_arrived, release = threading.Event(), threading.Event()

    def slow_then_fast(handler):
        # The first fetch hangs mid-body, so the worker is killed while it is inside the task.
        if not first_request_arrived.is_set():
            first_request_arrived.set()
            handler.start_chunked()
            handler.write_chunk(SEED_PAGE[:500])
            release.wait(WORK_TIMEOUT)
            return
        handler.respond(200, SEED_PAGE)

    local_server.add("/slow-sora", slow_then_fast)
    doomed = workers()
    try:
        tasks.ingest_article.delay(url=local_server.url("/slow-sora"))
        assert first_request_arrived.wait(WORK_TIMEOUT)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        assert Article.objects.count() == 0

        workers(visibility_timeout=2)  # a new worker; Redis hands it the unacknowledged task
        assert wait_until(
            lambda: Article.objects.filter(status=Article.Status.PROPOSED).exists(), WORK_TIMEOUT
        )
    finally:
        release.set()
    assert Article.objects.count() == 1 and Event.objects.count() == 1
    assert Mention.objects.filter(article=Article.objects.get()).count() >= 8
    assert len(local_server.requests_to("/slow-sora")) == 2


def _worker_backends():
    """PostgreSQL backends on the test database other than this test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_worker_keeps_its_database_connection_between_articles_and_drops_it_after_a_retry(
    workers, local_server
):
    local_server.serve("/story-1", plain_article(1))
    local_server.serve("/story-2", plain_article(2))
    local_server.serve("/flaky", b"busy", status=500)
    workers()

    tasks.ingest_article.delay(url=local_server.url("/story-1"))
    assert wait_until(lambda: Article.objects.filter(url=local_server.url("/story-1")).exists(), WORK_TIMEOUT)
    first = _worker_backends()
    assert first, "the worker closed its connection after the task"
    tasks.ingest_article.delay(url=local_server.url("/story-2"))
    assert wait_until(lambda: Article.objects.filter(url=local_server.url("/story-2")).exists(), WORK_TIMEOUT)
    assert _worker_backends() == first

    # A 500 is transient: the task is retried, and the connection it used is not trusted again.
    tasks.ingest_article.delay(url=local_server.url("/flaky"))
    assert wait_until(lambda: not (first & _worker_backends()), WORK_TIMEOUT)
    assert Article.objects.get(url=local_server.url("/flaky")).status == Article.Status.FAILED
