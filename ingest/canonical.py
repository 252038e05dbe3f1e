"""Canonical URLs: one spelling per article, so the same page reached by different links is stored once.

`canonical_url(url)` lower-cases the scheme and host, drops `www.`, default ports, credentials, fragments
and tracking parameters, sorts the remaining query parameters, normalises percent-encoding and dot
segments, removes a trailing slash (the root keeps its "/"), and replaces a Google News or Google
redirect link with the publisher's URL when the link carries it. Meaningful queries (`?id=123`, `?p=5`)
stay. The result is a dedup key that still works as a link. `url_hash(url)` is its SHA-256.
"""

import base64
import binascii
import hashlib
import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

# Query parameters that say who shared or clicked a link, never which page it is. Lower case.
TRACKING_PARAMS = frozenset(
    """
    fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid igsh mc_cid
    mc_eid mkt_tok _hsenc _hsmi __hssc __hstc __hsfp hsctatracking _ga _gl ref_src ref_url spm scm
    cmpid cmp ocid taid ncid smid smtyp xtor s_cid wt.mc_id wt.mc_ev oly_anon_id oly_enc_id rb_clickid
    vero_conv vero_id wickedid soc_src soc_trk sr_share srsltid guccounter guce_referrer
    guce_referrer_sig __twitter_impression at_medium at_campaign fb_action_ids fb_action_types fb_ref
    fb_source action_object_map action_type_map action_ref_map ito ns_mchannel ns_source ns_campaign
    ns_linkname ns_fee
    """.split()
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_")  # campaign tags: Google Analytics, Matomo/Piwik, others
DEFAULT_PORTS = {"http": 80, "https": 443}

_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters left as they are in each part; everything else is percent-encoded (as UTF-8).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# In the query '&' and '=' separate parameters, so inside a name or value they stay encoded.
_QUERY_SAFE = "/?:@!$'()*+,;-._~%"
_GOOGLE_HOST = re.compile(r"^(news\.)?google\.[a-z]{2,3}(\.[a-z]{2})?$")
_GOOGLE_NEWS_ARTICLE = re.compile(r"^/(?:__i/)?(?:rss/)?(?:rd/)?(?:articles|read)/([A-Za-z0-9_-]+)")


def canonical_url(url, *, _depth=0):
    """The canonical spelling of an http(s) URL; ValueError when `url` is not one."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r} is not an http or https URL")
    host = _host(parts.hostname)
    port = parts.port  # raises ValueError on a malformed port
    if _depth < 3:
        publisher = _google_target(host, parts.path, parts.query)
        if publisher:
            return canonical_url(publisher, _depth=_depth + 1)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _normalise(_remove_dot_segments(parts.path or "/"), _PATH_SAFE)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, _query(parts.query), ""))


def url_hash(url):
    """SHA-256 (hex) of the canonical URL: a fixed-length key for indexes and caches."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def is_tracking_param(name):
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _host(hostname):
    host = hostname.lower().rstrip(".")
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host  # not a name IDNA can encode (IPv6 literal, odd label): keep it as written


def _normalise(text, safe):
    """One spelling of percent-encoding: unreserved characters decoded, other escapes upper-case."""
    text = _STRAY_PERCENT.sub("%25", text)

    def unescape(match):
        char = chr(int(match.group(1), 16))
        return char if _UNRESERVED.fullmatch(char) else "%" + match.group(1).upper()

    return quote(_ESCAPE.sub(unescape, text), safe=safe)


def _remove_dot_segments(path):
    """RFC 3986 section 5.2.4, so /a/./b/../c and /a/c are one page."""
    if "." not in path:
        return path
    output = []
    for segment in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    trailing = "/" if path.endswith(("/.", "/..")) else ""
    return "/" + "/".join(output) + trailing


def _query(query):
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, eq, value = pair.partition("=")
        if is_tracking_param(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name)):
            continue
        kept.append((_normalise(name, _QUERY_SAFE), eq + _normalise(value, _QUERY_SAFE + "=")))
    return "&".join(name + value for name, value in sorted(kept))


def _google_target(host, path, query):
    """The publisher's URL hidden in a Google News or Google redirect link, or None."""
    if not _GOOGLE_HOST.match(host):
        return None
    if path.endswith("/url"):
        params = dict(parse_qsl(query))
        for name in ("url", "q"):
            target = params.get(name, "")
            if target.lower().startswith(("http://", "https://")):
                return target
        return None
    match = _GOOGLE_NEWS_ARTICLE.match(path) if host.startswith("news.") else None
    return _decode_google_news_id(match.group(1)) if match else None


def _decode_google_news_id(article_id):
    """The URL inside an older Google News article id (base64 of a protobuf whose field 4 is the URL).

    Ids issued since 2024 ("AU_yqL...") are opaque tokens that only Google can resolve: None for those.
    """
    try:
        data = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    if not data.startswith(b"\x08\x13\x22"):
        return None
    length, position, shift = 0, 3, 0
    while position < len(data):  # the URL's length, a protobuf varint
        byte = data[position]
        length |= (byte & 0x7F) << shift
        position += 1
        shift += 7
        if not byte & 0x80:
            break
    raw = data[position : position + length]
    if len(raw) != length:
        return None
    try:
        target = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return target if target.startswith(("http://", "https://")) else None
