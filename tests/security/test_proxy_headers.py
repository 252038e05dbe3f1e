"""Proxy headers are believed only when DJANGO_BEHIND_TLS_PROXY says a proxy sets them.

Found on the running site: gunicorn's own default trusts X-Forwarded-Proto from loopback, so a local
client could pass a plain-http request off as https whatever Django was told. gunicorn.conf.py now
follows the same switch. Each case runs the real gunicorn with the project's config file.
"""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.faults.conftest import free_port
from tests.ingest.httpserver import wait_until

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", str(settings.BASE_DIR / "gunicorn.conf.py")]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(port, path, headers):
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except OSError:
        return None, {}


@pytest.fixture
def gunicorn(tmp_path):
    started = []

    def start(**env):
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
        environment.update(
            DAILIES_TESTING="1", DJANGO_HTTPS="1", DJANGO_ALLOWED_HOSTS="127.0.0.1", GUNICORN_WORKERS="1",
            GUNICORN_BIND=f"127.0.0.1:{port}", **env,
        )
        log = open(tmp_path / f"gunicorn-{port}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [*GUNICORN, "config.wsgi:application"], cwd=settings.BASE_DIR, env=environment, stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        assert wait_until(lambda: _get(port, "/static/css/dailies.css", {})[0] is not None, 30, 0.1), (
            (tmp_path / f"gunicorn-{port}.log").read_text()
        )
        return port

    yield start
    for process, log in started:
        process.terminate()
        process.wait(timeout=10)
        log.close()


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-Protocol": "ssl", "X-Forwarded-Ssl": "on"}


def test_a_forged_forwarded_proto_from_loopback_is_not_believed_without_a_proxy(gunicorn):
    port = gunicorn(DJANGO_BEHIND_TLS_PROXY="0")
    status, headers = _get(port, "/static/css/dailies.css", FORGED)
    assert status == 301 and headers["Location"].startswith("https://"), (status, headers)


def test_behind_a_configured_proxy_its_forwarded_proto_is_believed(gunicorn):
    port = gunicorn(DJANGO_BEHIND_TLS_PROXY="1")
    assert _get(port, "/static/css/dailies.css", {"X-Forwarded-Proto": "https"})[0] == 200
    assert _get(port, "/static/css/dailies.css", {})[0] == 301


def test_gunicorn_trusts_no_peer_unless_told():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_BEHIND_TLS_PROXY"}
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(repr(c['forwarded_allow_ips']), c['secure_scheme_headers'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "'' {}", out.stderr
