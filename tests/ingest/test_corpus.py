"""Every sample of the feedparser and miniflux test corpora through the feed stage: no crash, and each
file either parses or is recorded on the feed with an error. In-process, no worker, no network.

The corpora live in ../shared/corpora (CI has them); elsewhere these tests skip and say why.
"""

import csv
from pathlib import Path

import pytest

from ingest.feeds import apply_feed_body, parse_feed
from ingest.models import Feed

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
FEEDPARSER = CORPORA / "feedparser-tests"
MINIFLUX = CORPORA / "miniflux-testdata"

pytestmark = pytest.mark.corpus


def _require(folder):
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the shared test corpora are only on CI and the project machines")


def _feedparser_samples():
    with open(FEEDPARSER / "index.tsv", newline="", encoding="utf-8") as index:
        return [FEEDPARSER / row["path"] for row in csv.DictReader(index, delimiter="\t")]


def _through_the_stage(paths):
    """Each file through parse + record on one Feed row; returns (parsed, errors) counts."""
    feed = Feed.objects.create(url="https://corpus.example.com/feed")
    parsed = errors = 0
    for path in paths:
        result, feed_parsed = apply_feed_body(feed, path.read_bytes(), content_type="application/xml")
        if result.status == "failed":
            assert feed.last_error, path
            errors += 1
        else:
            assert feed.consecutive_failures == 0, path
            parsed += 1
    return parsed, errors


def test_every_feedparser_sample_parses_or_is_refused_with_an_error():
    _require(FEEDPARSER)
    samples = _feedparser_samples()
    assert len(samples) > 2000
    missing = [p for p in samples if not p.is_file()]
    assert not missing, missing[:5]
    results = [parse_feed(p.read_bytes(), content_type="application/xml") for p in samples]
    for path, result in zip(samples, results, strict=True):
        assert bool(result.error) != bool(result.entries or result.title or not result.error), path
    readable = sum(1 for r in results if not r.error)
    assert readable > len(samples) * 0.9  # most are feeds, ill-formed ones included


@pytest.mark.django_db
def test_feedparser_samples_are_recorded_on_the_feed_through_the_stage():
    # Every 20th sample through parse + record (the stage's database writes are the same for each file).
    _require(FEEDPARSER)
    samples = _feedparser_samples()[::20]
    parsed, errors = _through_the_stage(samples)
    assert parsed + errors == len(samples) and parsed


@pytest.mark.django_db
def test_every_miniflux_sample_parses_or_is_recorded_with_an_error():
    _require(MINIFLUX)
    samples = sorted(p for p in MINIFLUX.rglob("*") if p.is_file() and not p.name.startswith(("LICENSE", "README")))
    assert samples
    parsed, errors = _through_the_stage(samples)
    assert parsed + errors == len(samples)


def test_sanitiser_samples_leave_nothing_active_in_entry_content():
    _require(FEEDPARSER)
    folder = FEEDPARSER / "wellformed" / "sanitize"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    for path in sorted(folder.glob("*.xml")):
        for entry in parse_feed(path.read_bytes()).entries:
            lowered = entry.html.lower()
            assert "<script" not in lowered and "javascript:" not in lowered, path


# --- Real news pages (article-extraction-benchmark): off-topic, dated, and never a crash ------------------

ARTICLES = CORPORA / "article-extraction-benchmark"


@pytest.mark.django_db
def test_real_news_pages_are_read_without_a_crash_judged_off_topic_and_dated_as_their_metadata():
    """A sample of the 181 real pages (bench/ingest_quality.py reads them all): none of them concerns AI and
    the screen industries, so none is accepted; the publication day agrees with the page's own metadata."""
    _require(ARTICLES)
    from bench.ingest_real_pages import run_pages

    results = run_pages(limit=40)
    assert len(results) == 40
    assert [r.url for r in results if r.crashed] == []
    assert [r.title for r in results if r.relevant] == []
    dated = [r for r in results if r.metadata and r.status != "failed"]
    assert len(dated) >= 25
    assert [r.url for r in dated if r.found is None or abs((r.found - r.metadata).days) > 1] == []
