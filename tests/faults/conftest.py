"""Fixtures for the fault tests: PRIVATE Redis and PostgreSQL instances that a test may stop, kill and
restart, and real Celery worker processes pointed at them.

The shared services on 5432 and 6379 are never touched: other test processes and engineers use them.
A private Redis is a `redis-server` subprocess on a free port with no persistence; a private PostgreSQL
is a throwaway cluster made by initdb in a temporary directory (run as the `postgres` user when we are
root, since PostgreSQL refuses to run as root). Tests skip, saying why, where either binary is missing.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
import redis

from config.celery import app
from tests.ingest.httpserver import LocalServer, wait_until
from tests.worker_processes import WorkerProcesses

ROOT = Path(__file__).resolve().parents[2]
WORK_TIMEOUT = 45


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Redis ---------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own on 127.0.0.1:<port>; stop() and start() again keep the port."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db=0):
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=2)

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, 10, 0.05), f"private redis on {self.port} did not start"
        return self

    def _answers(self):
        try:
            return self.client().ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the fault tests start a private Redis of their own")
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


@contextlib.contextmanager
def broker(url):
    """Send this process's Celery tasks to `url` (celery reads CELERY_BROKER_URL from the environment
    before its configuration, so both change), restoring the real broker afterwards."""
    saved_env, saved_conf = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url

    def switch(env_value, conf_value):
        if env_value is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = env_value
        app.conf.broker_url = conf_value
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    switch(url, url)
    try:
        yield
    finally:
        switch(saved_env, saved_conf)


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_binary(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<port>, owned by `postgres`, with fsync off."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dailies-faults-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *argv, check=True):
        command = ["runuser", "-u", "postgres", "--", *argv] if self.as_root else list(argv)
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def _ctl(self, action, *extra):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        return self._run(
            _pg_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w",
            *extra, action,
        )

    def init(self):
        self._run(_pg_binary("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        return self

    def start(self):
        self._ctl("start")

    def restart(self):
        self._ctl("restart", "-m", "fast")

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            pg_ctl = _pg_binary("pg_ctl")
            self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def url(self, name="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def execute(self, sql, name="postgres", params=None):
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    if not _pg_binary("initdb") or not _pg_binary("pg_ctl"):
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed: the restart test needs a private cluster")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


# --- Workers -------------------------------------------------------------------------------------


@pytest.fixture
def launch_worker(tmp_path):
    """launch_worker(broker_url, database_url=None, **env) -> a running worker process on the `ingest`
    queue (ingest tasks' own queue: on a private Redis nobody else reads it). Killed at teardown."""
    processes = WorkerProcesses(tmp_path)

    def launch(broker_url, database_url=None, **extra_env):
        env = {"CELERY_BROKER_URL": broker_url, **extra_env}
        if database_url:
            env["DATABASE_URL"] = database_url
        return processes.start("ingest", env)

    yield launch
    processes.kill_all()


def peak_rss_mb(pid):
    """The high-water mark of a process's resident memory, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.fixture
def local_server():
    """A threaded HTTP server on loopback (tests/ingest/httpserver.py) for the worker to fetch from."""
    with LocalServer() as server:
        yield server
