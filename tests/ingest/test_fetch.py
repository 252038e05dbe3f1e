"""The fetcher against a real HTTP server on loopback: limits, the address guard, readable errors."""

import gzip
import shutil
import socket
import ssl
import subprocess
import time
import tracemalloc
import zlib

import pytest

from ingest.fetch import (
    AddressGuard,
    DeadlineExceeded,
    FetchError,
    HTTPStatusError,
    RefusedURL,
    TooLarge,
    TooManyRedirects,
    TransientFetchError,
    TransientHTTPStatusError,
    UnsupportedContentType,
    fetch,
)
from tests.ingest.httpserver import LocalServer

MB = 1024 * 1024
PAGE = "<html><head><title>Sora</title></head><body><p>OpenAI met studios.</p></body></html>"
# Lets the tests reach the fixture's server (127.0.0.1) and nothing else that is private.
ONLY_LOCAL_SERVER = AddressGuard(allow_networks=("127.0.0.1/32",))


def resolver_mapping(names):
    """A resolver standing in for DNS: name -> addresses (no DNS server here)."""
    return lambda host, port: names[host]


# --- Fetching what is allowed -----------------------------------------------------------------------
def test_fetches_a_page_from_loopback_when_private_addresses_are_allowed(local_server):
    local_server.serve("/story", PAGE)

    result = fetch(local_server.url("/story"), allow_private=True)

    assert result.status == 200
    assert result.content == PAGE.encode()
    assert (result.content_type, result.charset, result.encoding) == ("text/html", "utf-8", "utf-8")
    assert result.final_url == result.requested_url == local_server.url("/story")
    assert result.not_modified is False and result.redirects == []
    sent = local_server.requests[0].headers
    assert sent["user-agent"] == "DailiesBot/0.1 (+https://github.com/dailies)"
    assert sent["accept-encoding"] == "gzip, deflate"


def test_loopback_follows_the_allow_private_setting(local_server, settings):
    local_server.serve("/story", PAGE)

    settings.DAILIES_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(RefusedURL):
        fetch(local_server.url("/story"))
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    assert fetch(local_server.url("/story")).content == PAGE.encode()
    assert len(local_server.requests) == 1


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw deflate"])
def test_compressed_bodies_are_decompressed(local_server, coding):
    compressed = {
        "gzip": gzip.compress(PAGE.encode()),
        "deflate": zlib.compress(PAGE.encode()),
        "raw deflate": zlib.compress(PAGE.encode())[2:-4],
    }[coding]
    local_server.serve("/story", compressed, headers={"Content-Encoding": coding.split()[-1]})

    assert fetch(local_server.url("/story"), guard=ONLY_LOCAL_SERVER).content == PAGE.encode()


def test_redirects_are_followed_and_recorded(local_server):
    local_server.redirect("/old", "/moved", status=301)
    local_server.redirect("/moved", local_server.url("/story"), status=307)
    local_server.serve("/story", PAGE)

    result = fetch(local_server.url("/old"), guard=ONLY_LOCAL_SERVER)

    assert result.final_url == local_server.url("/story")
    assert result.redirects == [local_server.url("/old"), local_server.url("/moved")]


def test_conditional_get_with_the_stored_etag_gets_not_modified(local_server):
    local_server.conditional("/feed", "<rss/>", etag='"v1"', content_type="application/rss+xml")
    first = fetch(local_server.url("/feed"), accept="feed", guard=ONLY_LOCAL_SERVER)

    again = fetch(local_server.url("/feed"), accept="feed", etag=first.etag, guard=ONLY_LOCAL_SERVER)

    assert first.etag == '"v1"' and first.content == b"<rss/>"
    assert again.not_modified is True and again.status == 304 and again.content == b""
    assert again.etag == '"v1"'
    assert local_server.requests[1].headers["if-none-match"] == '"v1"'


def test_conditional_get_with_the_stored_last_modified_gets_not_modified(local_server):
    stamp = "Wed, 21 Oct 2024 07:28:00 GMT"
    local_server.conditional("/feed", "<rss/>", last_modified=stamp, content_type="application/rss+xml")

    result = fetch(local_server.url("/feed"), accept="feed", last_modified=stamp, guard=ONLY_LOCAL_SERVER)

    assert result.not_modified is True and result.last_modified == stamp


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("article", "text/html"),
        ("article", "application/xhtml+xml"),
        ("article", None),
        ("feed", "application/rss+xml"),
        ("feed", "application/atom+xml"),
        ("feed", "text/xml; charset=latin-1"),
        ("feed", "application/feed+json"),
        ("feed", "text/html"),
    ],
)
def test_content_types_each_kind_of_fetch_reads(local_server, accept, content_type):
    local_server.serve("/doc", "<x/>", content_type=content_type)

    assert fetch(local_server.url("/doc"), accept=accept, guard=ONLY_LOCAL_SERVER).content == b"<x/>"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("article", "image/png"),
        ("article", "application/rss+xml"),
        ("article", "application/pdf"),
        ("feed", "application/octet-stream"),
        ("feed", "image/svg+xml"),
    ],
)
def test_other_content_types_are_refused_for_good(local_server, accept, content_type):
    local_server.serve("/doc", b"\x89PNG", content_type=content_type)

    with pytest.raises(UnsupportedContentType) as refused:
        fetch(local_server.url("/doc"), accept=accept, guard=ONLY_LOCAL_SERVER)
    assert refused.value.permanent
    assert content_type in refused.value.message


# --- The address guard ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://192.168.1.1:8080/admin", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://100.64.0.1/", "shared (carrier-grade NAT)"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped form of 127.0.0.1, a loopback address"),
        ("http://[2002:7f00:1::]/", "a form of 127.0.0.1, a loopback address"),  # 6to4
        ("http://[64:ff9b::a00:1]/", "a form of 10.0.0.1, a private address"),  # NAT64
        ("http://2130706433/", "disguised"),  # 127.0.0.1 in decimal
        ("http://0177.0.0.1/", "disguised"),  # octal
        ("http://0x7f.1/", "disguised"),  # hex, short form
        ("http://127.1/", "disguised"),
        ("file:///etc/passwd", "not a web address"),
        ("gopher://127.0.0.1:70/_HELO", "not a web address"),
        ("ftp://example.com/file", "not a web address"),
        ("data:text/html,<script>alert(1)</script>", "not a web address"),
        ("http://admin:secret@example.com/", "carries a user name or password"),
    ],
)
def test_addresses_that_are_not_public_web_addresses_are_refused(url, reason):
    with pytest.raises(RefusedURL) as refused:
        fetch(url, allow_private=False)
    assert reason in refused.value.message
    assert refused.value.message.startswith("Refused: ")
    assert refused.value.permanent
    assert "secret" not in refused.value.message


def test_disguised_numeric_hosts_are_refused_even_when_private_addresses_are_allowed(local_server):
    with pytest.raises(RefusedURL):
        fetch(f"http://2130706433:{local_server.port}/", allow_private=True)
    assert local_server.requests == []


def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused():
    guard = AddressGuard(resolver=resolver_mapping({"www.example.test": ["10.0.0.5"]}))

    with pytest.raises(RefusedURL) as refused:
        fetch("https://www.example.test/story", guard=guard)
    assert refused.value.message == "Refused: www.example.test resolves to 10.0.0.5, a private address."


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    guard = AddressGuard(
        resolver=resolver_mapping({"mixed.example.test": ["93.184.216.34", "::ffff:192.168.0.1"]})
    )

    with pytest.raises(
        RefusedURL, match="mixed.example.test resolves to ::ffff:c0a8:1, an IPv4-mapped form of 192.168.0.1"
    ):
        fetch("http://mixed.example.test/", guard=guard)


def test_the_connection_goes_to_the_vetted_address_under_the_real_host_name(local_server):
    # One resolution, checked and then connected to: no second DNS answer can rebind the name elsewhere.
    lookups = []
    guard = AddressGuard(
        allow_networks=("127.0.0.1/32",),
        resolver=lambda host, port: lookups.append(host) or ["127.0.0.1"],
    )
    local_server.serve("/story", PAGE)

    result = fetch(f"http://publisher.test:{local_server.port}/story", guard=guard)

    assert result.content == PAGE.encode()
    assert lookups == ["publisher.test"]
    assert local_server.requests[0].headers["host"] == f"publisher.test:{local_server.port}"


def test_https_goes_to_the_vetted_address_and_checks_the_certificate_against_the_real_name(
    tmp_path, monkeypatch
):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "1", "-keyout", key, "-out", cert, "-subj", "/CN=publisher.test",
         "-addext", "subjectAltName=DNS:publisher.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    monkeypatch.setattr("ingest.fetch._ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
    guard = AddressGuard(allow_networks=("127.0.0.1/32",), resolver=lambda host, port: ["127.0.0.1"])
    with LocalServer(ssl_context=server_context) as server:
        server.serve("/story", PAGE)

        assert fetch(f"https://publisher.test:{server.port}/story", guard=guard).content == PAGE.encode()
        with pytest.raises(TransientFetchError, match="certificate could not be verified"):
            fetch(f"https://impostor.test:{server.port}/story", guard=guard)


def test_a_redirect_from_an_allowed_server_into_private_space_is_refused(local_server):
    internal = LocalServer(host="127.0.0.2")
    try:
        internal.start()
    except OSError:
        pytest.skip("127.0.0.2 is not a loopback address on this system (Linux has all of 127/8)")
    try:
        internal.serve("/secrets", "admin panel")
        local_server.redirect("/story", internal.url("/secrets"))

        with pytest.raises(RefusedURL) as refused:
            fetch(local_server.url("/story"), guard=ONLY_LOCAL_SERVER)

        assert refused.value.message == "Refused: 127.0.0.2 is a loopback address."
        assert internal.requests == []
    finally:
        internal.stop()


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://intranet.example.test/", "file:///etc/passwd"],
)
def test_every_redirect_hop_is_checked(local_server, location):
    guard = AddressGuard(
        allow_networks=("127.0.0.1/32",),
        resolver=resolver_mapping({"intranet.example.test": ["10.1.2.3"]}),
    )
    local_server.redirect("/story", location)

    with pytest.raises(RefusedURL):
        fetch(local_server.url("/story"), guard=guard)


# --- Limits -----------------------------------------------------------------------------------------
def test_a_redirect_loop_stops_with_too_many_redirects(local_server):
    local_server.redirect("/a", "/b")
    local_server.redirect("/b", "/a")

    with pytest.raises(TooManyRedirects) as stopped:
        fetch(local_server.url("/a"), guard=ONLY_LOCAL_SERVER)
    assert stopped.value.permanent and "loop" in stopped.value.message
    assert len(local_server.requests) == 2


def test_five_redirects_are_followed_and_a_sixth_is_too_many(local_server):
    for hop in range(10):
        local_server.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    local_server.serve("/hop/5", PAGE)

    assert len(fetch(local_server.url("/hop/0"), guard=ONLY_LOCAL_SERVER).redirects) == 5
    local_server.redirect("/hop/5", "/hop/6")
    local_server.requests.clear()
    with pytest.raises(TooManyRedirects, match="more than 5 times"):
        fetch(local_server.url("/hop/0"), guard=ONLY_LOCAL_SERVER)
    assert len(local_server.requests) == 6


def test_a_streamed_body_over_the_cap_is_cut_at_the_cap(local_server):
    local_server.sized("/huge", 50 * MB, declare_length=False)

    with pytest.raises(TooLarge) as cut:
        fetch(local_server.url("/huge"), max_bytes=1 * MB, guard=ONLY_LOCAL_SERVER)
    assert cut.value.permanent and "1 MB" in cut.value.message


def test_the_default_cap_cuts_a_50_mb_body_at_15_mb(local_server, settings):
    assert settings.DAILIES_FETCH_MAX_BYTES == 15 * MB
    local_server.sized("/huge", 50 * MB, declare_length=False)

    with pytest.raises(TooLarge, match="15 MB"):
        fetch(local_server.url("/huge"), guard=ONLY_LOCAL_SERVER)


def test_a_declared_length_over_the_cap_is_refused_before_reading(local_server):
    local_server.sized("/huge", 50 * MB, declare_length=True)

    with pytest.raises(TooLarge, match="is 50 MB"):
        fetch(local_server.url("/huge"), max_bytes=1 * MB, guard=ONLY_LOCAL_SERVER)


def test_a_body_exactly_at_the_cap_is_read(local_server):
    local_server.sized("/full", 1 * MB, declare_length=False)

    assert len(fetch(local_server.url("/full"), max_bytes=1 * MB, guard=ONLY_LOCAL_SERVER).content) == 1 * MB


def test_an_endless_body_stops_at_the_cap(local_server):
    local_server.endless("/endless")

    with pytest.raises(TooLarge):
        fetch(local_server.url("/endless"), max_bytes=2 * MB, guard=ONLY_LOCAL_SERVER)


def test_a_gzip_bomb_stops_at_the_cap_with_bounded_memory(local_server):
    local_server.gzip_bomb("/bomb", decoded_size=2 * 1024 * MB)

    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            fetch(local_server.url("/bomb"), max_bytes=1 * MB, guard=ONLY_LOCAL_SERVER)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB  # the cap plus pieces of 64 KiB, never the gigabytes the body inflates to


def test_a_slow_loris_server_is_given_up_on_at_the_deadline(local_server):
    local_server.trickle("/slow", interval=0.05)  # a byte every 50 ms: no read ever times out
    started = time.monotonic()

    with pytest.raises(DeadlineExceeded) as gave_up:
        fetch(local_server.url("/slow"), deadline=1, guard=ONLY_LOCAL_SERVER)
    assert time.monotonic() - started < 5  # a limit of 1 s, with room for a loaded machine
    assert not gave_up.value.permanent and "1-second limit" in gave_up.value.message


def test_a_server_that_stalls_mid_body_is_given_up_on_at_the_deadline_not_the_read_timeout(
    local_server, settings
):
    settings.DAILIES_FETCH_READ_TIMEOUT = 60
    local_server.stall("/stall")
    started = time.monotonic()

    with pytest.raises(DeadlineExceeded):
        fetch(local_server.url("/stall"), deadline=1, guard=ONLY_LOCAL_SERVER)
    assert time.monotonic() - started < 5


# --- Errors: permanent or transient -----------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_client_errors_are_permanent(local_server, status):
    local_server.serve("/gone", "no", status=status)

    with pytest.raises(HTTPStatusError) as failed:
        fetch(local_server.url("/gone"), guard=ONLY_LOCAL_SERVER)
    assert failed.value.status == status and failed.value.permanent
    assert not isinstance(failed.value, TransientFetchError)
    assert str(status) in failed.value.message


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_server_errors_and_rate_limits_are_transient(local_server, status):
    local_server.serve("/busy", "later", status=status, headers={"Retry-After": "120"})

    with pytest.raises(TransientHTTPStatusError) as failed:
        fetch(local_server.url("/busy"), guard=ONLY_LOCAL_SERVER)
    assert failed.value.status == status and not failed.value.permanent
    assert isinstance(failed.value, TransientFetchError)  # what the Celery tasks retry on
    assert failed.value.retry_after == 120


def test_a_refused_connection_is_transient():
    with socket.socket() as probe:  # a port that was free a moment ago, with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(TransientFetchError, match="Could not connect to 127.0.0.1") as failed:
        fetch(f"http://127.0.0.1:{port}/", guard=ONLY_LOCAL_SERVER)
    assert not failed.value.permanent


def test_a_lookup_failure_is_transient():
    def no_dns(host, port):
        raise TransientFetchError(f"Could not look up {host}: Temporary failure in name resolution.")

    with pytest.raises(TransientFetchError, match="Could not look up news.example.test"):
        fetch("https://news.example.test/", guard=AddressGuard(resolver=no_dns))


def test_every_fetch_error_says_whether_it_is_permanent_by_its_class():
    for error_class in FetchError.__subclasses__() + [TransientHTTPStatusError, DeadlineExceeded]:
        kwargs = {"status": 503} if issubclass(error_class, HTTPStatusError) else {}
        error = error_class("message", **kwargs)
        assert error.permanent == (not isinstance(error, TransientFetchError)), error_class


def test_an_unknown_kind_of_fetch_is_a_programming_error():
    with pytest.raises(ValueError):
        fetch("https://example.com/", accept="image")
