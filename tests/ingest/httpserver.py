"""A real HTTP server on loopback for tests about fetching: no mocked client, so timeouts, redirects,
sizes and compression are real.

    with LocalServer() as server:                       # or the `local_server` fixture
        server.serve("/page", b"<html>...</html>")
        server.redirect("/old", "/page")
        fetch(server.url("/old"), allow_private=True)
        server.requests                                  # what arrived: method, path, headers

Routes match on the path without its query string. Hostile behaviours (trickle, stall, endless body,
gzip bomb) stop writing once the client hangs up or the server stops.
"""

import sys
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"
_DISCONNECTED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-case names


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as real servers use

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server.owner
        path = urlsplit(self.path).path
        server.requests.append(
            RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        responder = server.routes.get(path)
        try:
            if responder is None:
                self.respond(404, b"not found", content_type="text/plain")
            else:
                responder(self)
        except _DISCONNECTED:
            self.close_connection = True

    def respond(self, status, body=b"", *, content_type=HTML, headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def start_chunked(self, status=200, *, content_type=HTML, headers=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data):
        data = data.encode() if isinstance(data, str) else data
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still trickling to a vanished client must not block stop()

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], _DISCONNECTED):  # a client hanging up is what these tests do
            super().handle_error(request, client_address)


class LocalServer:
    """A threaded HTTP/1.1 server on `host`:<ephemeral port> where tests register routes."""

    def __init__(self, host="127.0.0.1", *, ssl_context=None):
        self.host = host
        self.ssl_context = ssl_context  # a server-side SSLContext makes this an https server
        self.routes = {}
        self.requests = []
        self.stopping = threading.Event()
        self._httpd = None
        self._thread = None

    # --- lifecycle
    def start(self):
        self._httpd = _Server((self.host, 0), _Handler)
        if self.ssl_context is not None:
            self._httpd.socket = self.ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    def url(self, path="/"):
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def requests_to(self, path):
        return [r for r in self.requests if urlsplit(r.path).path == path]

    # --- routes
    def add(self, path, responder):
        """Route `path` to `responder(handler)`, which writes the whole response."""
        self.routes[path] = responder

    def serve(self, path, body=b"", *, status=200, content_type=HTML, headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.add(path, lambda h: h.respond(status, body, content_type=content_type, headers=headers))

    def redirect(self, path, location, *, status=302):
        self.add(path, lambda h: h.respond(status, b"", content_type=None, headers={"Location": location}))

    def conditional(self, path, body, *, etag=None, last_modified=None, content_type=HTML):
        """Answer 304 when the request's If-None-Match or If-Modified-Since matches these validators."""
        body = body.encode() if isinstance(body, str) else body
        validators = {k: v for k, v in {"ETag": etag, "Last-Modified": last_modified}.items() if v}

        def respond(h):
            matched = (etag and h.headers.get("If-None-Match") == etag) or (
                last_modified and h.headers.get("If-Modified-Since") == last_modified
            )
            if matched:
                h.send_response(304)
                for name, value in validators.items():
                    h.send_header(name, value)
                h.end_headers()
            else:
                h.respond(200, body, content_type=content_type, headers=validators)

        self.add(path, respond)

    def sized(self, path, size, *, content_type=HTML, declare_length=True):
        """A body of `size` bytes, streamed; with or without a Content-Length saying so."""

        def respond(h):
            if declare_length:
                h.send_response(200)
                h.send_header("Content-Type", content_type)
                h.send_header("Content-Length", str(size))
                h.end_headers()
            else:
                h.start_chunked(content_type=content_type)
            block, left = b"x" * 65536, size
            while left > 0 and not self.stopping.is_set():
                piece = block[: min(left, len(block))]
                if declare_length:
                    h.wfile.write(piece)
                else:
                    h.write_chunk(piece)
                left -= len(piece)
            if not declare_length:
                h.end_chunked()

        self.add(path, respond)

    def endless(self, path, *, content_type=HTML):
        """A chunked body that never ends."""
        self.sized(path, float("inf"), content_type=content_type, declare_length=False)

    def trickle(self, path, *, interval=0.05, content_type=HTML):
        """Slow loris: headers at once, then one byte of body every `interval` seconds, forever."""

        def respond(h):
            h.start_chunked(content_type=content_type)
            while not self.stopping.wait(interval):
                h.write_chunk(b" ")

        self.add(path, respond)

    def stall(self, path, *, content_type=HTML):
        """Headers and a first piece of body, then silence (until the server stops)."""

        def respond(h):
            h.start_chunked(content_type=content_type)
            h.write_chunk(b"<html><body>")
            self.stopping.wait()

        self.add(path, respond)

    def gzip_bomb(self, path, *, decoded_size=2 * 1024**3, content_type=HTML):
        """A gzip body that inflates to `decoded_size` bytes of zeros (about 1 KB on the wire per MB).

        Every 1 MiB block of zeros compresses to the same bytes once the compressor is flushed with
        Z_FULL_FLUSH, so the stream is made of one precomputed block repeated; the CRC for the trailer
        is computed only as blocks go out.
        """
        zeros = bytes(1024 * 1024)
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
        final_block = compressor.flush(zlib.Z_FINISH)[:-8]  # the empty last block, without zlib's trailer
        blocks = decoded_size // len(zeros)

        def respond(h):
            h.start_chunked(content_type=content_type, headers={"Content-Encoding": "gzip"})
            crc = 0
            for index in range(blocks):
                if self.stopping.is_set():
                    return
                h.write_chunk(first if index == 0 else repeated)
                crc = zlib.crc32(zeros, crc)
            size = (blocks * len(zeros)) & 0xFFFFFFFF
            h.write_chunk(final_block + crc.to_bytes(4, "little") + size.to_bytes(4, "little"))
            h.end_chunked()

        self.add(path, respond)


def wait_until(predicate, timeout=5.0, interval=0.01):
    """Poll `predicate` until it is true or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
