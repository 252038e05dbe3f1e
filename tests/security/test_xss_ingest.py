"""Hostile feeds and articles: what ingest stores for display is safe, and the curators' pages render
feed names, article titles, authors, publishers and errors as text.

The feedparser sanitiser corpus (745 vectors, ../shared/corpora/feedparser-tests/wellformed/sanitize/)
goes through the real entry point for a feed file, one entry per vector; where that folder is absent the
corpus test skips and says why.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from events.models import Event, Source
from ingest.extract import sanitise_html
from ingest.models import Article, Feed
from tests.security.htmlcheck import dangers, scan
from tests.security.payloads import XSS_PAYLOADS, storable

pytestmark = pytest.mark.django_db
PAYLOADS = [storable(p) for p in XSS_PAYLOADS]
SANITIZE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpora"
    / "feedparser-tests"
    / "wellformed"
    / "sanitize"
)


def assert_admin_page_safe(response, expect=()):
    assert response.status_code == 200, (response.wsgi_request.get_full_path(), response.status_code)
    scanner = scan(response.content.decode(), admin=True)
    assert scanner.problems == [], (response.wsgi_request.get_full_path(), scanner.problems[:5])
    missing = [text for text in expect if not scanner.shows(text)]
    assert missing == [], (response.wsgi_request.get_full_path(), missing[:3])


@pytest.fixture
def hostile_ingest(db):
    """A feed and an article per payload, each article behind a draft event, every shown field hostile."""
    feeds = Feed.objects.bulk_create(
        Feed(
            url=f"https://feeds.example.com/{i}.xml",
            name=p[:200],
            last_error=p,
            consecutive_failures=1,
            failing_since="2024-01-01T00:00:00Z",
        )
        for i, p in enumerate(PAYLOADS)
    )
    drafts = Event.objects.bulk_create(
        Event(slug=f"xss-draft-{i}", date="2024-05-01", title=p, summary=p, status=Event.Status.DRAFT)
        for i, p in enumerate(PAYLOADS)
    )
    Source.objects.bulk_create(
        Source(event=d, url=f"https://news.example.com/a/{i}", title=p, publisher=p[:200])
        for i, (d, p) in enumerate(zip(drafts, PAYLOADS, strict=True))
    )
    articles = Article.objects.bulk_create(
        Article(
            url=f"https://news.example.com/a/{i}",
            canonical_url=f"https://news.example.com/a/{i}",
            final_url=f"https://news.example.com/a/{i}?t={p}"[:2000],
            title=p,
            author=p[:300],
            publisher=p[:200],
            text=p,
            html_sanitised=sanitise_html(p),
            error=p,
            feed=feeds[i],
            event=drafts[i],
            status=Article.Status.PROPOSED,
        )
        for i, p in enumerate(PAYLOADS)
    )
    return {"feeds": feeds, "drafts": drafts, "articles": articles}


def test_sanitised_html_of_every_payload_is_safe():
    for payload in PAYLOADS:
        assert dangers(sanitise_html(payload)) == [], payload


def test_feed_and_article_lists_show_hostile_names_as_text(admin_client, hostile_ingest):
    assert_admin_page_safe(
        admin_client.get(reverse("admin:ingest_feed_changelist"), {"all": 1}),
        expect=[p[:200] for p in PAYLOADS[:40]],
    )
    assert_admin_page_safe(
        admin_client.get(reverse("admin:ingest_article_changelist"), {"all": 1}), expect=PAYLOADS[:40]
    )
    assert_admin_page_safe(
        admin_client.get(reverse("admin:ingest_draftevent_changelist"), {"all": 1}), expect=PAYLOADS[:40]
    )


def test_feed_article_and_review_pages_are_safe(admin_client, hostile_ingest):
    # Admin change pages are slow; every fifth payload still covers each family.
    for i in range(0, len(PAYLOADS), 5):
        feed, article, draft = (hostile_ingest[k][i] for k in ("feeds", "articles", "drafts"))
        assert_admin_page_safe(
            admin_client.get(reverse("admin:ingest_feed_change", args=[feed.pk])), expect=[PAYLOADS[i][:200]]
        )
        assert_admin_page_safe(admin_client.get(reverse("admin:ingest_article_change", args=[article.pk])))
        assert_admin_page_safe(
            admin_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk])), expect=[PAYLOADS[i]]
        )


def test_feed_errors_and_drafts_never_reach_visitors(client, hostile_ingest):
    html = client.get("/", {"q": "alert"}).content.decode() + client.get("/").content.decode()
    assert "xss-draft-" not in html
    assert "feeds.example.com" not in html


# --- The feedparser sanitiser corpus -------------------------------------------------------------


def _with_entry_links(xml, stem):
    """The vectors' entries carry no links, and ingest keeps only entries with one: give each a link."""
    counter = iter(range(10_000))
    xml = re.sub(
        r"(<entry\b[^>]*>)",
        lambda m: (
            f'{m.group(1)}<link rel="alternate" href="https://corpus.example.com/{stem}/{next(counter)}"/>'
        ),
        xml,
    )
    return re.sub(
        r"(<item\b[^>]*>)",
        lambda m: f"{m.group(1)}<link>https://corpus.example.com/{stem}/{next(counter)}</link>",
        xml,
    )


def _vectors():
    if not SANITIZE.is_dir():
        return []
    return sorted(SANITIZE.glob("*.xml"))


CHUNKS = 6
FILLER = (
    "<p>This is sanitiser vector {stem}, the body of an article long enough for extraction to keep it. "
    "The studio said the release would go ahead as planned, and the guild said it would review the terms "
    "with its members over the coming weeks before any vote on ratification took place.</p>"
)


def _raw_fragments(path):
    """Every string feedparser reads from a vector when not sanitising: what a fetched page could hold."""
    import feedparser

    parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
    fragments = []
    for part in [parsed.get("feed", {}), *parsed.get("entries", [])]:
        for value in part.values():
            if isinstance(value, str):
                fragments.append(value)
            elif isinstance(value, dict) and isinstance(value.get("value"), str):
                fragments.append(value["value"])
            elif isinstance(value, list):
                fragments += [
                    v["value"] for v in value if isinstance(v, dict) and isinstance(v.get("value"), str)
                ]
    return [f for f in fragments if "<" in f or "&" in f] or fragments


def _assert_stored_html_safe():
    stored = list(Article.objects.exclude(html_sanitised=""))
    problems = {a.canonical_url: dangers(a.html_sanitised) for a in stored}
    assert {url: p for url, p in problems.items() if p} == {}
    for article in stored:
        # nh3 keeps no style and no script-capable attribute: the display HTML is inert even without CSP.
        assert not re.search(
            r"<(script|style|iframe|object|embed|svg|math)\b|\son\w+\s*=|style\s*=",
            article.html_sanitised,
            re.I,
        ), article.canonical_url
    return stored


@pytest.mark.corpus
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_feedparser_sanitiser_vectors_leave_nothing_dangerous_in_stored_or_rendered_html(
    chunk, tmp_path, admin_client
):
    """Each vector three ways: its feed through ingest's feed-file entry point; its raw (unsanitised)
    fragments as the body of an article page through the article pipeline; and straight through nh3."""
    from ingest.pipeline import ingest_html
    from ingest.services import ingest_feed_file

    if not SANITIZE.is_dir():
        pytest.skip(f"{SANITIZE} is absent: the shared corpora are only on CI and the project machines")
    vectors = _vectors()
    assert len(vectors) == 745
    mine = vectors[chunk::CHUNKS]
    for path in mine:
        xml = _with_entry_links(path.read_text(encoding="utf-8", errors="replace"), path.stem)
        feed_file = tmp_path / path.name
        feed_file.write_text(xml, encoding="utf-8")
        ingest_feed_file(feed_file, feed_url=f"https://corpus.example.com/{path.stem}.xml")
        raw = "".join(_raw_fragments(path))
        assert dangers(sanitise_html(raw)) == [], path.name
        page = (
            f"<html><head><title>Vector {path.stem}</title></head><body><article>"
            f"{FILLER.format(stem=path.stem)}{raw}{FILLER.format(stem=path.stem + ' again')}"
            "</article></body></html>"
        )
        ingest_html(page, url=f"https://pages.example.com/{path.stem}")
    stored = _assert_stored_html_safe()
    assert len(stored) >= len(mine), f"only {len(stored)} of {len(mine)} vector pages were stored for display"
    # Curators see the stored body on the article page and the review screen: render a sample.
    for article in stored[:: max(1, len(stored) // 8)]:
        assert_admin_page_safe(admin_client.get(reverse("admin:ingest_article_change", args=[article.pk])))
        if article.event_id:
            assert_admin_page_safe(
                admin_client.get(reverse("admin:ingest_draftevent_change", args=[article.event_id]))
            )
