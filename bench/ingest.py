"""Ingest throughput and extraction quality on the article-extraction benchmark.

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... .venv/bin/python bench/ingest.py [--limit N]

Serves the benchmark's pages (../shared/corpora/article-extraction-benchmark) from a loopback server, and
prints:
  * the floor: bare `trafilatura.extract` of the same pages, in a process set up like the worker (Django
    loaded, one warm-up page not timed), run just before AND just after the end-to-end pass: the machine
    is shared, so the floor is the mean of two runs that bracket the measured one;
  * end to end: every page enqueued as an `ingest_article` task and run by ONE worker process (solo pool)
    on the real broker and PostgreSQL, from the first enqueue to the last article stored (its updated_at,
    so the benchmark's own polling neither adds nor hides time); and the ratio;
  * the same comparison in CPU time (the worker's CPU per article against the floor's), which other jobs
    on a shared machine disturb far less than wall time;
  * time per stage (fetch, extract, link, classify, store+propose), from an in-process pass;
  * alias linking with 10,000 aliases, per article (CPU time, best of three passes);
  * precision / recall / F1 of the stored text against the ground truth (4-gram shingles of \\w+ tokens).
Runs in a throwaway database (test_<name>) that it drops at the end. Loopback only. Prints the load
average before and after, and the figures the docs/benchmarks.md "Ingest" table needs.
"""

import argparse
import datetime
import gzip
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (CI, the project machines), or wherever DAILIES_SHARED_DIR says.
SHARED = Path(os.environ.get("DAILIES_SHARED_DIR") or ROOT.parent / "shared")
CORPUS = SHARED / "corpora" / "article-extraction-benchmark"
sys.path.insert(0, str(ROOT))


def load_pages(limit):
    truth = json.loads((CORPUS / "ground-truth.json").read_text())
    pages = {}
    for path in sorted((CORPUS / "html").glob("*.html.gz"))[:limit]:
        page_id = path.name.split(".")[0]
        pages[page_id] = gzip.decompress(path.read_bytes())
    return pages, {k: v["articleBody"] for k, v in truth.items()}


def serve(pages):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            body = pages.get(self.path.strip("/").split("?")[0])
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- Quality ---------------------------------------------------------------------------------------


def shingles(text, n=4):
    tokens = re.findall(r"\w+", (text or "").lower())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def quality(predictions, truth):
    precisions, recalls = [], []
    for page_id, predicted in predictions.items():
        expected = shingles(truth.get(page_id, ""))
        got = shingles(predicted)
        overlap = sum((expected & got).values())
        precisions.append(overlap / sum(got.values()) if got else 0.0)
        recalls.append(overlap / sum(expected.values()) if expected else 0.0)
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- Worker ----------------------------------------------------------------------------------------


def worker_main(queue):
    import django

    django.setup()
    from config.celery import app

    app.conf.task_routes = {"ingest.tasks.*": {"queue": queue}}
    app.worker_main(
        [
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-{queue}@%h",
        ]
    )


def start_worker(queue, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DAILIES_FETCH_ALLOW_PRIVATE": "1"}
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", queue],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process


def wait_for(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def process_cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average():
    try:
        return "load average {:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


# --- Floor -----------------------------------------------------------------------------------------


def floor_main(limit, output):
    """Bare trafilatura.extract over the pages, in a fresh process set up like the worker; JSON to `output`."""
    import django

    django.setup()
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages, _ = load_pages(limit)
    htmls = list(pages.values())
    trafilatura.extract(htmls[0].decode("utf-8", "replace"))  # warm-up, like the worker's first page
    cpu, started = time.process_time(), time.perf_counter()
    texts = {page_id: trafilatura.extract(html.decode("utf-8", "replace")) or "" for page_id, html in pages.items()}
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    Path(output).write_text(json.dumps({"wall": wall, "cpu": cpu, "texts": texts}))


def run_floor(limit):
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "floor.json"
        subprocess.run(
            [sys.executable, __file__, f"--floor={output}"] + ([f"--limit={limit}"] if limit else []),
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(output.read_text())


# --- Stage timing (in process) ---------------------------------------------------------------------


def timed(stages, name, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            stages[name] += time.perf_counter() - started

    return wrapper


def stage_pass(urls):
    from ingest import pipeline
    from ingest.models import Article

    stages = defaultdict(float)
    names = ("fetch", "extract_article", "link_article", "classify", "store_candidates", "_facts")
    originals = {name: getattr(pipeline, name) for name in names if hasattr(pipeline, name)}
    originals["_store"] = pipeline._store
    for name, function in originals.items():
        setattr(pipeline, name, timed(stages, name, function))
    try:
        started = time.perf_counter()
        for url in urls:
            pipeline.ingest_url(url, allow_private=True)
        total = time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(pipeline, name, function)
    Article.objects.all().delete()
    # _store includes linking and classifying (they run inside the article's transaction).
    inside = ("link_article", "classify", "store_candidates", "_facts")
    stages["store+propose"] = stages.pop("_store") - sum(stages[name] for name in inside)
    return total, stages


def alias_bench(texts, repeats=3):
    """(CPU seconds per text, wall seconds per text, aliases): best of `repeats` passes, so a burst of
    other jobs on a shared machine does not count as the matcher's time."""
    from ingest.link import AliasMatcher

    entries = [(f"Organisation Number {n} Studios", "organisation", n) for n in range(5000)]
    entries += [(f"Firstname{n} Lastname{n}", "person", n) for n in range(5000)]
    matcher = AliasMatcher.build(entries)
    cpu_best = wall_best = float("inf")
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        for text in texts:
            matcher.find(text)
        cpu_best = min(cpu_best, time.process_time() - cpu)
        wall_best = min(wall_best, time.perf_counter() - wall)
    count = max(len(texts), 1)
    return cpu_best / count, wall_best / count, matcher.alias_count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N pages.")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--floor", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DAILIES_TESTING", "1")
    if args.worker:
        return worker_main(args.worker)
    if args.floor:
        return floor_main(args.limit, args.floor)
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is absent: this benchmark needs the shared corpora.")
    if not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("Set CELERY_BROKER_URL (and DATABASE_URL): the end-to-end figure needs a real worker.")

    import django

    django.setup()
    import logging

    from django.db import connection

    logging.getLogger("httpx").setLevel(logging.WARNING)
    pages, truth = load_pages(args.limit)
    # The warm-up page is the bundled demo sample's article, not a benchmark page: a copy of one would make
    # that page a cheap duplicate in the measured run (and leave it unscored).
    warmup = (ROOT / "ingest" / "sample" / "sora-opens-to-subscribers.html").read_bytes()
    server = serve({**pages, "warmup": warmup})
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/{page_id}" for page_id in pages]
    print(f"Ingest benchmark: {len(pages)} pages, {sum(map(len, pages.values())) / 1e6:.1f} MB of HTML")
    print(
        f"  {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores, at start {load_average()}"
    )

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    settings_dict = connection.settings_dict
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    database_url = f"postgresql://{settings_dict['USER']}@{host}:{port}/{test_db}"
    worker = None
    try:
        from django.db.models import Max

        from config.celery import app
        from ingest.models import Article, IngestRun
        from ingest.tasks import ingest_article

        in_process_seconds, stages = stage_pass(urls)

        queue = f"ingest-bench-{uuid.uuid4().hex[:8]}"
        app.conf.task_routes = {"ingest.tasks.*": {"queue": queue}}
        worker = start_worker(queue, database_url)
        run = IngestRun.objects.create(kind=IngestRun.Kind.URL, target="bench")

        def finished():
            run.refresh_from_db()
            return run.new_count + run.duplicate_count + run.irrelevant_count + run.failed_count

        # Warm up: the clock starts once the worker has ingested one page that is not measured.
        ingest_article.delay(url=f"{base}/warmup")
        wait_for(lambda: Article.objects.filter(url=f"{base}/warmup").exists(), timeout=120)
        floor_runs = [run_floor(args.limit)]
        worker_cpu = process_cpu_seconds(worker.pid)
        started_at = time.time()
        for url in urls:
            ingest_article.delay(url=url, run_id=run.pk)
        # Polled slowly so the benchmark takes little CPU from the worker; the end is read from the rows.
        done = wait_for(lambda: finished() >= len(urls), timeout=900, interval=0.25)
        polled_at = time.time()
        if worker_cpu is not None:
            worker_cpu = process_cpu_seconds(worker.pid) - worker_cpu
        last = Article.objects.filter(url__in=urls).aggregate(last=Max("updated_at"))["last"]
        e2e_seconds = (last.timestamp() if done and last else polled_at) - started_at
        if not done:
            print(f"  (only {finished()} of {len(urls)} articles done after 900 s)")
        floor_runs.append(run_floor(args.limit))
        by_status = Counter(Article.objects.filter(url__in=urls).values_list("status", flat=True))
        stored = {
            url.rsplit("/", 1)[-1]: text
            for url, text in Article.objects.filter(url__in=urls).values_list("url", "text")
        }
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        connection.creation.destroy_test_db(test_db, verbosity=0)
        server.shutdown()

    bare = floor_runs[0]["texts"]
    floor_rates = [len(pages) / floor["wall"] for floor in floor_runs]
    floor_rate = statistics.mean(floor_rates)
    floor_cpu_ms = 1000 * statistics.mean(floor["cpu"] for floor in floor_runs) / len(pages)
    e2e_rate = len(urls) / e2e_seconds
    alias_cpu, alias_wall, alias_count = alias_bench([text for text in bare.values() if text])
    print(
        f"  bare trafilatura (floor):   {floor_rate:6.1f} articles/s  "
        f"(mean of {' and '.join(f'{rate:.1f}' for rate in floor_rates)}: just before and just after end to end)"
    )
    print(f"  end to end, 1 worker:       {e2e_rate:6.1f} articles/s  ({e2e_seconds:.1f} s, after a warm-up page)")
    print(f"  ratio end-to-end / floor:   {100 * e2e_rate / floor_rate:6.1f} %  (target >= 70 %)")
    if worker_cpu is not None:
        worker_cpu_ms = 1000 * worker_cpu / len(urls)
        print(
            f"  CPU per article: worker {worker_cpu_ms:.1f} ms, floor {floor_cpu_ms:.1f} ms; "
            f"ratio floor / worker {100 * floor_cpu_ms / worker_cpu_ms:.1f} %"
        )
    print(f"  in-process pipeline:        {len(urls) / in_process_seconds:6.1f} articles/s")
    print("  per stage (ms per article, in-process):")
    for name, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"    {name:<16} {1000 * seconds / len(urls):8.2f}")
    print(
        f"  alias linking, {alias_count} aliases: {1000 * alias_cpu:.3f} ms CPU per article "
        f"({1000 * alias_wall:.3f} ms wall; best of 3; target <= 1 ms)"
    )
    print(f"  outcomes: {dict(by_status)}")
    p, r, f1 = quality(stored, truth)
    print(f"  extraction vs ground truth (pipeline): precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    p, r, f1 = quality(bare, truth)
    print(f"  extraction vs ground truth (bare trafilatura.extract): precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}")
    print(f"  at the end {load_average()}")


if __name__ == "__main__":
    main()
