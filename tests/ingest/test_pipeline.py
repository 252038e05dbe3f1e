"""The article pipeline as plain functions on a real saved page: extract, dedupe, link, classify, propose."""

import datetime
from pathlib import Path

import pytest

from events.models import Event, Source
from ingest import pipeline
from ingest.extract import ExtractionError, extract_article, sanitise_html, title_hash
from ingest.models import Article, ArticleFeed, Feed, IngestRun, Mention
from tests import factories
from tests.ingest.seed_registry import SEED_PEOPLE, create_seed_registry

DATA = Path(__file__).parent / "data"
SEED_URL = "https://news.example.com/2024/03/openai-sora-hollywood?utm_source=feed"


@pytest.fixture
def seed_page():
    return (DATA / "sora-hollywood-article.html").read_bytes()


@pytest.fixture
def registry(db):
    return create_seed_registry()


def test_extraction_reads_title_author_date_and_text(seed_page):
    article = extract_article(seed_page, url=SEED_URL)
    assert article.title == "OpenAI courts Hollywood with Sora, and creatives push back"
    assert article.author == "Dailies Fixture Desk"
    assert article.published_at.date() == datetime.date(2024, 3, 25)
    assert "Fairly Trained" in article.text
    assert "<nav" not in article.html_sanitised and "Home" not in article.text.splitlines()[0]


def test_extraction_sanitises_the_html_it_keeps():
    page = (
        "<html><body><article><h1>Title</h1>"
        + "".join(
            f"<p>Studios and AI companies met for round {n} of talks about likeness rights.</p>"
            for n in range(8)
        )
        + '<p>Read on <img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a></p>'
        + "</article></body></html>"
    )
    html = extract_article(page).html_sanitised
    assert "alert" not in html and "onerror" not in html and "<script" not in html


def test_sanitising_keeps_text_tags_and_drops_everything_active():
    dirty = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a><svg onload=alert(2)></svg><b>bold</b></p>'
    )
    clean = sanitise_html(dirty)
    assert clean.startswith("<p>Hi") and "<b>bold</b>" in clean
    assert "javascript" not in clean and "onload" not in clean and "onclick" not in clean


def test_a_page_without_an_article_is_refused_with_a_reason():
    with pytest.raises(ExtractionError, match="No article text"):
        extract_article("<html><body><p>Log in to continue.</p></body></html>")


def test_short_titles_get_no_title_hash():
    assert title_hash("News") == ""
    assert title_hash("OpenAI courts Hollywood with Sora") == title_hash(
        "openai COURTS hollywood, with Sora!"
    )


def test_the_seed_article_becomes_one_draft_event_with_its_organisations_and_people(registry, seed_page):
    outcome = pipeline.ingest_html(seed_page, url=SEED_URL)

    assert outcome.result == "new" and outcome.event_created
    article = Article.objects.get()
    assert article.status == Article.Status.PROPOSED
    assert article.canonical_url == "https://news.example.com/2024/03/openai-sora-hollywood"
    event = Event.objects.get()
    assert event.status == Event.Status.DRAFT and article.event == event
    assert event.date == datetime.date(2024, 3, 25)
    assert {"OpenAI", "SAG-AFTRA", "Writers Guild of America", "Fairly Trained"} <= set(
        event.organisations.values_list("name", flat=True)
    )
    assert set(SEED_PEOPLE) <= set(event.people.values_list("name", flat=True))
    assert event.sources.get().url == SEED_URL
    assert Mention.objects.get(article=article, organisation__name="OpenAI").count >= 5


def test_the_same_page_twice_is_stored_once(registry, seed_page):
    pipeline.ingest_html(seed_page, url=SEED_URL)
    again = pipeline.ingest_html(
        seed_page, url="https://news.example.com/2024/03/openai-sora-hollywood/#comments"
    )
    assert again.result == "duplicate"
    assert Article.objects.count() == 1 and Event.objects.count() == 1 and Source.objects.count() == 1


def test_the_same_text_under_another_url_is_a_duplicate_and_joins_the_second_feed(registry, seed_page):
    feed_a = Feed.objects.create(url="https://a.example.com/rss")
    feed_b = Feed.objects.create(url="https://b.example.com/rss")
    pipeline.ingest_html(seed_page, url=SEED_URL, feed_id=feed_a.pk)
    again = pipeline.ingest_html(seed_page, url="https://mirror.example.org/sora", feed_id=feed_b.pk)
    assert again.result == "duplicate"
    article = Article.objects.get()
    assert set(article.feeds.all()) == {feed_a, feed_b}
    assert article.feed == feed_a and ArticleFeed.objects.count() == 2


def test_an_irrelevant_article_is_kept_and_marked_and_never_becomes_an_event(db):
    page = (
        "<html><head><title>Local bakery wins a prize for its sourdough loaves</title></head><body><article>"
        + "".join(
            f"<p>The bakery on the high street won prize number {n} for its sourdough, baked since {1990 + n}.</p>"
            for n in range(10)
        )
        + "</article></body></html>"
    )
    outcome = pipeline.ingest_html(page, url="https://news.example.com/bakery")
    assert outcome.result == "irrelevant"
    article = Article.objects.get()
    assert article.status == Article.Status.IRRELEVANT and article.event is None
    assert not Event.objects.exists()


def test_a_new_irrelevant_article_costs_one_lookup_one_insert_and_the_run_counter(db, django_assert_num_queries):
    page = (
        "<html><head><title>Local bakery wins a prize for its sourdough loaves</title></head><body><article>"
        + "".join(f"<p>The bakery on the high street won prize number {n} for its sourdough.</p>" for n in range(10))
        + "</article></body></html>"
    )
    run = IngestRun.objects.create(kind=IngestRun.Kind.FILE)
    pipeline.link_article("warm the alias matcher")  # its registry queries are once per process, not per article
    # BEGIN, the duplicate/placeholder lookup, INSERT, the run counter, COMMIT: in one transaction.
    with django_assert_num_queries(5):
        outcome = pipeline.ingest_html(page, url="https://news.example.com/bakery", run_id=run.pk)
    assert outcome.result == "irrelevant"
    run.refresh_from_db()
    assert run.irrelevant_count == 1


def test_a_relevant_article_joins_a_matching_event_as_a_source(registry, seed_page):
    organisations, _ = registry
    first = pipeline.ingest_html(seed_page, url=SEED_URL)
    kind = Event.objects.get(pk=first.event_id).kind
    Event.objects.filter(pk=first.event_id).update(status=Event.Status.PUBLISHED)
    page = seed_page.replace(b"courts Hollywood with Sora", b"woos Hollywood studios with Sora").replace(
        b"cinematic drama", b"a long and cinematic drama, as another report puts it"
    )
    second = pipeline.ingest_html(page, url="https://other.example.com/sora-woos")
    assert second.result == "new" and not second.event_created
    assert second.event_id == first.event_id
    assert Event.objects.get().kind == kind
    assert Source.objects.filter(event_id=first.event_id).count() == 2
    assert Article.objects.get(pk=second.article_id).status == Article.Status.LINKED


def test_an_event_of_another_kind_or_too_far_in_time_is_not_joined(registry, seed_page):
    organisations, _ = registry
    factories.EventFactory(
        kind=Event.Kind.RULING, date=datetime.date(2024, 3, 25), organisations=[organisations["OpenAI"]]
    )
    outcome = pipeline.ingest_html(seed_page, url=SEED_URL)
    assert outcome.event_created


def test_a_failure_is_stored_and_a_later_success_reuses_the_row(registry, seed_page):
    failed = pipeline.ingest_html(b"<html><body>Not here</body></html>", url=SEED_URL)
    assert failed.result == "failed"
    assert "No article text" in Article.objects.get().error
    ok = pipeline.ingest_html(seed_page, url=SEED_URL)
    assert ok.result == "new" and ok.article_id == failed.article_id
    article = Article.objects.get()
    assert article.status == Article.Status.PROPOSED and article.error == ""


def test_run_counters_add_up(registry, seed_page):
    run = IngestRun.objects.create(kind=IngestRun.Kind.FILE)
    pipeline.ingest_html(seed_page, url=SEED_URL, run_id=run.pk)
    pipeline.ingest_html(seed_page, url=SEED_URL, run_id=run.pk)
    pipeline.ingest_html(b"<html></html>", url="https://x.example.com/empty", run_id=run.pk)
    run.refresh_from_db()
    assert (run.new_count, run.duplicate_count, run.failed_count) == (1, 1, 1)


def test_the_database_refuses_a_second_article_with_the_same_content_hash(db):
    from django.db import IntegrityError

    Article.objects.create(
        url="https://a.example.com/1", canonical_url="https://a.example.com/1", content_hash="abc"
    )
    with pytest.raises(IntegrityError):
        Article.objects.create(
            url="https://b.example.com/2", canonical_url="https://b.example.com/2", content_hash="abc"
        )


# --- Fetching through the pipeline: refusals and failures are stored with their reasons -------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_private_addresses_are_refused_and_the_reason_is_stored(db, url):
    outcome = pipeline.ingest_url(url, allow_private=False)
    assert outcome.result == "failed"
    article = Article.objects.get()
    assert article.status == Article.Status.FAILED and article.error and article.text == ""


def test_a_redirect_from_an_allowed_server_into_private_space_is_refused(db, local_server):
    # The local server stands in for a public one: the guard is on, so its redirect hop must be refused too.
    local_server.redirect("/go", "http://10.0.0.1/admin")
    outcome = pipeline.ingest_url(local_server.url("/go"), allow_private=False)
    assert outcome.result == "failed" and Article.objects.get().error


def test_a_50_mb_page_is_cut_at_the_cap_and_stored_as_failed(db, local_server):
    local_server.sized("/huge", 50 * 1024 * 1024)
    outcome = pipeline.ingest_url(local_server.url("/huge"), allow_private=True)
    assert outcome.result == "failed"
    assert "MB" in Article.objects.get().error
    assert len(local_server.requests_to("/huge")) == 1


def test_a_redirect_loop_stops_and_is_stored(db, local_server):
    local_server.redirect("/loop", "/loop")
    outcome = pipeline.ingest_url(local_server.url("/loop"), allow_private=True)
    assert outcome.result == "failed" and "redirect" in Article.objects.get().error.lower()
    assert len(local_server.requests_to("/loop")) <= 6


def test_a_404_is_permanent_and_a_500_is_retried(db, local_server):
    from ingest.fetch import TransientFetchError

    local_server.serve("/gone", b"no", status=404, content_type="text/plain")
    assert pipeline.ingest_url(local_server.url("/gone"), allow_private=True).result == "failed"
    local_server.serve("/flaky", b"no", status=503, content_type="text/plain")
    with pytest.raises(TransientFetchError):
        pipeline.ingest_url(local_server.url("/flaky"), allow_private=True)
    assert Article.objects.get(canonical_url__endswith="/flaky").status == Article.Status.FAILED


def test_an_article_page_that_later_404s_keeps_its_text(registry, seed_page, local_server):
    local_server.serve("/sora", seed_page)
    assert pipeline.ingest_url(local_server.url("/sora"), allow_private=True).result == "new"
    local_server.serve("/sora", b"gone", status=404, content_type="text/plain")
    assert pipeline.ingest_url(local_server.url("/sora"), allow_private=True).result == "duplicate"
    assert "Fairly Trained" in Article.objects.get().text
