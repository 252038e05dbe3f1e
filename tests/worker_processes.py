"""Real Celery worker processes (`python -m tests.ingest.worker QUEUE`) for the tests about tasks."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from django.db import connection

from tests.ingest.httpserver import wait_until

ROOT = Path(__file__).resolve().parent.parent


def test_database_url():
    """This test process's database (pytest-django's test_…), for a worker to share."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


class WorkerProcesses:
    """Starts workers that log under `tmp_path`, waits until each is ready, and kills them all at the end."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []

    def start(self, queue, env, timeout=40):
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DAILIES_FETCH_ALLOW_PRIVATE": "1",
            "DAILIES_TESTING": "1",
            "PYTHONPATH": str(ROOT),
            **{name: str(value) for name, value in env.items()},
        }
        log_path = self.tmp_path / f"worker-{len(self.started)}-{uuid.uuid4().hex[:6]}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.ingest.worker", queue],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        process.log_path = log_path
        process.log = log_path.read_text
        ready = wait_until(lambda: "ready." in process.log() or process.poll() is not None, timeout=timeout)
        assert ready and process.poll() is None, process.log()[-3000:]
        return process

    def kill_all(self):
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
