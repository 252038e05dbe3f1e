"""Redis down: the site and the admin keep serving from PostgreSQL, a curator's submission is kept rather
than lost, and when Redis comes back the work that could not be queued is done.

Redis here is a private redis-server (tests/faults/conftest.py) serving both the cache and the broker,
exactly as in production where they share one server; it is stopped and started by the test.
"""

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from events.models import Event
from ingest import tasks
from ingest.models import Article, Feed
from tests.factories import (
    EventFactory,
    LawsuitFactory,
    OrganisationFactory,
    PersonFactory,
    UnionAgreementFactory,
)
from tests.faults.conftest import WORK_TIMEOUT, broker
from tests.ingest.feed_fixtures import plain_article, rss
from tests.ingest.httpserver import wait_until
from tests.security.test_access import every_public_url

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("faults")]


@pytest.fixture
def redis_down(private_redis, settings):
    """The cache and this process's broker both point at the private Redis, which is not running."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": private_redis.url(1),
            "KEY_PREFIX": "faults",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with broker(private_redis.url(0)):
        yield private_redis


@pytest.fixture
def world(db):
    org, person = OrganisationFactory(name="Northlight Studios"), PersonFactory(name="Ada Reel")
    lawsuit, agreement = LawsuitFactory(), UnionAgreementFactory()
    links = {"organisations": [org], "people": [person], "lawsuit": lawsuit, "agreement": agreement}
    published = EventFactory(title="Northlight licenses a model", **links)
    draft = EventFactory(title="A draft for review", status=Event.Status.DRAFT, **links)
    return {
        "published": published,
        "draft": draft,
        "organisation": org,
        "person": person,
        "lawsuit": lawsuit,
        "agreement": agreement,
    }


@pytest.fixture
def curator_client(db):
    # A superuser, not the Curators group: a transactional test run before this one on the same xdist
    # worker flushes the group its migration made (permissions are tested in tests/security).
    user = User.objects.create_superuser("curator", password="pw-curator-1")
    client = Client()
    client.force_login(user)
    return client


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_public_page_and_the_admin_serve_while_redis_is_down(redis_down, world, curator_client, caplog):
    org = world["organisation"]
    public = every_public_url(world) + [
        f"/?org={org.slug}",
        f"/?org={org.slug}&kind=announcement",
        "/organisations/suggest?q=a",
        "/organisations/suggest?q=nor",
    ]
    visitor = Client()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for url in public:
            response = visitor.get(url)
            assert response.status_code == 200, url
            body(response)
        assert "Northlight licenses a model" in visitor.get("/").content.decode()
        assert "A draft for review" not in visitor.get("/").content.decode()

        assert visitor.get("/admin/login/").status_code == 200
        admin_pages = [
            "/admin/",
            reverse("admin:events_event_changelist"),
            reverse("admin:events_organisation_changelist"),
            reverse("admin:ingest_draftevent_changelist"),
            reverse("admin:ingest_draftevent_change", args=[world["draft"].pk]),
            reverse("admin:ingest_article_changelist"),
            reverse("admin:ingest_feed_changelist"),
            reverse("admin:ingest_ingestrun_changelist"),
            reverse("admin:ingest_article_submit"),
        ]
        for url in admin_pages:
            assert curator_client.get(url).status_code == 200, url
        # A curator's edit while Redis is down: saved, and the caches it would invalidate are skipped.
        response = curator_client.post(
            reverse("admin:events_event_changelist"),
            {"action": "publish", "_selected_action": [world["draft"].pk]},
        )
        assert response.status_code == 302
    assert Event.objects.get(pk=world["draft"].pk).status == Event.Status.PUBLISHED
    logged = caplog.get_records("setup") + caplog.records
    assert any("Cache unreachable" in r.getMessage() for r in logged)


def test_work_that_cannot_be_queued_is_kept_and_done_once_redis_is_back(
    redis_down, transactional_db, curator_client, local_server, launch_worker, caplog, settings
):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True  # the in-process poll below reads the loopback feed
    for n in (1, 2, 3):
        local_server.serve(f"/story-{n}", plain_article(n))
    local_server.serve(
        "/feed.xml",
        rss([(local_server.url("/story-2"), "Two"), (local_server.url("/story-3"), "Three")]),
        content_type="application/rss+xml",
    )
    feed = Feed.objects.create(url=local_server.url("/feed.xml"), name="Harbour news")
    submitted = local_server.url("/story-1")

    with caplog.at_level(logging.ERROR):
        # A curator submits a URL: told the queue is down, and the URL is kept as a pending article.
        submit = reverse("admin:ingest_article_submit")
        response = curator_client.post(submit, {"url": submitted}, follow=True)
        assert response.status_code == 200
        assert "task queue cannot be reached" in response.content.decode()
        # "Poll now" on a feed: an error message for the curator, not a 500.
        response = curator_client.post(
            reverse("admin:ingest_feed_changelist"),
            {"action": "poll_now", "_selected_action": [feed.pk]},
            follow=True,
        )
        assert response.status_code == 200
        assert "no poll was queued" in response.content.decode()
        # A poll that reads its feed but cannot send its article tasks keeps the entries as pending.
        assert tasks.poll_feed(feed.pk) == "parsed"
    assert any("Could not queue the article" in r.getMessage() for r in caplog.records)
    pending = Article.objects.filter(status=Article.Status.PENDING)
    assert sorted(pending.values_list("url", flat=True)) == sorted(
        [submitted, local_server.url("/story-2"), local_server.url("/story-3")]
    )
    assert set(Article.objects.get(url=local_server.url("/story-2")).feeds.all()) == {feed}

    # Redis returns; a worker starts; the next beat tick sends the pending articles again.
    redis_down.start()
    launch_worker(redis_down.url(0), TEST_VISIBILITY_TIMEOUT=30)
    tasks.poll_due_feeds.delay()

    def all_read():
        return Article.objects.count() == 3 and not Article.objects.filter(
            status__in=[Article.Status.PENDING, Article.Status.FAILED]
        ).exists()

    assert wait_until(all_read, WORK_TIMEOUT), list(Article.objects.values("url", "status", "error"))
    assert Article.objects.filter(status=Article.Status.IRRELEVANT).count() == 3
    assert Article.objects.get(url=local_server.url("/story-3")).feed == feed
    for n in (1, 2, 3):
        assert len(local_server.requests_to(f"/story-{n}")) == 1
