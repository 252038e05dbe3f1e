"""Extraction: an article page's HTML in, its title, author, date, plain text and safe HTML out.

trafilatura finds the body and the metadata (it asks htmldate for the date); when it finds no date we ask
htmldate once more in its extensive mode, which reads the URL and the page's free text. The display HTML is
built from trafilatura's cleaned body and then sanitised with nh3: no other HTML is ever kept.

Fingerprints for deduplication live here too: the same text or the same headline, normalised, hashes alike.
"""

import datetime
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass

import nh3
import trafilatura
from django.utils import timezone
from lxml import etree

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

    @property
    def content_hash(self):
        return content_hash(self.text)

    @property
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


def _htmldate_fallback(html, url):
    try:
        from htmldate import find_date

        return find_date(html, url=url, original_date=True, extensive_search=True)
    except Exception:  # htmldate is best-effort: a date we cannot find is no error
        logger.debug("htmldate found no date for %s", url, exc_info=True)
        return None


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
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_links=False,
            output_format="python",
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception as exc:  # trafilatura raises assorted errors on hostile markup
        raise ExtractionError(f"The page could not be read as HTML ({type(exc).__name__}).") from exc
    if document is None or len((document.text or "").strip()) < MIN_TEXT_CHARS:
        raise ExtractionError("No article text was found on the page (too short, or not an article).")
    published = _parse_date(document.date) or _parse_date(_htmldate_fallback(html, url))
    return ExtractedArticle(
        title=(document.title or "").strip()[:500],
        author=(document.author or "").strip()[:300],
        publisher=(document.sitename or "").strip()[:200],
        published_at=published,
        text=document.text.strip(),
        html_sanitised=sanitise_html(_body_html(document.body)),
    )


def published_or_now(extracted):
    return extracted.published_at or timezone.now()
