"""The feed stage on a real loopback server: conditional GET, unchanged bodies, backoff, health."""

import datetime

import pytest
from django.utils import timezone

from ingest import feeds
from ingest.models import MAX_POLL_INTERVAL, Article, ArticleFeed, Feed, IngestRun
from tests.ingest.feed_fixtures import atom, rss

pytestmark = pytest.mark.django_db


def _feed(local_server, path="/feed.xml", **fields):
    return Feed.objects.create(url=local_server.url(path), **fields)


def test_rss_and_atom_entries_are_parsed_with_their_links_and_dates():
    parsed = feeds.parse_feed(rss([("https://news.example.com/a", "A story")]))
    assert [e.url for e in parsed.entries] == ["https://news.example.com/a"]
    assert parsed.entries[0].published.startswith("2024-03-25T08:00")
    parsed = feeds.parse_feed(atom([("https://news.example.com/b", "B story")]))
    assert parsed.title == "Dailies Atom feed" and parsed.entries[0].url == "https://news.example.com/b"


def test_garbage_is_an_error_not_a_crash():
    parsed = feeds.parse_feed(b"\x00\x01 this is not a feed at all")
    assert parsed.error and not parsed.entries


def test_a_poll_returns_new_entries_and_records_success(local_server):
    local_server.serve(
        "/feed.xml",
        rss([("https://news.example.com/a", "A"), ("https://news.example.com/b", "B")]),
        content_type="application/rss+xml",
    )
    feed = _feed(local_server)
    result = feeds.poll_feed(feed, allow_private=True)
    assert result.status == "parsed" and len(result.new_entries) == 2
    feed.refresh_from_db()
    assert feed.last_success_at and feed.health == "healthy" and feed.name == "Dailies test feed"
    assert IngestRun.objects.get().status == IngestRun.Status.SUCCEEDED


def test_known_articles_are_linked_to_the_feed_not_returned_again(local_server):
    local_server.serve(
        "/feed.xml",
        rss([("https://news.example.com/a?utm_source=rss", "A")]),
        content_type="application/rss+xml",
    )
    article = Article.objects.create(
        url="https://news.example.com/a", canonical_url="https://news.example.com/a"
    )
    feed = _feed(local_server)
    result = feeds.poll_feed(feed, allow_private=True)
    assert result.new_entries == [] and result.duplicates == 1
    assert ArticleFeed.objects.get().article == article


def test_a_304_creates_nothing(local_server):
    local_server.conditional(
        "/feed.xml",
        rss([("https://news.example.com/a", "A")]),
        etag='"v1"',
        content_type="application/rss+xml",
    )
    feed = _feed(local_server)
    assert feeds.poll_feed(feed, allow_private=True).status == "parsed"
    assert feed.etag == '"v1"'
    second = feeds.poll_feed(feed, allow_private=True)
    assert second.status == "not_modified" and second.new_entries == []
    assert local_server.requests_to("/feed.xml")[-1].headers["if-none-match"] == '"v1"'


def test_an_unchanged_body_creates_nothing_even_without_validators(local_server):
    local_server.serve(
        "/feed.xml", rss([("https://news.example.com/a", "A")]), content_type="application/rss+xml"
    )
    feed = _feed(local_server)
    first = feeds.poll_feed(feed, allow_private=True)
    feeds.remember_body(feed.pk, first.body_hash)  # what the caller does once the entries are queued
    second = feeds.poll_feed(Feed.objects.get(pk=feed.pk), allow_private=True)
    assert second.status == "unchanged" and second.new_entries == []


def test_a_feed_failing_five_times_backs_off_up_to_a_day_is_unhealthy_and_recovers(local_server):
    local_server.serve("/feed.xml", b"oops", status=500, content_type="text/plain")
    feed = _feed(local_server, poll_interval=datetime.timedelta(hours=2))
    now = timezone.now()
    delays = []
    for attempt in range(5):
        at = now + datetime.timedelta(days=attempt)
        result = feeds.poll_feed(feed, now=at, allow_private=True)
        assert result.status == "failed"
        delays.append(feed.next_poll_at - at)
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert delays[-1] == MAX_POLL_INTERVAL
    feed.refresh_from_db()
    assert feed.unhealthy and feed.health == "unhealthy" and feed.consecutive_failures == 5
    assert "500" in feed.last_error and feed.failing_since == now
    assert Feed.objects.unhealthy().count() == 1

    local_server.serve(
        "/feed.xml", rss([("https://news.example.com/a", "A")]), content_type="application/rss+xml"
    )
    assert feeds.poll_feed(feed, allow_private=True).status == "parsed"
    feed.refresh_from_db()
    assert not feed.unhealthy and feed.consecutive_failures == 0 and feed.failing_since is None
    assert feed.last_error == ""


def test_a_refused_feed_address_is_stored_on_the_feed(local_server):
    local_server.serve("/feed.xml", rss([]), content_type="application/rss+xml")
    feed = _feed(local_server)
    result = feeds.poll_feed(feed, allow_private=False)
    assert result.status == "failed"
    feed.refresh_from_db()
    assert feed.last_error and feed.consecutive_failures == 1


def test_a_feed_that_turns_invalid_keeps_its_articles(local_server):
    local_server.serve(
        "/feed.xml", rss([("https://news.example.com/a", "A")]), content_type="application/rss+xml"
    )
    feed = _feed(local_server)
    feeds.poll_feed(feed, allow_private=True)
    Article.objects.create(
        url="https://news.example.com/a", canonical_url="https://news.example.com/a", feed=feed
    )
    local_server.serve("/feed.xml", b"<html>maintenance</html>", content_type="application/rss+xml")
    assert feeds.poll_feed(feed, allow_private=True).status == "failed"
    assert Article.objects.filter(feed=feed).count() == 1


def test_an_active_feed_with_news_is_polled_more_often_and_a_quiet_one_less():
    feed = Feed(url="https://x.example.com/rss", poll_interval=datetime.timedelta(hours=1))
    feed.save()
    feeds.record_success(feed, had_news=True)
    assert feed.poll_interval == datetime.timedelta(minutes=30)
    feeds.record_success(feed, had_news=False)
    feeds.record_success(feed, had_news=False)
    assert feed.poll_interval > datetime.timedelta(minutes=30)
