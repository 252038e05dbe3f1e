"""A loopback HTTP server that takes webhook POSTs and records them (body, headers, arrival time)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Hook:
    path: str
    headers: dict  # lower-case names
    body: bytes
    arrived: float  # time.monotonic()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's naming
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        with owner.lock:
            owner.hooks.append(Hook(path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()))
        status = owner.statuses.get(path, 204)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):  # noqa: A002 - quiet test output
        pass


class WebhookServer:
    def __init__(self):
        self.hooks = []
        self.statuses = {}  # path -> status code answered (default 204)
        self.lock = threading.Lock()

    def __enter__(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path):
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def to(self, path):
        return [h for h in self.hooks if h.path == path]
