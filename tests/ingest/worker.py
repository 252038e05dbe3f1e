"""A real Celery worker process for the task tests, on the real Redis broker and the test database.

Run as `python -m tests.ingest.worker QUEUE`: a worker that consumes only QUEUE (unique per test run,
so parallel test processes and other engineers' workers never take each other's tasks), with ingest
tasks routed to that queue, loopback fetching allowed, and, when TEST_VISIBILITY_TIMEOUT is set, a short
Redis visibility timeout so a killed worker's task is redelivered in seconds rather than an hour.
"""

import contextlib
import os
import sys
import uuid


def configure(app, queue):
    app.conf.task_routes = {"ingest.tasks.*": {"queue": queue}}
    app.conf.task_default_queue = queue
    # Celery caches the routing table and the router on first use: rebuild them for the new queue.
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    visibility = os.environ.get("TEST_VISIBILITY_TIMEOUT")
    if visibility:
        app.conf.broker_transport_options = {
            **app.conf.broker_transport_options,
            "visibility_timeout": int(visibility),
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        }


@contextlib.contextmanager
def private_queue(app, prefix):
    """A queue of this test's own, routed to while the block runs and deleted from the broker after it."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.task_routes, app.conf.task_default_queue)
    configure(app, name)
    try:
        yield name
    finally:
        app.conf.task_routes, app.conf.task_default_queue = saved
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(name)


def main():
    queue = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.celery import app

    configure(app, queue)
    app.worker_main(
        [
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=test-{queue}-{os.getpid()}@%h",
        ]
    )


if __name__ == "__main__":
    main()
