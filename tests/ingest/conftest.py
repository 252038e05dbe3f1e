"""Fixtures for ingest tests: a real HTTP server on loopback (see tests/ingest/httpserver.py)."""

import pytest

from tests.ingest.httpserver import LocalServer


@pytest.fixture
def local_server():
    """A threaded HTTP server on 127.0.0.1:<ephemeral port>; register routes, then fetch its url()."""
    with LocalServer() as server:
        yield server
