"""The management commands, run as a curator would run them."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from ingest.models import Article, Feed, IngestRun
from tests.ingest.feed_fixtures import plain_article, rss
from tests.ingest.seed_registry import create_seed_registry

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ingest_file_reads_a_saved_page_without_network():
    create_seed_registry()
    output = run(
        "ingest_file", str(DATA / "sora-hollywood-article.html"), "--url", "https://news.example.com/sora"
    )
    assert "1 new" in output
    assert Article.objects.get().canonical_url == "https://news.example.com/sora"
    assert Event.objects.filter(status="draft").count() == 1


def test_ingest_file_reads_a_feed_file_with_its_pages_beside_it(tmp_path):
    (tmp_path / "story-one.html").write_bytes(plain_article(1))
    (tmp_path / "feed.xml").write_bytes(rss([("https://news.example.com/story-one", "One")]))
    assert "1 irrelevant" in run("ingest_file", str(tmp_path / "feed.xml"))
    assert Article.objects.get().canonical_url == "https://news.example.com/story-one"


def test_ingest_file_refuses_a_missing_file():
    with pytest.raises(CommandError, match="No such file"):
        run("ingest_file", "/nonexistent/page.html")


def test_ingest_url_fetches_and_ingests(local_server, settings):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    local_server.serve("/story", plain_article(3))
    assert "irrelevant" in run("ingest_url", local_server.url("/story"))
    assert IngestRun.objects.get(kind="url").irrelevant_count == 1


def test_ingest_url_reports_a_refusal_clearly(settings):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="127.0.0.1"):
        run("ingest_url", "http://127.0.0.1/private")
    assert Article.objects.get().status == "failed"


def test_add_feed_then_poll_feeds_ingests_its_entries(local_server, settings):
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    local_server.serve("/story", plain_article(4))
    local_server.serve(
        "/feed.xml", rss([(local_server.url("/story"), "Story")]), content_type="application/rss+xml"
    )
    assert "Added feed" in run("add_feed", local_server.url("/feed.xml"), "--name", "Local")
    assert "Already following" in run("add_feed", local_server.url("/feed.xml"))
    assert "1 new" in run("poll_feeds")
    assert Article.objects.get().feeds.get() == Feed.objects.get()
    assert "0 feed(s) polled" in run("poll_feeds")  # not due again yet


def test_add_feed_refuses_a_non_http_url():
    with pytest.raises(CommandError):
        run("add_feed", "file:///etc/passwd")


def test_ingest_demo_creates_drafts_and_is_idempotent():
    first = run("ingest_demo")
    drafts = Event.objects.filter(status="draft").count()
    assert "6 new" in first and drafts >= 3
    second = run("ingest_demo")
    assert "0 new" in second
    assert Event.objects.filter(status="draft").count() == drafts and Article.objects.count() == 6


def test_ingest_demo_after_the_curated_data_leaves_drafts_to_review_and_sources_on_known_events():
    call_command("load_curated", stdout=StringIO())
    run("ingest_demo")
    assert Event.objects.filter(status="draft").count() >= 2
    assert Article.objects.filter(status="linked").exists()
    assert Article.objects.count() == 6
