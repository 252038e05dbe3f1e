"""Small RSS and Atom documents for the feed and task tests."""

from xml.sax.saxutils import escape


def rss(items, *, title="Dailies test feed", build="Mon, 25 Mar 2024 09:00:00 GMT"):
    """An RSS 2.0 document listing (url, title) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>Mon, 25 Mar 2024 08:00:00 GMT</pubDate></item>"
        for u, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://example.com/</link><description>test</description><lastBuildDate>{build}</lastBuildDate>"
        f"{body}</channel></rss>"
    ).encode()


def atom(items, *, title="Dailies Atom feed"):
    entries = "".join(
        f'<entry><title>{escape(t)}</title><link href="{escape(u)}"/><id>{escape(u)}</id>'
        f"<updated>2024-03-25T08:00:00Z</updated></entry>"
        for u, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>'
        f"<id>urn:dailies:test</id><updated>2024-03-25T09:00:00Z</updated>{entries}</feed>"
    ).encode()


def article_page(title, paragraphs):
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta property='article:published_time' content='2024-03-25T08:00:00Z'></head>"
        f"<body><article><h1>{escape(title)}</h1>{body}</article></body></html>"
    ).encode()


def plain_article(n):
    """A distinct, irrelevant article page (no AI or screen side), long enough to extract."""
    return article_page(
        f"Harbour town story number {n} about the new ferry timetable",
        [
            f"The ferry company published timetable number {n} for the harbour this week, paragraph {i}, "
            f"with sailings every {i + 2} hours and a new stop at the island pier."
            for i in range(6)
        ],
    )
