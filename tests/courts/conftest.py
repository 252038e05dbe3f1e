"""Fixtures for the docket sync tests: a real HTTP server on loopback (see tests/ingest/httpserver.py)."""

import pytest

from tests.ingest.httpserver import LocalServer


@pytest.fixture
def local_server():
    with LocalServer() as server:
        yield server
