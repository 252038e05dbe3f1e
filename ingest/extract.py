"""Extraction: an article page's HTML in, its title, author, date, plain text and safe HTML out.

The page is parsed once. trafilatura finds the body; the metadata we keep (title, author, site name, date)
comes from trafilatura's own metadata functions run on the same tree, in the order its `extract_metadata`
runs them, without the parts we throw away (categories, tags, licence: a quarter of its cost). htmldate
reads the date from the tree's cheap signals (meta tags, JSON-LD, time elements, the URL); only when
those find nothing is it asked again in its extensive mode, which reads the page's free text. The display
HTML is built from trafilatura's cleaned body and then sanitised with nh3: no other HTML is ever kept.

Fingerprints for deduplication live here too: the same text or the same headline, normalised, hashes alike.
"""

import datetime
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from html import unescape

import nh3
import trafilatura
from django.utils import timezone
from htmldate import find_date
from lxml import etree
from trafilatura import metadata as trafilatura_metadata
from trafilatura.utils import line_processing, load_html

logger = logging.getLogger(__name__)

# Shorter normalised titles ("News", "Home") say nothing about identity: no title hash for them.
MIN_TITLE_WORDS_FOR_HASH = 4
# Pages whose body is shorter than this are not articles (a login wall, an index page).
MIN_TEXT_CHARS = 200
DISPLAY_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "em",
    "strong",
    "b",
    "i",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "a",
}


class ExtractionError(Exception):
    """The page holds no article we can read. Permanent: fetching it again gives the same page."""

    permanent = True

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class ExtractedArticle:
    title: str
    author: str
    publisher: str
    published_at: datetime.datetime | None
    text: str
    html_sanitised: str
    date_source: str = ""  # where published_at came from: "metadata", "url", "feed" (set by the pipeline), ""

    # Computed once: the pipeline asks for them several times (dedupe, then the row).
    @cached_property
    def content_hash(self):
        return content_hash(self.text)

    @cached_property
    def title_hash(self):
        return title_hash(self.title)


def _words(text):
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.findall(r"[^\W_]+", text)


def content_hash(text):
    """SHA-256 of the text's words: whitespace, punctuation and case do not change it."""
    words = _words(text)
    if not words:
        return ""
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def title_hash(title):
    """SHA-256 of the headline's words, or "" when the headline is too short to identify a story."""
    words = _words(title)
    if len(words) < MIN_TITLE_WORDS_FOR_HASH:
        return ""
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def sanitise_html(html):
    """The only door for HTML into the database: nh3 with a small set of text tags, links made safe."""
    return nh3.clean(
        html or "",
        tags=DISPLAY_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def _parse_date(value):
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)


def _find_date(tree, url, *, extensive):
    try:
        return find_date(tree, url=url, original_date=True, extensive_search=extensive)
    except Exception:  # htmldate is best-effort: a date we cannot find is no error
        logger.debug("htmldate found no date for %s", url, exc_info=True)
        return None


def _clean_field(value):
    """What trafilatura's Document.clean_and_trim does to a metadata string."""
    if not isinstance(value, str):
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value))


def _metadata(tree, url):
    """Title, author, site name, URL and date of a parsed page: trafilatura's `extract_metadata` steps
    for those fields, in its order, on our tree (htmldate copies the tree before cleaning it)."""
    meta = trafilatura_metadata
    document = meta.examine_meta(tree)
    if document.author and " " not in document.author:
        document.author = None
    try:
        document = meta.extract_meta_json(tree, document)
    except Exception as exc:  # trafilatura's JSON-LD reader has bugs on odd markup; the rest still counts
        logger.debug("JSON-LD metadata unreadable for %s: %s", url, exc)
    if not document.title:
        document.title = meta.extract_title(tree)
    if not document.author:
        document.author = meta.extract_author(tree)
    if not document.url:
        document.url = meta.extract_url(tree, url)
    # Metadata only (meta tags, JSON-LD, time elements): the URL's date is read apart, so that the article
    # records which of the two it came from, and htmldate's free-text search is never asked (see _url_date).
    date = _find_date(tree, None, extensive=False)
    sitename = document.sitename or meta.extract_sitename(tree)
    if sitename:
        sitename = sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    elif document.url:
        found = meta.META_URL.match(document.url)
        sitename = found[1] if found else None
    return {
        "title": _clean_field(document.title),
        "author": _clean_field(document.author),
        "sitename": _clean_field(sitename),
        "url": _clean_field(document.url),
        "date": _clean_field(date),
    }


# Metadata this far from the URL's date loses to it (time zones and late-night posts make a day or two).
URL_DATE_TOLERANCE = datetime.timedelta(days=2)
# A date in the URL path: /2024/03/25/, /2024-03-25-, /20240325/ (a date in a linked file's path is not ours).
_URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)")


def url_date(url):
    """The date in an article URL's path, or None."""
    if not url:
        return None
    from urllib.parse import urlsplit

    found = _URL_DATE_RE.search(urlsplit(url).path)
    if not found:
        return None
    try:
        day = datetime.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)


def _body_html(body):
    """trafilatura's cleaned body (its own XML vocabulary) as HTML, before sanitising."""
    if body is None:
        return ""
    try:
        from trafilatura.htmlprocessing import convert_to_html

        return etree.tostring(convert_to_html(body), encoding="unicode")
    except Exception:  # an internal trafilatura helper: fall back to no display HTML, never to raw HTML
        logger.warning("could not turn the extracted body into HTML", exc_info=True)
        return ""


def extract_article(html, *, url=None):
    """Read one article page. Raises ExtractionError when there is no article to read."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        raise ExtractionError("The page is empty.")
    try:
        tree = load_html(html)
        if tree is None:
            raise ValueError("no HTML tree")
        metadata = _metadata(tree, url)
        # trafilatura works on its own copy of the tree, so the tree stays whole for the date fallback.
        document = trafilatura.bare_extraction(
            tree,
            url=url or metadata["url"],
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_links=False,
            output_format="python",
        )
    except Exception as exc:  # trafilatura raises assorted errors on hostile markup
        raise ExtractionError(f"The page could not be read as HTML ({type(exc).__name__}).") from exc
    if document is None or len((document.text or "").strip()) < MIN_TEXT_CHARS:
        raise ExtractionError("No article text was found on the page (too short, or not an article).")
    # Never htmldate's extensive search: it reads dates from the body's free text and links (a date inside
    # an mp3's path, "through May 1, 2026"), which are not when the article was published.
    published, date_source = _parse_date(metadata["date"]), "metadata"
    in_url = url_date(url) or url_date(metadata["url"])
    if in_url is not None and (published is None or abs(published - in_url) > URL_DATE_TOLERANCE):
        # A CMS writes the publication day into the path when the article is made; metadata days or years
        # away from it is a template's, an update's or another item's date (real pages: 2016 on a 2019 story).
        published, date_source = in_url, "url"
    if published is None:
        date_source = ""
    return ExtractedArticle(
        title=(metadata["title"] or "").strip()[:500],
        author=(metadata["author"] or "").strip()[:300],
        publisher=(metadata["sitename"] or "").strip()[:200],
        published_at=published,
        date_source=date_source,
        text=document.text.strip(),
        html_sanitised=sanitise_html(_body_html(document.body)),
    )


def published_or_now(extracted):
    return extracted.published_at or timezone.now()
