"""The one fetcher every part of ingest uses: httpx behind an SSRF guard, with hard limits.

`fetch(url)` returns a `FetchResult` or raises a `FetchError` whose `.message` a curator can read and whose
`.permanent` tells the Celery tasks whether a retry could help (every transient error is a
`TransientFetchError`, so `autoretry_for=(TransientFetchError,)` is enough).

Limits: connect and read timeouts, a wall-clock deadline over the whole fetch (redirects and body
included; every socket operation is clamped to the time left, so a server that trickles bytes or hangs
mid-body ends at the deadline), a size cap counted on the *decompressed* body while it streams (gzip and
deflate are inflated here in pieces of at most 64 KiB, so a compression bomb never expands in memory),
at most five redirects (followed by hand, each hop checked again), content types per kind of fetch.

The guard: only http and https, no credentials in URLs, no numeric hosts in decimal, octal or hex
disguise, host names that DNS could hold (labels of 1 to 63 characters, valid IDNA, `xn--` labels
that decode), and no connection to an address that is not public (loopback, private, link-local,
multicast, reserved, unspecified, shared 100.64/10, and IPv4 hidden in IPv6 as mapped, 6to4 or NAT64
addresses). The check runs inside the connection itself: a custom httpcore network backend resolves the
host once, refuses if ANY address is not public, and connects to exactly the addresses it vetted, while
the URL, the Host header and TLS SNI/certificate checks keep the real name. A DNS answer that changes
between the check and the connection (DNS rebinding) therefore cannot slip through, and every redirect
hop opens its connection through the same check. Proxies from the environment are ignored on purpose
(trust_env=False): a proxy would make the connection for us, unchecked.

Every exception a URL or a server can cause ends as a FetchError: a redirect to `javascript:`, `data:` or
`http:foo`, a host `xn--` or `a..b`, a 64-character label, are refused with a message, never a traceback.

DAILIES_FETCH_ALLOW_PRIVATE (tests, the demo) opens loopback only: private ranges stay refused.

Residual risks: the DNS lookup itself (getaddrinfo) is not bounded by the deadline; a public host that
proxies to private space on its own is out of our hands.
"""

import functools
import ipaddress
import re
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx
import idna
from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Media types accepted per kind of fetch. Feeds are often served as plain XML or even HTML.
ACCEPTED_TYPES = {
    "article": {"text/html", "application/xhtml+xml"},
    "feed": set(
        """
        application/rss+xml application/atom+xml application/rdf+xml application/xml text/xml
        application/x-rss+xml application/x-atom+xml application/feed+json application/json
        text/html application/xhtml+xml
        """.split()
    ),
}
ACCEPT_HEADERS = {
    "article": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,application/xml;q=0.8,"
    "text/xml;q=0.8,application/feed+json;q=0.8,application/json;q=0.5,text/html;q=0.3,*/*;q=0.1",
}
_PIECE = 64 * 1024  # largest piece of decompressed body held at once
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
# What DAILIES_FETCH_ALLOW_PRIVATE opens: the tests' and the demo's servers on this machine, nothing more.
LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
# What a URL or a server can make httpx, idna or the resolver raise besides httpx.HTTPError.
_MALFORMED = (httpx.InvalidURL, idna.IDNAError, UnicodeError, ValueError)


# --- Errors ---------------------------------------------------------------------------------------
class FetchError(Exception):
    """A failed fetch: `.message` says why in a sentence, `.permanent` whether retrying is futile."""

    permanent = True

    def __init__(self, message, *, url=None):
        super().__init__(message)
        self.message = message
        self.url = url


class RefusedURL(FetchError):
    """The URL or the address it resolves to is not one we fetch (SSRF guard)."""


class TooLarge(FetchError):
    """The body (after decompression) is bigger than the cap."""


class TooManyRedirects(FetchError):
    """More than MAX_REDIRECTS redirects, or a redirect back to a URL already visited."""


class UnsupportedContentType(FetchError):
    """The server answered with a media type this kind of fetch does not read."""


class BadResponse(FetchError):
    """A malformed answer: a redirect without a location, a corrupt or unknown compression."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx: permanent)."""

    def __init__(self, message, *, url=None, status, retry_after=None):
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after  # seconds, when the server said (429, 503)


class TransientFetchError(FetchError):
    """Trouble that may pass: timeouts, refused or broken connections, DNS failures, the deadline."""

    permanent = False


class DeadlineExceeded(TransientFetchError):
    """The whole fetch took longer than its deadline (a slow or stalling server)."""


class TransientHTTPStatusError(HTTPStatusError, TransientFetchError):
    """5xx, 429 or 408: the server may answer next time."""

    permanent = False


class _DeadlinePassed(Exception):
    """Raised inside the connection when no time is left; fetch() turns it into DeadlineExceeded."""


# --- Result ---------------------------------------------------------------------------------------
@dataclass
class FetchResult:
    requested_url: str
    final_url: str
    status: int
    headers: dict = field(default_factory=dict)  # lower-case names; repeated headers joined with ", "
    content: bytes = b""  # decompressed body (empty for a 304)
    content_type: str = ""  # media type only, lower case, e.g. "text/html"
    charset: str | None = None  # as declared in Content-Type, if it was
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    redirects: list = field(default_factory=list)  # the URLs that redirected, in order, requested URL first

    @property
    def encoding(self):
        return self.charset

    @property
    def text(self):
        try:
            return self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


# --- The address guard ----------------------------------------------------------------------------
def resolve(host, port):
    """Every address `host` resolves to (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransientFetchError(f"Could not look up {host}: {exc.strerror}.") from exc
    except (UnicodeError, ValueError) as exc:  # "a..b", a 64-character label: the idna codec refuses
        raise RefusedURL(f"Refused: {host} is not a valid host name.") from exc
    return [info[4][0] for info in infos]


def non_public_reason(address):
    """Why `address` must not be fetched from ("a loopback address", ...), or None when it is public."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            inner = non_public_reason(ip.ipv4_mapped)
            return f"an IPv4-mapped form of {ip.ipv4_mapped}, {inner}" if inner else None
        embedded = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None and non_public_reason(embedded):
            return f"a form of {embedded}, {non_public_reason(embedded)}"
        if ip in _NAT64_LOCAL or ip.is_site_local:
            return "a site-local address"
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.version == 4 and ip in _SHARED_ADDRESS_SPACE, "a shared (carrier-grade NAT) address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "a non-public address"),
    )
    return next((reason for failed, reason in checks if failed), None)


@dataclass(frozen=True)
class AddressGuard:
    """Which addresses a fetch may connect to.

    allow_private: also connect to loopback (the demo and tests serve from 127.0.0.1); private, link-local
    and every other non-public range stay refused. allow_networks: exceptions to the rule, e.g.
    ("127.0.0.1/32",) lets a test reach one loopback server while 127.0.0.2 stays refused.
    resolver: host, port -> addresses; injectable so tests can make a public-looking name resolve to
    private space without a DNS server.
    """

    allow_private: bool = False
    allow_networks: tuple = ()
    resolver: Callable = resolve

    def vet(self, host, port):
        """The addresses `host` resolves to, all of them allowed; RefusedURL otherwise."""
        host = host.strip("[]")
        try:
            addresses = [ipaddress.ip_address(host)]
            literal = True
        except ValueError:
            addresses = [ipaddress.ip_address(a) for a in dict.fromkeys(map(str, self.resolver(host, port)))]
            literal = False
        if not addresses:
            raise TransientFetchError(f"Could not look up {host}: no addresses.")
        allowed = (*self.allow_networks, *(LOOPBACK_NETWORKS if self.allow_private else ()))
        networks = [ipaddress.ip_network(n) for n in allowed]
        for ip in addresses:
            if any(ip.version == n.version and ip in n for n in networks):
                continue
            reason = non_public_reason(ip)
            if reason:
                where = f"{host} is" if literal else f"{host} resolves to {ip},"
                raise RefusedURL(f"Refused: {where} {reason}.")
        return addresses


def _disguised_number(host):
    """True for 2130706433, 0177.0.0.1, 0x7f.1, 127.1: IPv4 spellings that resolvers accept and hide."""
    if ":" in host or not _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        return False
    try:
        return str(ipaddress.IPv4Address(host)) != host  # Python refuses leading zeros and short forms
    except ValueError:
        return True


def check_url(url):
    """The URL parsed for httpx, or RefusedURL when its form alone rules it out."""
    url = url.strip() if isinstance(url, str) else str(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise RefusedURL(f"Refused: {url} is not a valid web address ({exc}).", url=url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = url if len(url) <= 200 else url[:200] + "…"
        raise RefusedURL(f"Refused: {shown} is not a web address (only http and https are fetched).", url=url)
    if parts.username is not None or parts.password is not None:
        # The URL is not repeated: the message is stored and shown, the password must not be.
        raise RefusedURL(f"Refused: the address of {parts.hostname} carries a user name or password.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedURL(f"Refused: {url} has no host name.", url=url)
    if _disguised_number(host):
        raise RefusedURL(
            f"Refused: {host} is a numeric address in a disguised form (decimal, octal or hex).", url=url
        )
    if not _valid_host_name(host):
        raise RefusedURL(f"Refused: {_shown(host)} is not a valid host name.", url=url)
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 - decodes xn-- labels, raising on a malformed one
        return parsed
    except _MALFORMED as exc:
        raise RefusedURL(f"Refused: {_shown(url)} is not a valid web address ({exc}).", url=url) from exc


def _shown(text, limit=200):
    return text if len(text) <= limit else text[:limit] + "…"


def _valid_host_name(host):
    """An IP literal, or a name DNS can hold: IDNA-encodable, labels of 1-63 characters, 253 in all, and
    every `xn--` label decodable (httpx and the resolver raise on `xn--`, `a..b` or a 64-character label)."""
    if host.startswith("["):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
        idna.decode(ascii_host)
    except (idna.IDNAError, UnicodeError, ValueError):
        # idna follows IDNA 2008 strictly and refuses some names browsers accept (an underscore): fall
        # back to plain ASCII labels, which the resolver takes as they are.
        if not host.isascii() or "xn--" in host.lower():
            return False
        ascii_host = host
    labels = ascii_host.split(".")
    return len(ascii_host) <= 253 and all(1 <= len(label) <= 63 for label in labels)


def refuse_unfetchable(url, *, allow_private=None):
    """RefusedURL for a URL every fetch would refuse, by its form or its literal address: checked when a
    feed is added, so it is refused then rather than failing on every poll. (A name is not resolved here:
    its addresses may change; the fetch checks them.)"""
    target = check_url(url)
    allow = settings.DAILIES_FETCH_ALLOW_PRIVATE if allow_private is None else allow_private
    host = target.host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return target
    AddressGuard(allow_private=bool(allow)).vet(host, target.port)
    return target


# --- Connections through the guard, clamped to the deadline ---------------------------------------
def _time_left(timeout, deadline_at):
    left = deadline_at - time.monotonic()
    if left <= 0:
        raise _DeadlinePassed()
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream, deadline_at):
        self._stream = stream
        self._deadline_at = deadline_at

    def read(self, max_bytes, timeout=None):
        return self._stream.read(max_bytes, _time_left(timeout, self._deadline_at))

    def write(self, buffer, timeout=None):
        self._stream.write(buffer, _time_left(timeout, self._deadline_at))

    def close(self):
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout, self._deadline_at))
        return _DeadlineStream(stream, self._deadline_at)

    def get_extra_info(self, info):
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the guard vetted, resolving each host exactly once."""

    def __init__(self, guard, deadline_at):
        self._guard = guard
        self._deadline_at = deadline_at
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error = None
        for ip in self._guard.vet(host, port):
            try:
                stream = self._sockets.connect_tcp(
                    str(ip), port, _time_left(timeout, self._deadline_at), local_address, socket_options
                )
                return _DeadlineStream(stream, self._deadline_at)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise RefusedURL("Refused: unix sockets are never fetched.")

    def sleep(self, seconds):
        time.sleep(seconds)


@functools.cache
def _ssl_context():
    return httpx.create_ssl_context()  # built once: loading the CA bundle costs milliseconds


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, backend):
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx has no option for httpcore's network backend: its pool is replaced by one that uses ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(), max_connections=4, network_backend=backend
        )


# --- Bodies ---------------------------------------------------------------------------------------
class _Inflater:
    """Decompresses a Content-Encoding in pieces of at most _PIECE bytes (a bomb never expands in memory)."""

    def __init__(self, content_encoding, url):
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BadResponse(
                f"{url} was sent compressed as {', '.join(codings)}, which we cannot read.", url=url
            )
        self.coding = codings[0] if codings else None
        self._url = url
        wbits = 16 + zlib.MAX_WBITS if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if self.coding else None
        self._started = False

    def feed(self, data):
        if self._zlib is None:
            yield data
            return
        while data and not self._zlib.eof:  # bytes after the end of the stream are ignored, as httpx does
            try:
                piece = self._zlib.decompress(data, _PIECE)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._started:
                    # Some servers send raw deflate without the zlib header that HTTP asks for.
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise BadResponse(
                    f"{self._url} sent a corrupt {self.coding} body ({exc}).", url=self._url
                ) from exc
            self._started = True
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail

    def flush(self):
        if self._zlib is not None and not self._zlib.eof:
            try:
                tail = self._zlib.flush(_PIECE)
            except zlib.error:
                tail = b""
            if tail:
                yield tail


def _read_body(response, *, url, max_bytes, deadline_at):
    inflater = _Inflater(response.headers.get("content-encoding"), url)
    declared = response.headers.get("content-length", "")
    if inflater.coding is None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(
            f"{url} is {_megabytes(int(declared))}, more than the {_megabytes(max_bytes)} we read.", url=url
        )
    body = bytearray()

    def take(pieces):
        for piece in pieces:
            body.extend(piece)
            if len(body) > max_bytes:
                raise TooLarge(
                    f"{url} is larger than the {_megabytes(max_bytes)} we read; stopped there.", url=url
                )

    for raw in response.iter_raw(_PIECE):
        take(inflater.feed(raw))
        _time_left(None, deadline_at)  # a server trickling bytes never outlives the deadline
    take(inflater.flush())
    return bytes(body)


def _megabytes(n):
    return f"{n / (1024 * 1024):.3g} MB"


def _media_type(header):
    media_type, _, params = (header or "").partition(";")
    match = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.IGNORECASE)
    return media_type.strip().lower(), (match.group(1) if match else None)


def _retry_after(value):
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


# --- fetch ----------------------------------------------------------------------------------------
def fetch(
    url,
    *,
    etag=None,
    last_modified=None,
    accept="article",
    max_bytes=None,
    deadline=None,
    allow_private=None,
    guard=None,
):
    """GET `url` within every limit of this module; FetchResult, or a FetchError saying why not.

    accept: "article" (HTML) or "feed" (RSS, Atom, RDF, JSON Feed, XML, or HTML for discovery).
    etag / last_modified: the validators stored from the last fetch; a 304 gives not_modified=True.
    max_bytes, deadline (seconds), allow_private default to the DAILIES_FETCH_* settings.
    guard: an AddressGuard, overriding allow_private (tests use it to allow one loopback address).
    """
    if accept not in ACCEPTED_TYPES:
        raise ValueError(f"accept must be one of {sorted(ACCEPTED_TYPES)}, not {accept!r}")
    max_bytes = max_bytes or settings.DAILIES_FETCH_MAX_BYTES
    deadline = deadline or settings.DAILIES_FETCH_DEADLINE
    deadline_at = time.monotonic() + deadline
    if guard is None:
        allow = settings.DAILIES_FETCH_ALLOW_PRIVATE if allow_private is None else allow_private
        guard = AddressGuard(allow_private=bool(allow))
    headers = {
        "User-Agent": settings.DAILIES_FETCH_USER_AGENT,
        "Accept": ACCEPT_HEADERS[accept],
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(
        settings.DAILIES_FETCH_READ_TIMEOUT, connect=settings.DAILIES_FETCH_CONNECT_TIMEOUT
    )
    transport = _GuardedTransport(_GuardedBackend(guard, deadline_at))
    with httpx.Client(
        transport=transport, trust_env=False, follow_redirects=False, timeout=timeout
    ) as client:
        current, redirects = url, []
        while True:
            target = check_url(current)
            try:
                response = client.send(client.build_request("GET", target, headers=headers), stream=True)
            except (httpx.HTTPError, _DeadlinePassed) as exc:
                raise _failure(exc, current, deadline, deadline_at) from exc
            except _MALFORMED as exc:
                # httpx builds the next request of a redirect itself and raises on a Location it cannot
                # parse (javascript:, data:, http:foo, a host xn--).
                raise BadResponse(
                    f"{_shown(current)} answered with an address we cannot follow ({exc}).", url=current
                ) from exc
            try:
                if response.status_code in REDIRECT_STATUSES:
                    current = _next_hop(response, current, redirects)
                    continue
                return _result(
                    response,
                    url,
                    current,
                    redirects,
                    accept=accept,
                    etag=etag,
                    last_modified=last_modified,
                    max_bytes=max_bytes,
                    deadline=deadline,
                    deadline_at=deadline_at,
                )
            except (httpx.HTTPError, _DeadlinePassed) as exc:
                raise _failure(exc, current, deadline, deadline_at) from exc
            except _MALFORMED as exc:
                raise BadResponse(f"{_shown(current)} sent an answer we cannot read ({exc}).", url=current) from exc
            finally:
                response.close()


def _next_hop(response, current, redirects):
    location = response.headers.get("location")
    if not location:
        raise BadResponse(
            f"{current} redirects ({response.status_code}) without saying where to.", url=current
        )
    try:
        following = str(response.url.join(location.strip()))
    except _MALFORMED as exc:
        raise BadResponse(
            f"{current} redirects to an invalid address: {_shown(location)}", url=current
        ) from exc
    redirects.append(current)
    if following in redirects:
        raise TooManyRedirects(
            f"Redirects in a loop: {' → '.join([*redirects, following])}.", url=redirects[0]
        )
    if len(redirects) > MAX_REDIRECTS:
        raise TooManyRedirects(f"{redirects[0]} redirects more than {MAX_REDIRECTS} times.", url=redirects[0])
    return following


def _result(
    response, url, current, redirects, *, accept, etag, last_modified, max_bytes, deadline, deadline_at
):
    status = response.status_code
    common = {
        "requested_url": url,
        "final_url": current,
        "status": status,
        "headers": dict(response.headers),
        "redirects": redirects,
    }
    if status == 304 and (etag or last_modified):
        return FetchResult(
            **common,
            etag=response.headers.get("etag") or etag,
            last_modified=response.headers.get("last-modified") or last_modified,
            not_modified=True,
        )
    if not 200 <= status < 300:
        raise _status_error(response, current)
    content_type, charset = _media_type(response.headers.get("content-type"))
    # A missing Content-Type is let through: the parsers sniff; a wrong one is refused before any body.
    if content_type and content_type not in ACCEPTED_TYPES[accept]:
        raise UnsupportedContentType(
            f"{current} is {content_type}, not something we read as an {accept}.", url=current
        )
    content = _read_body(response, url=current, max_bytes=max_bytes, deadline_at=deadline_at)
    return FetchResult(
        **common,
        content=content,
        content_type=content_type,
        charset=charset,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
    )


def _status_error(response, url):
    status = response.status_code
    reason = response.reason_phrase or "error"
    retry_after = _retry_after(response.headers.get("retry-after"))
    if status >= 500 or status in (408, 429):
        return TransientHTTPStatusError(
            f"{url} answered {status} {reason}; we will try again later.",
            url=url,
            status=status,
            retry_after=retry_after,
        )
    if status == 304:
        return TransientHTTPStatusError(
            f"{url} answered 304 to a request that was not conditional.", url=url, status=status
        )
    return HTTPStatusError(
        f"{url} answered {status} {reason}.", url=url, status=status, retry_after=retry_after
    )


def _failure(exc, url, deadline, deadline_at):
    """The FetchError a curator reads for a network-level failure."""
    host = urlsplit(url).hostname or url
    if isinstance(exc, _DeadlinePassed) or time.monotonic() >= deadline_at:
        return DeadlineExceeded(
            f"Gave up on {url}: no complete answer within the {deadline:g}-second limit.", url=url
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return TransientFetchError(f"Timed out connecting to {host}.", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return TransientFetchError(f"{host} stopped answering (timed out).", url=url)
    if isinstance(exc, httpx.ConnectError):
        detail = "its certificate could not be verified" if "CERTIFICATE" in str(exc) else str(exc)
        return TransientFetchError(f"Could not connect to {host}: {detail}.", url=url)
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc):
        return BadResponse(f"{url} redirects to an address that is not valid ({exc}).", url=url)
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransientFetchError(f"{host} broke off or garbled its answer ({exc}).", url=url)
    if isinstance(exc, httpx.InvalidURL):
        return RefusedURL(f"Refused: {url} is not a valid web address ({exc}).", url=url)
    return TransientFetchError(f"Network trouble talking to {host} ({exc}).", url=url)
