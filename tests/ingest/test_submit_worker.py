"""Submit a URL tells the truth when a worker reads it later: the "Follow it here" link leads to the URL's
run, which says what became of it once the worker is done, including a page that repeats an article we
already hold under another address (real worker, real Redis, a loopback HTTP server)."""

import re

import pytest
from django.urls import reverse

from ingest import services
from ingest.models import Article, IngestRun
from tests.ingest.feed_fixtures import plain_article
from tests.ingest.httpserver import wait_until
from tests.ingest.test_tasks import WORK_TIMEOUT, queue, workers  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("celery-worker")]


def submit(client, url):
    response = client.post(reverse("admin:ingest_article_submit"), {"url": url}, follow=True)
    page = response.content.decode()
    assert "Queued" in page
    follow = re.search(r'href="(/admin/ingest/ingestrun/(\d+)/change/)"', page)
    assert follow, "the message links to the URL's run"
    return follow.group(1), IngestRun.objects.get(pk=follow.group(2))


def test_a_queued_url_that_repeats_an_article_under_another_address_says_which(
    workers, local_server, curator_client, settings  # noqa: F811
):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    page = plain_article(7)
    local_server.serve("/first-address", page)
    local_server.serve("/second-address", page)
    local_server.serve("/another-story", plain_article(8))
    _, first = services.ingest_url_now(local_server.url("/first-address"))
    original = Article.objects.get(pk=first.article_id)
    workers()

    follow, run = submit(curator_client, local_server.url("/second-address"))
    assert wait_until(lambda: IngestRun.objects.get(pk=run.pk).status != IngestRun.Status.RUNNING, WORK_TIMEOUT)
    run.refresh_from_db()
    assert run.result == "duplicate" and run.article_id == original.pk
    said = curator_client.get(follow).content.decode()
    assert "duplicates the article" in said
    assert reverse("admin:ingest_article_change", args=[original.pk]) in said

    follow, run = submit(curator_client, local_server.url("/another-story"))
    assert wait_until(lambda: IngestRun.objects.get(pk=run.pk).status != IngestRun.Status.RUNNING, WORK_TIMEOUT)
    said = curator_client.get(follow).content.decode()
    assert "not about AI and the screen industries" in said


def test_a_queued_url_that_fails_says_why(workers, local_server, curator_client, settings):  # noqa: F811
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    workers()
    follow, run = submit(curator_client, local_server.url("/nothing-here"))
    assert wait_until(lambda: IngestRun.objects.get(pk=run.pk).status != IngestRun.Status.RUNNING, WORK_TIMEOUT)
    said = curator_client.get(follow).content.decode()
    assert "Failed to ingest" in said and "404" in said
