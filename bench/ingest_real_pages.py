"""Ingest decisions on real news pages: ../shared/corpora/article-extraction-benchmark (181 pages, 2019).

Almost none of them concern AI and the screen industries, so every page judged relevant is listed for a
person to inspect (each is likely a false positive unless it truly does). The page's publication date as the
pipeline found it is compared with the page's own metadata, read here independently (meta tags and JSON-LD,
no htmldate), and with a date in its URL path. Any exception is a crash: there must be none.

Called by bench/ingest_quality.py inside its throwaway database; skips with a reason when the corpus is absent.
Nothing at run time reads ../shared: this is a bench.
"""

import csv
import datetime
import gzip
import json
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

# ../shared beside the checkout (CI, the project machines), or wherever DAILIES_SHARED_DIR says (as bench/ingest.py).
SHARED = Path(os.environ.get("DAILIES_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpora" / "article-extraction-benchmark"

# Meta tags that carry a publication date, as publishers write them.
META_NAMES = {
    "article:published_time", "og:article:published_time", "datepublished", "date", "pubdate", "publishdate",
    "publish_date", "publish-date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "cxenseparse:recs:publishtime", "original-publish-date", "article.published",
}  # fmt: skip
META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
ATTR = re.compile(r"""(\w[\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
JSON_LD = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.I | re.S)
ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
URL_DAY = re.compile(r"/(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|$|-)")


@dataclass
class PageResult:
    id: str
    host: str
    url: str
    status: str = ""
    title: str = ""
    crashed: str = ""
    found: datetime.date | None = None  # the publication day the pipeline stored
    event_date_source: str = ""  # where the event's date came from (text, metadata, url)
    metadata: datetime.date | None = None  # the page's own metadata, read here
    url_day: datetime.date | None = None
    signals: dict = field(default_factory=dict)
    kind: str = ""

    @property
    def relevant(self):
        return self.status not in ("irrelevant", "failed", "")


def _day(value):
    match = ISO_DAY.search(value or "")
    if not match or int(match[1]) < 1990:  # "0001-01-01": a CMS's empty date
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def _json_ld_dates(html):
    for block in JSON_LD.findall(html):
        try:
            data = json.loads(block.strip())
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "datePublished" in item:
                    yield item["datePublished"]
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))


def metadata_date(html):
    """The page's publication day from its own meta tags or JSON-LD, or None."""
    for tag in META_TAG.findall(html):
        attrs = {k.lower(): (a or b) for k, a, b in ATTR.findall(tag)}
        name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if name in META_NAMES:
            day = _day(attrs.get("content"))
            if day:
                return day
    for value in _json_ld_dates(html):
        day = _day(value if isinstance(value, str) else "")
        if day:
            return day
    return None


def url_day(url):
    match = URL_DAY.search(url)
    if not match:
        return None
    try:
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        return None


def run_pages(limit=None):
    """Every page through pipeline.ingest_html (in the current database); returns [PageResult]."""
    from ingest import pipeline
    from ingest.models import Article

    with open(CORPUS / "index.tsv", newline="", encoding="utf-8") as index:
        rows = list(csv.DictReader(index, delimiter="\t"))[:limit]
    results = []
    for row in rows:
        raw = gzip.decompress((CORPUS / "html" / f"{row['id']}.html.gz").read_bytes())
        result = PageResult(id=row["id"], host=row["host"], url=row["url"], url_day=url_day(row["url"]))
        result.metadata = metadata_date(raw.decode("utf-8", "replace"))
        try:
            outcome = pipeline.ingest_html(raw, url=row["url"])
        except Exception:  # a crash is what this bench counts
            result.crashed = traceback.format_exc(limit=3).strip().splitlines()[-1]
            results.append(result)
            continue
        article = Article.objects.filter(pk=outcome.article_id).first()
        if article is not None:
            result.status, result.title, result.kind = article.status, article.title, article.kind_guess
            result.signals = article.relevance_signals
            result.found = article.published_at.date() if article.published_at else None
            result.event_date_source = article.event_date_source
        results.append(result)
    return results


def summary(results):
    """The figures, as {name: value}."""
    dated = [r for r in results if r.metadata and not r.crashed and r.status != "failed"]
    return {
        "pages": len(results),
        "crashes": sum(bool(r.crashed) for r in results),
        "failed to extract": sum(r.status == "failed" for r in results),
        "judged relevant": sum(r.relevant for r in results),
        "pages with a metadata date": len(dated),
        "publication date = metadata": sum(r.found == r.metadata for r in dated),
        "publication date differs": sum(r.found is not None and r.found != r.metadata for r in dated),
        "publication date missed": sum(r.found is None for r in dated),
        "no metadata date, dated from the URL": sum(
            1 for r in results if not r.metadata and r.found is not None and r.found == r.url_day
        ),
        "no date at all": sum(1 for r in results if r.found is None and not r.crashed and r.status != "failed"),
    }


def report(limit=None, verbose=False):
    """Print the real-page section (or why it is skipped)."""
    if not (CORPUS / "index.tsv").is_file():
        print(f"Real pages: skipped, {CORPUS} is absent (the shared corpora are only on CI and the project machines)")
        return None
    results = run_pages(limit)
    figures = summary(results)
    print(f"Real news pages ({CORPUS.name}): {figures['pages']} pages, mostly off-topic")
    for name, value in figures.items():
        if name != "pages":
            print(f"  {name:<40} {value}")
    for r in results:
        if r.crashed:
            print(f"  CRASH {r.host} {r.url}: {r.crashed}")
    for r in results:
        if r.relevant:
            ai, screen = ", ".join(r.signals.get("ai", [])[:4]), ", ".join(r.signals.get("screen", [])[:4])
            print(f"  relevant: {r.host}: {r.title[:90]!r} ({r.kind}; AI: {ai}; screen: {screen})")
    if verbose:
        for r in results:
            if r.metadata and r.found != r.metadata and r.status != "failed":
                print(
                    f"  date: {r.url} metadata {r.metadata} url {r.url_day} found {r.found} "
                    f"(event date from: {r.event_date_source})"
                )
    return figures
