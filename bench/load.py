"""Load: concurrent clients against the timeline, its filters, its outputs and the organisation pages
under gunicorn on loopback, while a Celery worker ingests articles served from loopback.

    .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--events 20000] [--record]
    make load                      (LOAD_ARGS="--duration 20" to shorten)

Everything it uses is its own and thrown away: a database `dailies_load_<pid>` on the PostgreSQL server
(--server), migrated and filled with `load_curated` and `generate_events`; a redis-server of its own on a
free port (cache and broker); gunicorn, one Celery worker and a small article server, all on 127.0.0.1.
Bounded in time and count: clients stop after --duration seconds, at most --articles articles are sent
for ingestion, every subprocess is stopped and the database dropped at the end.

Prints requests, throughput, errors (failed requests and non-200 answers), the 5xx among them, and
p50/p95/p99 latency overall and per page group; exits 1 on any error. `--record` writes the figures into
the "Load" section of docs/benchmarks.md.
"""

import argparse
import functools
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT, machine, percentiles, replace_section, stamp  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CELERY = ROOT / ".venv" / "bin" / "celery"
REQUEST_TIMEOUT = 30  # seconds; a slower answer counts as an error

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows as it happens


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--events", type=int, default=20_000, help="synthetic events (generate_events)")
    parser.add_argument("--articles", type=int, default=200, help="at most this many articles ingested")
    parser.add_argument("--ingest-interval", type=float, default=0.5, help="seconds between articles sent")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server")
    # Single-threaded workers, one per core and one spare: a worker's Python threads queue on its GIL. On
    # the busy shared 2-core machine 3 × 1 and 2 × 8 gave 12-18 requests/s either way, within its noise.
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false",
        help="skip the one sequential pass over every URL that fills the caches before the clients start",
    )
    parser.add_argument("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 1 <= args.duration <= 600 and 0 <= args.articles <= 5000):
        parser.error("keep it bounded: 1-200 clients, 1-600 seconds, at most 5000 articles")
    return args


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} within {timeout} s")


# --- Articles served from loopback, for the worker to ingest -------------------------------------


def article_page(n):
    """A distinct article (its number is in the title and every paragraph) that the pipeline finds
    relevant: it names curated organisations on both the AI and the screen side."""
    paragraphs = "".join(
        f"<p>Load story {n}, part {i}: SAG-AFTRA and OpenAI met again over generative AI in film and "
        f"television production, with studios weighing digital replicas of actors in round {n}-{i}.</p>"
        for i in range(6)
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Load story {n}: actors and AI</title>"
        f"<meta property='article:published_time' content='2024-03-25T08:00:00Z'></head>"
        f"<body><article><h1>Load story {n}: actors and AI</h1>{paragraphs}</article></body></html>"
    ).encode()


class ArticleHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's naming
        match = re.fullmatch(r"/article/(\d+)", self.path)
        body = article_page(int(match.group(1))) if match else b"not found"
        self.send_response(200 if match else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


# --- Services ------------------------------------------------------------------------------------


class Stack:
    """The processes and the database of one run; stop() undoes all of it."""

    def __init__(self, args):
        self.args = args
        self.database = f"dailies_load_{os.getpid()}"
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes = []
        self.article_server = None
        self.worker_log = None
        self.database_created = False
        self.env = dict(os.environ)
        for name in ("DAILIES_TESTING", "PYTEST_XDIST_WORKER", "REDIS_URL", "CELERY_BROKER_URL"):
            self.env.pop(name, None)
        self.env.update(
            DATABASE_URL=f"{args.server}/{self.database}",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            DJANGO_DEBUG="0",
            DJANGO_HTTPS="0",
            DJANGO_SECRET_KEY="load-bench-only-secret-key-not-for-production-0123456789",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_LOG_LEVEL="WARNING",
            DAILIES_FETCH_ALLOW_PRIVATE="1",
        )

    def spawn(self, argv, **kwargs):
        process = subprocess.Popen(argv, cwd=ROOT, env=self.env, start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def manage(self, *argv):
        subprocess.run([PYTHON, "manage.py", *argv], cwd=ROOT, env=self.env, check=True)

    def start(self):
        import psycopg

        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise SystemExit("redis-server is not installed: the load bench runs a Redis of its own")
        self.spawn(
            [redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )
        with psycopg.connect(f"{self.args.server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True
        started = time.monotonic()
        print(f"Database {self.database}: migrate, load_curated, generate_events --events {self.args.events}")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_curated")
        if self.args.events:
            self.manage("generate_events", "--events", str(self.args.events), "--seed", str(self.args.seed))
        self.manage("collectstatic", "--noinput", "-v0")
        print(f"  ready in {time.monotonic() - started:.0f} s")

        self.article_server = ThreadingHTTPServer(("127.0.0.1", 0), ArticleHandler)
        self.article_server.daemon_threads = True
        threading.Thread(target=self.article_server.serve_forever, daemon=True).start()

        self.spawn(
            [GUNICORN, "config.wsgi", "-b", f"127.0.0.1:{self.web_port}", "-k", "gthread",
             "-w", str(self.args.web_workers), "--threads", str(self.args.web_threads),
             "--backlog", "512", "--timeout", "60", "--log-level", "warning"],
        )
        self.worker_log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in stop()
        self.spawn(
            [CELERY, "-A", "config", "worker", "-Q", "ingest,default", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             f"--hostname=load-{os.getpid()}@%h"],
            stdout=self.worker_log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: get(self.web_port, "/")[0] == 200, 60, "gunicorn did not serve / ")

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        if self.article_server is not None:
            self.article_server.shutdown()
            self.article_server.server_close()
        if self.database_created:
            import psycopg

            with psycopg.connect(f"{self.args.server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        if self.worker_log is not None:
            self.worker_log.seek(0)
            problems = [line for line in self.worker_log if "ERROR" in line or "Traceback" in line]
            if problems:
                print(f"worker logged {len(problems)} error line(s), the first: {problems[0].strip()}")
            self.worker_log.close()


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- What the clients ask for ------------------------------------------------------------------


def build_paths(database_url):
    """{group: [(path, htmx)]}, with organisations that have many events and some that have few."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        busy = [row[0] for row in conn.execute(
            "SELECT o.slug FROM events_organisation o "
            "JOIN events_eventorganisation eo ON eo.organisation_id = o.id "
            "GROUP BY o.slug ORDER BY count(*) DESC LIMIT 10"
        )]
        quiet = [row[0] for row in conn.execute(
            "SELECT slug FROM events_organisation ORDER BY md5(slug) LIMIT 20"
        )]
    orgs = busy + quiet

    def qs(**params):
        return "?" + urlencode(params, doseq=True)

    choices = [("timeline", "/", False), ("timeline", "/?page_size=50", False)]
    for slug in orgs:
        choices += [
            ("filters", "/" + qs(org=slug), False),
            ("filters", "/" + qs(org=slug), True),  # the HTMX partial the filter form swaps in
            ("organisation", f"/organisations/{slug}/", False),
        ]
    choices += [
        ("filters", "/" + qs(org=busy[:2]), False),
        ("filters", "/" + qs(kind="lawsuit_filed"), False),
        ("filters", "/" + qs(kind="deal", date_from="2023-01-01", date_to="2024-12-31"), False),
        ("filters", "/" + qs(q="actors"), False),
        ("filters", "/" + qs(q="strike"), True),
        ("organisation", "/organisations/", False),
        ("organisation", "/organisations/suggest" + qs(q="sa"), False),
        ("organisation", "/organisations/suggest" + qs(q="op"), False),
        ("outputs", "/feed.atom", False),
        ("outputs", "/feed.rss" + qs(org=busy[0]), False),
        ("outputs", "/api/events", False),
        ("outputs", "/api/events" + qs(org=busy[1], page_size=100), False),
        ("outputs", "/export.csv" + qs(org=busy[2]), False),
        ("outputs", "/export.csv" + qs(kind="ruling"), False),
        ("outputs", "/calendar.ics", False),
    ]
    groups = {}
    for group, path, htmx in choices:
        groups.setdefault(group, []).append((path, htmx))
    return groups


# --- The run -------------------------------------------------------------------------------------


def client(port, groups, stop_at, samples, errors, seed):
    """One keep-alive client: each request picks a page group at random, then a URL within it."""
    rng = random.Random(seed)
    names = sorted(groups)
    conn = None
    while time.monotonic() < stop_at:
        group = rng.choice(names)
        path, htmx = rng.choice(groups[group])
        headers = {"HX-Request": "true"} if htmx else {}
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            errors.append((path, f"{type(exc).__name__}: {exc}"))
            if conn is not None:
                conn.close()
            conn = None
            continue
        samples.append((group, (time.perf_counter() - started) * 1000, status))
        if status != 200:
            errors.append((path, f"HTTP {status}"))
    if conn is not None:
        conn.close()


def feed_the_worker(stack, stop_at, sent):
    """Send article tasks at a steady pace while the clients run (at most --articles)."""
    from ingest.tasks import ingest_article

    base = f"http://127.0.0.1:{stack.article_server.server_address[1]}/article/"
    while time.monotonic() < stop_at and len(sent) < stack.args.articles:
        ingest_article.delay(url=f"{base}{len(sent) + 1}")
        sent.append(time.monotonic())
        time.sleep(stack.args.ingest_interval)


def ingested_counts(database_url):
    import psycopg

    with psycopg.connect(database_url) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM ingest_article GROUP BY status").fetchall())


def run(args):
    stack = Stack(args)
    try:
        stack.start()
        os.environ.update(stack.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        groups = build_paths(stack.env["DATABASE_URL"])
        url_count = sum(len(paths) for paths in groups.values())
        print(f"Load: {args.clients} clients for {args.duration:g} s on {url_count} URLs; "
              f"a worker ingesting an article every {args.ingest_interval:g} s")
        samples, errors, sent = [], [], []
        if args.warm_up:
            warm_started = time.monotonic()
            for paths in groups.values():
                for path, htmx in paths:
                    status, _ = get(stack.web_port, path, {"HX-Request": "true"} if htmx else None)
                    if status != 200:
                        errors.append((path, f"HTTP {status} (warm-up)"))
            print(f"  warm-up: every URL once in {time.monotonic() - warm_started:.0f} s")
        started = time.monotonic()
        stop_at = started + args.duration
        threads = [
            threading.Thread(target=client, args=(stack.web_port, groups, stop_at, samples, errors, i))
            for i in range(args.clients)
        ]
        feeder = threading.Thread(target=feed_the_worker, args=(stack, stop_at, sent))
        for thread in [*threads, feeder]:
            thread.start()
        for thread in [*threads, feeder]:
            thread.join(timeout=args.duration + REQUEST_TIMEOUT + 30)
        elapsed = time.monotonic() - started
        # Let the worker finish what it was sent (bounded), then count what it stored.
        deadline = time.monotonic() + 60
        counts = ingested_counts(stack.env["DATABASE_URL"])
        while sum(counts.values()) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.5)
            counts = ingested_counts(stack.env["DATABASE_URL"])
        return report(args, samples, errors, elapsed, sent, counts, url_count)
    finally:
        stack.stop()


def report(args, samples, errors, elapsed, sent, counts, url_count):
    latencies = [ms for _, ms, _ in samples]
    five_xx = sum(1 for _, _, status in samples if status >= 500)
    p50, p95, p99 = percentiles(latencies)
    total = len(samples) + sum(1 for _, message in errors if not message.startswith("HTTP "))
    lines = [
        f"requests {total:,}  ({total / elapsed:.0f}/s over {elapsed:.0f} s)",
        f"errors {len(errors)}  (5xx {five_xx})",
        f"latency ms  p50 {p50:.0f}  p95 {p95:.0f}  p99 {p99:.0f}  max {max(latencies, default=0):.0f}",
    ]
    rows = []
    for group in ("timeline", "filters", "organisation", "outputs"):
        group_ms = [ms for g, ms, _ in samples if g == group]
        g50, g95, g99 = percentiles(group_ms)
        rows.append((group, len(group_ms), g50, g95, g99))
        lines.append(
            f"  {group:<12} {len(group_ms):>7,} requests  p50 {g50:6.0f}  p95 {g95:6.0f}  p99 {g99:6.0f}"
        )
    stored = sum(counts.values())
    failed = counts.get("failed", 0)
    by_status = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    lines.append(f"articles sent {len(sent)}, stored {stored} ({by_status})")
    for line in lines:
        print(line)
    for path, message in errors[:10]:
        print(f"  error: {path}: {message}")
    if args.record:
        record(args, total, elapsed, errors, five_xx, (p50, p95, p99), rows, sent, stored, failed, url_count)
    ok = not errors and total > 0
    print("OK: no errors" if ok else "FAILED: errors during the run")
    return 0 if ok else 1


def record(args, total, elapsed, errors, five_xx, overall, rows, sent, stored, failed, url_count):
    p50, p95, p99 = overall
    table = ["| pages | requests | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|"]
    table += [f"| {g} | {n:,} | {a:.0f} | {b:.0f} | {c:.0f} |" for g, n, a, b, c in rows]
    table.append(f"| **all** | **{total:,}** | **{p50:.0f}** | **{p95:.0f}** | **{p99:.0f}** |")
    body = "\n".join([
        f"`bench/load.py --clients {args.clients} --duration {args.duration:g} --events {args.events}` "
        f"({stamp()}; {machine()}; load average {os.getloadavg()[0]:.1f} after the run): "
        f"gunicorn {args.web_workers} gthread workers × {args.web_threads} threads, PostgreSQL and a "
        f"private Redis on loopback, the curated dataset plus {args.events:,} synthetic events; "
        f"{args.clients} keep-alive clients picking at random among {url_count} URLs, the four groups "
        f"equally often (timeline; filters incl. HTMX partials and search; organisation pages and "
        f"type-ahead; Atom/RSS/JSON/CSV/iCalendar outputs), while one Celery worker (solo pool) "
        f"ingested an article from loopback every {args.ingest_interval:g} s"
        + (" (after one warm-up pass over every URL to fill the caches)." if args.warm_up else "."),
        "",
        f"**{total:,} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s), {len(errors)} errors, "
        f"{five_xx} 5xx.** Articles sent {len(sent)}, stored {stored}, failed {failed}.",
        "",
        *table,
        "",
        "The clients share the two cores with gunicorn, PostgreSQL, the worker and (on a shared machine) "
        "everything else, so with more clients than the server can answer at once the latency is mostly "
        "queueing: roughly clients ÷ throughput. Per-page latency on a quiet server is in the Web section.",
    ])
    replace_section("Load", body)
    print(f"Recorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(run(parse_args()))
