"""`make stack` and the README's PostgreSQL command, run as a newcomer runs them.

Each test runs the real command (make, honcho, runserver, a Celery worker and beat) in this checkout
on a fresh PostgreSQL database of its own (which the command must create) and a private Redis, on a
free port; it checks what a newcomer would: the timeline is served with the curated data and sample, a
URL submitted in the admin is ingested by the worker, beat polls a feed; then one SIGINT to the process
group (a Ctrl-C) stops everything. Slow by nature (a fresh database is migrated): kept to two tests.
"""

import http.cookiejar
import os
import re
import signal
import subprocess
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest

from tests.faults.conftest import ROOT, free_port
from tests.ingest.feed_fixtures import plain_article, rss
from tests.ingest.httpserver import LocalServer, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("stack")]

SERVER = "postgres://postgres@127.0.0.1:5432"
START_TIMEOUT = 300  # a fresh database: migrations, the curated data and the sample
WORK_TIMEOUT = 90


def _query(database, sql, params=()):
    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def _drop(database):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _status(url, opener=None):
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def processes_with(marker):
    """Pids of the live processes whose environment holds `marker` (bytes)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if b"\0" + marker + b"\0" in b"\0" + environ.read() + b"\0" and "Z" not in _state(entry):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _state(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def _as_in_a_terminal():
    """Ctrl-C reaches the command as it does a newcomer's: a suite started in the background by a
    non-interactive shell (`make test &`, as CI scripts may) inherits SIGINT ignored, and Python then keeps
    it ignored, so the demo would never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Command:
    """A shell command started in its own process group, as a terminal runs it, with its log in a file."""

    def __init__(self, command, env, log_path, *, database_url):
        self.log_path = log_path
        self.marker = f"DATABASE_URL={database_url}".encode()
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_as_in_a_terminal,
            )

    def log(self):
        return self.log_path.read_text(errors="replace")

    def group_alive(self):
        """True while the command or anything it started still runs. honcho gives each process a session
        of its own, so they are found by the environment they share (DATABASE_URL is unique per test)."""
        if self.process.poll() is None:
            return True
        return bool(processes_with(self.marker))

    def ctrl_c(self):
        os.killpg(self.process.pid, signal.SIGINT)

    def kill(self):
        """Whatever is left, however it was started (a failed test must not leave a stack running)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in processes_with(self.marker):
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)


def newcomer_env(**extra):
    """This shell's environment without the test run's settings: a newcomer has none of them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DAILIES_", "DATABASE_URL", "CELERY_", "REDIS_URL", "PYTEST", "AXES_"))}
    env.update(extra)
    return env


def readme_command(marker):
    """The README's shell line containing `marker`."""
    readme = (ROOT / "README.md").read_text()
    return next(line.strip() for line in readme.splitlines() if marker in line and "make " in line)


@pytest.fixture
def fresh_database():
    name = f"dailies_newcomer_{uuid.uuid4().hex[:8]}"
    yield name
    _drop(name)


@pytest.fixture
def private_redis_url(tmp_path):
    from tests.faults.conftest import PrivateRedis

    server = PrivateRedis(tmp_path).start()
    yield server.url(0)
    server.stop()


def _log_in(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, fields):
        with opener.open(base + path, timeout=10) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(base + path, data=data, headers={"Referer": base + path})
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()

    status, _ = post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})
    assert status == 200
    return post


def test_make_stack_serves_the_timeline_ingests_a_submitted_url_polls_a_feed_and_stops_on_one_ctrl_c(
    tmp_path, fresh_database, private_redis_url
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"{SERVER}/{fresh_database}"
    with LocalServer() as news:
        news.serve("/submitted-story", plain_article(11))
        news.serve("/feed-story", plain_article(12))
        news.serve("/feed.xml", rss([(news.url("/feed-story"), "From the feed")]), content_type="application/rss+xml")
        env = newcomer_env(
            DATABASE_URL=database_url, CELERY_BROKER_URL=private_redis_url, DEMO_ADDR=f"127.0.0.1:{port}",
            DAILIES_FETCH_ALLOW_PRIVATE="1",  # the news server of this test is on loopback
            DAILIES_BEAT_INTERVAL="5",  # beat's tick, a minute by default
        )
        stack = Command("make stack", env, tmp_path / "stack.log", database_url=database_url)
        try:
            assert wait_until(lambda: _status(base + "/") == 200, START_TIMEOUT, 0.5), stack.log()[-4000:]
            assert _query(fresh_database, "SELECT count(*) FROM events_event WHERE status = 'published'")[0][0] > 0
            assert _query(fresh_database, "SELECT count(*) FROM ingest_article")[0][0] > 0  # the sample

            hint = re.search(r"make a user with (.*createsuperuser)", stack.log()).group(1)
            assert f"DATABASE_URL={database_url}" in hint
            created = subprocess.run(
                ["bash", "-c", f"{hint} --noinput --username newcomer --email n@example.com"], cwd=ROOT,
                env={**newcomer_env(), "DJANGO_SUPERUSER_PASSWORD": "a-long-pass-phrase-9"}, capture_output=True,
                text=True, timeout=120,
            )
            assert created.returncode == 0, created.stderr
            post = _log_in(base, "newcomer", "a-long-pass-phrase-9")
            status, page = post("/admin/ingest/article/submit/", {"url": news.url("/submitted-story")})
            assert status == 200 and "Queued" in page

            def ingested(path):
                rows = _query(fresh_database, "SELECT status FROM ingest_article WHERE url = %s", [news.url(path)])
                return rows and rows[0][0] not in ("pending", "failed")

            assert wait_until(lambda: ingested("/submitted-story"), WORK_TIMEOUT, 0.5), stack.log()[-4000:]

            added = subprocess.run(
                ["bash", "-c", f".venv/bin/python manage.py add_feed {news.url('/feed.xml')}"], cwd=ROOT,
                env=newcomer_env(DATABASE_URL=database_url, DJANGO_DEBUG="1", DAILIES_FETCH_ALLOW_PRIVATE="1"),
                capture_output=True, text=True, timeout=120,
            )
            assert added.returncode == 0, added.stderr
            assert wait_until(lambda: ingested("/feed-story"), WORK_TIMEOUT, 0.5), stack.log()[-4000:]

            stack.ctrl_c()
            assert wait_until(lambda: not stack.group_alive(), 60, 0.2), stack.log()[-3000:]
        finally:
            stack.kill()
    log = stack.log()
    for name in ("web", "worker", "beat"):
        assert re.search(rf"^\S+ {name}\.1\s+\|", log, re.MULTILINE), f"no {name} lines in the log"
    assert "Traceback" not in log


def test_the_readme_postgresql_command_works_on_a_fresh_database_as_pasted(tmp_path, fresh_database):
    port = free_port()
    command = readme_command("DATABASE_URL=postgres://")
    command = command.replace("/dailies ", f"/{fresh_database} ", 1)
    assert fresh_database in command
    demo = Command(
        f"DEMO_ADDR=127.0.0.1:{port} {command}", newcomer_env(), tmp_path / "demo.log",
        database_url=f"{SERVER}/{fresh_database}",
    )
    try:
        assert wait_until(lambda: _status(f"http://127.0.0.1:{port}/") == 200, START_TIMEOUT, 0.5), demo.log()[-4000:]
        assert _query(fresh_database, "SELECT count(*) FROM events_event WHERE status = 'published'")[0][0] > 0
        demo.ctrl_c()
        assert wait_until(lambda: not demo.group_alive(), 60, 0.2), demo.log()[-3000:]
    finally:
        demo.kill()
