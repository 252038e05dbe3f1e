"""URLs and feed servers made to break ingest, each reproduced as it was found on the running site.

A redirect to javascript:/data:/mailto:/about:/tel:/http:foo, a host `xn--`, `a..b` or a 64-character
label raised httpx.InvalidURL, IDNAError or UnicodeError past the fetcher: `poll_feeds` died with a
traceback, the feed's body hash was already saved (so its other entries were never ingested), a feed whose
own URL redirected so was left "running". A pubDate of 9999-12-31 crashed event matching. Now each is a
fetch error recorded where a curator sees it, and nothing already ingested is lost.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from ingest import feeds, pipeline, services
from ingest.fetch import AddressGuard, BadResponse, FetchError, RefusedURL, check_url, fetch
from ingest.models import Article, Feed, IngestRun
from tests.ingest.feed_fixtures import plain_article, rss

pytestmark = pytest.mark.django_db

FEED = "application/rss+xml"
HOSTILE_LOCATIONS = [
    "javascript:alert(1)", "data:text/html,<b>hi</b>", "mailto:desk@example.com", "about:blank", "tel:+15550100",
    "http:foo", "http://xn--/", "http://xn--zz.example/", "http://a..b/", f"http://{'a' * 64}.example/",
    "http://[::1/",
]


@pytest.mark.parametrize("location", HOSTILE_LOCATIONS)
def test_a_redirect_to_a_hostile_location_is_a_permanent_fetch_error(local_server, location):
    local_server.redirect("/go", location)
    with pytest.raises(FetchError) as caught:
        fetch(local_server.url("/go"), allow_private=True)
    assert caught.value.permanent and caught.value.message


@pytest.mark.parametrize(
    "url", ["http://xn--/", "http://xn--zz.example/x", "http://a..b/", f"http://{'a' * 64}.example/",
            f"http://{'a.' * 130}example/", "javascript:alert(1)", "http:foo"],
)
def test_a_malformed_host_is_refused_before_any_connection(url):
    with pytest.raises(RefusedURL):
        check_url(url)
    with pytest.raises(FetchError):
        fetch(url)


def test_ordinary_hosts_still_pass_the_check():
    for url in ("https://www.example.com/a", "http://bücher.example/", "https://my_site.example.org/",
                "http://127.0.0.1:8000/", "http://[::1]:8000/"):
        check_url(url)


def test_an_article_that_redirects_to_javascript_is_a_failed_article_with_its_reason(local_server):
    local_server.redirect("/story", "javascript:alert(document.cookie)")
    outcome = pipeline.ingest_url(local_server.url("/story"), allow_private=True)
    assert outcome.result == pipeline.FAILED
    article = Article.objects.get()
    assert article.status == Article.Status.FAILED and "cannot follow" in article.error


def _feed_with_a_hostile_entry(local_server, location="javascript:alert(1)"):
    local_server.serve("/good-1", plain_article(1))
    local_server.serve("/good-2", plain_article(2))
    local_server.redirect("/trap", location)
    items = [(local_server.url("/good-1"), "One"), (local_server.url("/trap"), "Trap"),
             (local_server.url("/good-2"), "Two")]
    local_server.serve("/feed.xml", rss(items), content_type=FEED)
    return Feed.objects.create(url=local_server.url("/feed.xml"), name="hostile")


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://xn--/", "http://a..b/"])
def test_poll_feeds_ingests_the_other_entries_and_records_the_hostile_one(local_server, settings, location):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    feed = _feed_with_a_hostile_entry(local_server, location)
    call_command("poll_feeds", stdout=open("/dev/null", "w"))  # noqa: SIM115 - the command as curators run it
    assert Article.objects.filter(status=Article.Status.IRRELEVANT).count() == 2
    trap = Article.objects.get(url=local_server.url("/trap"))
    assert trap.status == Article.Status.FAILED and trap.error
    feed.refresh_from_db()
    assert feed.last_error == "" and feed.body_hash and feed.next_poll_at
    assert IngestRun.objects.get(feed=feed).status == IngestRun.Status.SUCCEEDED


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://xn--/", f"http://{'a' * 64}.example/"])
def test_a_feed_whose_own_url_redirects_to_a_hostile_location_is_recorded_and_the_next_feed_is_polled(
    local_server, settings, location
):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    local_server.redirect("/bad.xml", location)
    bad = Feed.objects.create(url=local_server.url("/bad.xml"), name="bad")
    good = _feed_with_a_hostile_entry(local_server)
    done = services.poll_due_feeds_now()
    assert [f.pk for f, _ in done] == [bad.pk, good.pk]
    bad.refresh_from_db()
    assert bad.consecutive_failures == 1 and bad.last_error and bad.next_poll_at
    run = IngestRun.objects.get(feed=bad)
    assert run.status == IngestRun.Status.FAILED and run.finished_at and run.error
    assert Article.objects.filter(status=Article.Status.IRRELEVANT).count() == 2


def test_the_body_hash_is_kept_only_once_the_entries_are_handed_on(local_server):
    local_server.serve("/feed.xml", rss([("https://news.example.com/a", "A")]), content_type=FEED)
    feed = Feed.objects.create(url=local_server.url("/feed.xml"))
    result = feeds.poll_feed(feed, allow_private=True)
    assert result.body_hash and Feed.objects.get(pk=feed.pk).body_hash == ""
    # Had the caller died here, the next poll reads the body again and hands on the same entry.
    again = feeds.poll_feed(Feed.objects.get(pk=feed.pk), allow_private=True)
    assert again.status == "parsed" and [e.url for e in again.new_entries] == ["https://news.example.com/a"]
    feeds.remember_body(feed.pk, again.body_hash)
    assert feeds.poll_feed(Feed.objects.get(pk=feed.pk), allow_private=True).status == "unchanged"


def test_a_pubdate_in_year_9999_is_no_hint_and_crashes_nothing(local_server, settings):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    local_server.serve("/story", plain_article(3))
    body = rss([(local_server.url("/story"), "Far")]).replace(
        b"Mon, 25 Mar 2024 08:00:00 GMT", b"Fri, 31 Dec 9999 23:59:59 GMT"
    )
    local_server.serve("/feed.xml", body, content_type=FEED)
    Feed.objects.create(url=local_server.url("/feed.xml"))
    entries = feeds.parse_feed(body).entries
    assert entries and entries[0].published is None
    services.poll_due_feeds_now()
    article = Article.objects.get()
    assert article.published_at is None or article.published_at.year < 9999
    assert pipeline._parse_hint("9999-12-31T00:00:00+00:00") is None
    assert not Event.objects.filter(date__year=9999).exists()


def test_a_big_feed_hands_on_its_newest_entries_first_and_the_rest_on_later_polls(local_server, settings):
    settings.DAILIES_FEED_MAX_ENTRIES = 40
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    items = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.com/{n}</link>"
        f"<pubDate>{(start + datetime.timedelta(hours=n)):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for n in range(100)
    )
    local_server.serve(
        "/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>',
        content_type=FEED,
    )
    feed = Feed.objects.create(url=local_server.url("/feed.xml"))
    seen = []
    for _ in range(3):
        result = feeds.poll_feed(Feed.objects.get(pk=feed.pk), allow_private=True)
        urls = [e.url for e in result.new_entries]
        seen.append(urls)
        for url in urls:  # what the article tasks would have stored by the next poll
            Article.objects.create(url=url, canonical_url=url)
        feeds.remember_body(feed.pk, result.body_hash)
    assert seen[0][:2] == ["https://news.example.com/99", "https://news.example.com/98"]
    assert [len(s) for s in seen] == [40, 40, 20]
    assert len(set(sum(seen, []))) == 100
    feed.refresh_from_db()
    assert feed.body_hash  # the last poll handed on everything left: its body counts as read


def test_allow_private_opens_loopback_only():
    guard = AddressGuard(allow_private=True)
    assert guard.vet("127.0.0.1", 80) and guard.vet("::1", 80) and guard.vet("127.0.0.2", 80)
    for address in ("10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "fd00::1", "100.64.0.1"):
        with pytest.raises(RefusedURL):
            guard.vet(address, 80)


@pytest.mark.parametrize(
    "url",
    ["https://editor:secret@news.example.com/feed.xml", "https://token@news.example.com/feed.xml",
     "javascript:alert(1)", "ftp://news.example.com/feed", "http://a..b/feed", "http://xn--/feed",
     "http://10.0.0.1/feed.xml", "http://169.254.169.254/latest/meta-data/", "http://2130706433/feed",
     "http://[fd00::1]/feed"],
)
def test_add_feed_refuses_urls_the_fetcher_always_refuses(url):
    with pytest.raises(CommandError) as caught:
        call_command("add_feed", url)
    assert "secret" not in str(caught.value)
    assert not Feed.objects.exists()


def test_add_feed_takes_a_public_feed_url():
    call_command("add_feed", "https://news.example.com/feed.xml", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Feed.objects.get().url == "https://news.example.com/feed.xml"


def test_a_host_busy_with_its_fetch_slots_is_told_so(settings):
    from ingest.hosts import fetch_slot

    with fetch_slot("https://news.example.com/a", limit=1) as first:
        with fetch_slot("https://NEWS.example.com/b", limit=1) as second:
            with fetch_slot("https://other.example.com/c", limit=1) as elsewhere:
                assert first and not second and elsewhere
    with fetch_slot("https://news.example.com/d", limit=1) as later:
        assert later


def test_bad_response_is_permanent():
    assert BadResponse("x").permanent


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_only_the_first_items_of_a_huge_feed_are_parsed_and_the_cut_document_stays_well_formed(kind):
    from tests.ingest.feed_fixtures import atom

    items = [(f"https://news.example.com/{n}", f"Story {n}") for n in range(300)]
    body = rss(items) if kind == "rss" else atom(items)
    parsed = feeds.parse_feed(body, max_items=120)
    assert [e.url for e in parsed.entries] == [u for u, _ in items[:120]]
    assert not parsed.warning, parsed.warning
    assert feeds.first_items(body, 500) == body
