"""PostgreSQL restarted while a worker is in the middle of an article: the worker's connection dies, the
task fails on its next query, is retried (OperationalError is transient), reconnects (CONN_HEALTH_CHECKS)
and finishes; every article is stored exactly once.

The database is a private cluster (tests/faults/conftest.py), migrated for this test, so restarting it
disturbs nobody; the test reads it with plain SQL.
"""

import os
import subprocess
import sys
import threading

import pytest

from tests.faults.conftest import ROOT, WORK_TIMEOUT, broker
from tests.ingest.feed_fixtures import plain_article
from tests.ingest.httpserver import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("faults")]

ARTICLES = 4


@pytest.fixture
def migrated_database(private_postgres):
    private_postgres.execute("CREATE DATABASE dailies_faults")
    url = private_postgres.url("dailies_faults")
    env = {**os.environ, "DATABASE_URL": url, "DAILIES_TESTING": "1", "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )
    return url


def test_a_worker_ingesting_through_a_postgres_restart_reconnects_and_stores_each_article_once(
    private_postgres, migrated_database, private_redis, launch_worker, local_server
):
    arrived, release = threading.Event(), threading.Event()
    held_page = plain_article(0)

    def held_then_whole(handler):
        # The first fetch stops mid-body until the database has been restarted, then completes.
        handler.start_chunked()
        handler.write_chunk(held_page[:300])
        if not arrived.is_set():
            arrived.set()
            release.wait(WORK_TIMEOUT)
        handler.write_chunk(held_page[300:])
        handler.end_chunked()

    local_server.add("/held", held_then_whole)
    for n in range(1, ARTICLES):
        local_server.serve(f"/story-{n}", plain_article(n))
    urls = [local_server.url("/held")] + [local_server.url(f"/story-{n}") for n in range(1, ARTICLES)]

    private_redis.start()
    worker = launch_worker(private_redis.url(0), migrated_database)
    from ingest import tasks

    with broker(private_redis.url(0)):
        for url in urls:
            tasks.ingest_article.delay(url=url)
    try:
        assert arrived.wait(WORK_TIMEOUT), worker.log()[-3000:]
        private_postgres.restart()  # the worker's open connection is terminated under it
    finally:
        release.set()

    def stored():
        rows = private_postgres.execute(
            "SELECT url, status FROM ingest_article ORDER BY url", name="dailies_faults"
        )
        return rows if len(rows) == ARTICLES and all(s == "irrelevant" for _, s in rows) else None

    rows = wait_until(stored, WORK_TIMEOUT, 0.2)
    assert rows, (private_postgres.execute("SELECT url, status, error FROM ingest_article",
                                           name="dailies_faults"), worker.log()[-3000:])
    assert sorted(url for url, _ in rows) == sorted(urls)
    # The restart was felt: the task in progress failed on the dead connection and was retried.
    assert "Retry in" in worker.log(), worker.log()[-3000:]
    assert worker.poll() is None
