"""Canonical URLs: the same article reached by different links gets one spelling (the dedup key)."""

import hashlib

import pytest

from ingest.canonical import canonical_url, url_hash

# An older Google News article id: base64 of a protobuf carrying the publisher's URL.
GOOGLE_NEWS_ID = (
    "CBMiSGh0dHBzOi8vd3d3LnRoZXZlcmdlLmNvbS8yMDI0LzIvMTUv"
    "MjQwNzQxNTEvb3BlbmFpLXNvcmEtdGV4dC10by12aWRlby1hadIBAA"
)
# An id issued since 2024: an opaque token that only Google can resolve.
OPAQUE_GOOGLE_NEWS_ID = "CBMiqwFBVV95cUxNMTRqdUZpNl9hQldXbGo2YVVLOGFQdmFLYk5ab0hwTUxPQ1VqZUxvRVNxNFZXc1ZPOEN3"

CASES = [
    # (what, link, canonical)
    ("scheme and host are lower-cased", "HTTPS://Example.COM/News/Story", "https://example.com/News/Story"),
    ("www. is dropped", "https://www.example.com/a", "https://example.com/a"),
    ("a www-only name is kept", "https://www.com/a", "https://www.com/a"),
    ("default http port is dropped", "http://example.com:80/a", "http://example.com/a"),
    ("default https port is dropped", "https://example.com:443/a", "https://example.com/a"),
    ("other ports are kept", "https://example.com:8443/a", "https://example.com:8443/a"),
    ("the fragment is dropped", "https://example.com/a#comments", "https://example.com/a"),
    (
        "utm parameters are dropped",
        "https://example.com/a?utm_source=rss&utm_medium=feed",
        "https://example.com/a",
    ),
    (
        "click ids are dropped",
        "https://example.com/a?fbclid=IwAR0&gclid=Cj0&msclkid=x&dclid=y",
        "https://example.com/a",
    ),
    (
        "mailing-list ids are dropped",
        "https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4",
        "https://example.com/a",
    ),
    (
        "tracking names match in any case",
        "https://example.com/a?UTM_Source=x&FBCLID=y",
        "https://example.com/a",
    ),
    (
        "meaningful parameters stay",
        "https://example.com/article?id=123",
        "https://example.com/article?id=123",
    ),
    ("a WordPress ?p= stays", "https://example.com/?p=5&utm_campaign=x", "https://example.com/?p=5"),
    (
        "remaining parameters are sorted",
        "https://example.com/s?z=1&a=2&m=3",
        "https://example.com/s?a=2&m=3&z=1",
    ),
    (
        "repeated parameters keep every value",
        "https://example.com/s?tag=b&tag=a",
        "https://example.com/s?tag=a&tag=b",
    ),
    ("an empty query is dropped", "https://example.com/a?", "https://example.com/a"),
    ("a trailing slash is removed", "https://example.com/news/story/", "https://example.com/news/story"),
    ("the root keeps its slash", "https://example.com/", "https://example.com/"),
    ("an empty path becomes the root", "https://example.com", "https://example.com/"),
    ("dot segments are resolved", "https://example.com/a/./b/../c", "https://example.com/a/c"),
    (
        "unreserved escapes are decoded",
        "https://example.com/%7Euser/%41rticle",
        "https://example.com/~user/Article",
    ),
    (
        "reserved escapes stay, in upper case",
        "https://example.com/a%2fb?q=x%26y",
        "https://example.com/a%2Fb?q=x%26y",
    ),
    ("non-ASCII paths are percent-encoded", "https://example.com/café", "https://example.com/caf%C3%A9"),
    ("spaces are encoded", "https://example.com/a b?q=c d", "https://example.com/a%20b?q=c%20d"),
    ("a stray percent sign is encoded", "https://example.com/100%-ai", "https://example.com/100%25-ai"),
    ("credentials are dropped", "https://user:secret@example.com/a", "https://example.com/a"),
    ("a trailing dot on the host is dropped", "https://example.com./a", "https://example.com/a"),
    ("international names become punycode", "https://bücher.example/a", "https://xn--bcher-kva.example/a"),
    ("IPv6 hosts keep their brackets", "http://[2001:DB8::1]:8080/a/", "http://[2001:db8::1]:8080/a"),
    ("surrounding whitespace is ignored", "  https://example.com/a \n", "https://example.com/a"),
    (
        "Google redirect links give the publisher's URL",
        "https://www.google.com/url?rct=j&sa=t&url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews%2Fai-film%3Futm_source%3Dg&usg=A",
        "https://bbc.co.uk/news/ai-film",
    ),
    (
        "Google ?q= redirects too",
        "https://www.google.co.uk/url?q=https://variety.com/2024/film/sora/&sa=U",
        "https://variety.com/2024/film/sora",
    ),
    (
        "old Google News redirects",
        "https://news.google.com/news/url?sa=t&fd=R&url=https://deadline.com/strike/&usg=x",
        "https://deadline.com/strike",
    ),
    (
        "Google News article ids that embed the URL are decoded",
        f"https://news.google.com/rss/articles/{GOOGLE_NEWS_ID}?oc=5",
        "https://theverge.com/2024/2/15/24074151/openai-sora-text-to-video-ai",
    ),
    (
        "opaque Google News ids stay as links",
        f"https://news.google.com/rss/articles/{OPAQUE_GOOGLE_NEWS_ID}?oc=5",
        f"https://news.google.com/rss/articles/{OPAQUE_GOOGLE_NEWS_ID}?oc=5",
    ),
    (
        "a Google search page is not a redirect",
        "https://www.google.com/search?q=sora",
        "https://google.com/search?q=sora",
    ),
    (
        "a redirect to a non-web address is not followed",
        "https://www.google.com/url?q=javascript:alert(1)",
        "https://google.com/url?q=javascript:alert(1)",
    ),
]


@pytest.mark.parametrize(("link", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_canonical_url(link, expected):
    assert canonical_url(link) == expected


def test_canonical_url_is_idempotent():
    for _, link, _ in CASES:
        once = canonical_url(link)
        assert canonical_url(once) == once


def test_links_to_one_article_from_different_places_share_one_canonical_url():
    links = [
        "https://www.example.com/news/ai-actors/?utm_source=twitter&utm_medium=social",
        "https://example.com:443/news/ai-actors#top",
        "https://EXAMPLE.com/news/./ai-actors/?fbclid=abc",
        "https://www.google.com/url?url=https://example.com/news/ai-actors&sa=t",
    ]
    assert len({canonical_url(link) for link in links}) == 1
    assert len({url_hash(link) for link in links}) == 1


def test_url_hash_is_the_sha256_of_the_canonical_url():
    expected = hashlib.sha256(b"https://example.com/a?id=1").hexdigest()
    assert url_hash("https://www.example.com/a/?id=1&utm_source=x") == expected


@pytest.mark.parametrize(
    "link", ["ftp://example.com/a", "mailto:someone@example.com", "/relative/path", "", "https://"]
)
def test_anything_but_an_absolute_web_address_is_a_value_error(link):
    with pytest.raises(ValueError):
        canonical_url(link)
