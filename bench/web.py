"""Web benchmark: the timeline and its outputs under gunicorn, as ratios against floors from the same run.

    .venv/bin/python bench/web.py [--events 1000000] [--requests 200] [--duration 20] [--record]

Fills the PostgreSQL database `dailies_bench` once with `generate_events` (reused when it already holds
the requested number of events), starts gunicorn (2 workers) on a loopback port with DEBUG off, and for
each endpoint prints single-client p50/p95/p99 latency, throughput at 16 concurrent clients (wrk when
installed, else a Python load generator), throughput as a share of the bare Django view's, SQL queries per
page and the peak RSS of the web workers. Two more columns per endpoint: "cold", each request with the
whole cache emptied just before it (FLUSHDB on the cache's Redis database: pages, cards, charts, counts,
versions all gone), and "after publish", each request right after one more event was published (through
the ORM, so signals move the versions and triggers the counts; the events go back to draft at the end).
The database floor is the timeline query alone through psycopg.
`--cold N` / `--published N` set the samples of the two extra columns. After the endpoints, the chart
(with the results summary) and the "often together with" list of nine filters are timed in-process, each
right after one more publication (`--aggregates N` samples each, 0 to skip). `--record` writes the table,
with date, machine and load average, into the "Web" section of docs/benchmarks.md, with the previous
run's p95 beside each row (its whole section moves to "Web, the run before") and issue 14's targets
marked met or missed from this run's figures.
"""

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import functools  # noqa: E402

print = functools.partial(print, flush=True)  # noqa: A001  (progress shows as it happens)

from bench.common import ROOT, machine, percentiles, replace_section, stamp  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# Issue 14's targets at a million events, checked in the recorded table (met / missed).
PAGE_P95_WARM = 10  # every partial and full page, search included: p95 ms, caches warm
PAGE_P95_COLD = 50  # the same with the cache emptied before each request
OUTPUT_P99 = 60  # JSON and Atom, p99 ms
AGGREGATE_COLD = 20  # the chart and co-occurrence of any filter right after a publication, ms
COLD_SHARE = 0.20  # throughput of a filtered partial not cached, as a share of the bare view's
PEAK_RSS_MB = 150


def bench_environment(args):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.server}/{args.database}",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
        DAILIES_BENCH_VIEWS="1",
        REDIS_URL=args.redis,
        DJANGO_LOG_LEVEL="WARNING",
        DAILIES_CACHE_MAXMEMORY="0",  # a shared Redis server's settings are not ours to change
    )
    env.pop("DAILIES_TESTING", None)
    env.pop("CELERY_BROKER_URL", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


def ensure_database(args, env):
    """Create, migrate and fill the bench database unless it already holds the requested events."""
    import psycopg

    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    run = dict(env=env, cwd=ROOT, check=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], **run)
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        count = conn.execute("SELECT count(*) FROM events_event").fetchone()[0]
    if count and abs(count - args.events) > args.events * 0.05:
        sys.exit(
            f"{args.database} holds {count:,} events, not {args.events:,}: pass --events {count} "
            f"or drop it (dropdb -h 127.0.0.1 -U postgres {args.database}) to regenerate."
        )
    if not count:
        print(f"Generating {args.events:,} events into {args.database} (once; later runs reuse them)...")
        subprocess.run([PYTHON, "manage.py", "generate_events", "--events", str(args.events)], **run)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], **run)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, port, workers):
    process = subprocess.Popen(
        [GUNICORN, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", "sync",
         "--backlog", "256", "--log-level", "warning", "--timeout", "300",
         "--access-logfile", "/dev/null"],  # gunicorn.conf.py logs every request to stdout
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/_bench/bare")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not answer on /_bench/bare within 30 s")


def fetch(port, path, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, body
    finally:
        conn.close()


def worker_pids(master_pid):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry.name))
    return pids


def peak_rss_mb(pids):
    """The largest VmHWM (peak resident set) among the given processes, in MB."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return peak


# --- Endpoints with randomised, realistic parameters ----------------------------------------------

FRESH_PATHS = 40_000  # distinct URLs per "page not cached" endpoint (start dates 1900-2009): more than a run asks
COLD_SAMPLES = 20  # requests per endpoint with the cache emptied before each
PUBLISH_SAMPLES = 15  # requests per endpoint each right after publishing one event
AGGREGATE_SAMPLES = 9  # chart and co-occurrence timings per filter, each right after publishing one event
WARM = {}  # label -> the paths the warm-up pass fetches instead of the measured ones
LOAD = []  # the machine's 1-minute load average at the start and the end of the run


def build_endpoints(args):
    """{label: (list of paths, htmx?)} built from the bench data through Django itself."""
    import django

    django.setup()
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from events.models import Event, EventOrganisation, Organisation
    from events.queries import Filters, encode_cursor, filtered_events

    rng = random.Random(7)
    ranked = list(
        EventOrganisation.objects.values("organisation_id").annotate(n=Count("id")).order_by("-n")
        .values_list("organisation_id", flat=True)[:1500]
    )
    slugs = dict(Organisation.objects.filter(pk__in=ranked).values_list("pk", "slug"))
    # Readers pick popular organisations most, but every rank appears: top 20, the middle, the tail.
    popular = [slugs[pk] for pk in ranked[:20]]
    middle = [slugs[pk] for pk in ranked[100:600]]
    tail = [slugs[pk] for pk in ranked[600:1500]]

    def some_org():
        roll = rng.random()
        return rng.choice(popular if roll < 0.6 else middle if roll < 0.9 else tail)

    kinds = [value for value, _ in Event.Kind.choices]
    newest = Event.objects.published().order_by("-date").values_list("date", flat=True).first()
    n = args.samples

    def qs(**params):
        return "/?" + urlencode(params, doseq=True)

    def date_range():
        import datetime

        start = newest - datetime.timedelta(days=rng.randrange(3000) + 90)
        end = start + datetime.timedelta(days=rng.choice((30, 90, 365)))
        return {"date_from": start.isoformat(), "date_to": end.isoformat()}

    deep = []
    for _ in range(min(n, 20)):
        depth = rng.randrange(45, 56) * 25
        pivot = filtered_events(Filters())[depth - 1 : depth].get()
        deep.append(qs(cursor=encode_cursor(pivot)))
    org_deep = []
    for slug in popular[:10]:
        org = Organisation.objects.get(slug=slug)
        pivot = filtered_events(Filters(organisation_ids=frozenset([org.pk])))[1249:1250].first()
        if pivot:
            org_deep.append(qs(org=slug, cursor=encode_cursor(pivot)))
    words = ["dubbing", "voice cloning", "strike", "trailers", "replica", "licence", "animation", "consent",
             "europe", "music"]
    endpoints = {
        "bare view (web floor)": (["/_bench/bare"], False),
        "full / unfiltered": (["/"], False),
        "full / one org": ([qs(org=some_org()) for _ in range(n)], False),
        "partial / unfiltered": (["/"], True),
        "partial / one org": ([qs(org=some_org()) for _ in range(n)], True),
        "partial / two orgs + kind": (
            [qs(org=[some_org(), some_org()], kind=rng.choice(kinds)) for _ in range(n)], True),
        "partial / date range": ([qs(**date_range()) for _ in range(n)], True),
        "partial / deep page (50 pages in)": (deep, True),
        "partial / one org, deep page": (org_deep or deep, True),
        "search / partial": ([qs(q=rng.choice(words)) for _ in range(n)], True),
        "organisation page": ([f"/organisations/{some_org()}/" for _ in range(n)], False),
        "organisations list": ([f"/organisations/?page={page}" for page in range(1, 21)], False),
    }
    # The same filters again, each request with a filter never asked for before (in this run or an earlier
    # one: the cache outlives runs): a start date long before the first event, a different day each time,
    # and an end date long after the last, a different one each run, find the same events but are a new
    # filter (unknown parameters no longer are: the cache key holds the validated filters alone; both dates
    # stay within the window of dates the filters accept, 1900 to 2100). So the results fragment, the chart
    # and the summary miss and these measure what a new query costs (the page query, cards from their cache,
    # counts from the count tables, rendering). The warm-up pass fetches the filters without them.
    import datetime

    run = int(time.time() // 60) % 25_000
    start, end = datetime.date(1900, 1, 1), datetime.date(2030, 1, 1) + datetime.timedelta(days=run)
    for label in ("full / one org", "partial / one org", "partial / two orgs + kind", "search / partial"):
        paths, htmx = endpoints[label]
        fresh = [f"{paths[i % len(paths)]}&date_from={start + datetime.timedelta(days=i)}&date_to={end}"
                 for i in range(FRESH_PATHS)]
        endpoints[f"{label}, page not cached"] = (fresh, htmx)
        WARM[f"{label}, page not cached"] = paths
    optional = {"json /api/events": "events:api_events", "atom /feed.atom": "events:feed_atom"}
    for label, name in optional.items():
        try:
            base = reverse(name)
        except NoReverseMatch:
            base = "/" + label.split(" /", 1)[1]
        endpoints[label] = ([base, f"{base}?org={popular[0]}", f"{base}?org={some_org()}"], False)
    return endpoints


def query_counts(endpoints):
    """SQL queries per page, through Django's test client, after one warm-up request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, counts = Client(), {}
    for label, (paths, htmx) in endpoints.items():
        headers = {"HX-Request": "true"} if htmx else {}
        client.get(paths[0], headers=headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(paths[-1], headers=headers)
        counts[label] = (len(captured), response.status_code)
    return counts


def latency(port, paths, htmx, requests, rng):
    headers = {"HX-Request": "true"} if htmx else {}
    samples = []
    for _ in range(requests):
        path = rng.choice(paths)
        started = time.perf_counter()
        status, _ = fetch(port, path, headers)
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return percentiles(samples)


WRK_SCRIPT = """
paths = {%s}
htmx = %s
counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  if htmx then headers["HX-Request"] = "true" end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
"""


def empty_cache():
    """FLUSHDB on the Redis database the web workers cache in (the bench's own)."""
    import redis
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION")
    if location and location.startswith("redis"):
        redis.Redis.from_url(location).flushdb()
    else:
        from django.core.cache import cache

        cache.clear()


def cold_latency(port, paths, htmx, rng, samples):
    """p50/p95/p99 of requests each made with the cache emptied just before it."""
    headers = {"HX-Request": "true"} if htmx else {}
    times = []
    for _ in range(samples):
        empty_cache()
        path = rng.choice(paths)
        started = time.perf_counter()
        status, _ = fetch(port, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} (cold)")
    return percentiles(times)


class Publisher:
    """Publishes drafts one at a time through the ORM (signals and triggers as in the review queue) and
    puts them back to draft at the end."""

    def __init__(self):
        from events.models import Event

        self.drafts = list(Event.objects.filter(status=Event.Status.DRAFT).order_by("id")[:2_000])
        self.published = []

    def publish_one(self):
        event = self.drafts.pop()
        event.status = event.Status.PUBLISHED
        event.save()
        self.published.append(event)

    def restore(self):
        for event in self.published:
            event.status = event.Status.DRAFT
            event.save()
        self.published = []


def after_publish_latency(port, paths, htmx, rng, samples, publisher):
    """p50/p95/p99 of requests each made right after one event was published."""
    headers = {"HX-Request": "true"} if htmx else {}
    times = []
    for _ in range(samples):
        publisher.publish_one()
        path = rng.choice(paths)
        started = time.perf_counter()
        status, _ = fetch(port, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} (after publishing)")
    return percentiles(times)


def aggregate_filters():
    """{label: Filters} whose chart and co-occurrence are timed right after a publication, in-process."""
    import datetime

    from django.db.models import Count

    from events.models import Event, EventOrganisation, EventPerson, Lawsuit, Organisation, Person
    from events.queries import Filters, resolve_filters, with_subsidiaries

    ranked = list(
        EventOrganisation.objects.values("organisation_id").annotate(n=Count("id")).order_by("-n")
        .values_list("organisation_id", flat=True)[:300]
    )
    top, second, middle = (Organisation.objects.get(pk=pk) for pk in (ranked[0], ranked[5], ranked[250]))
    person = EventPerson.objects.values("person_id").annotate(n=Count("id")).order_by("-n")[0]["person_id"]
    newest = Event.objects.published().order_by("-date").values_list("date", flat=True).first()
    start = newest - datetime.timedelta(days=700)
    dates = {"date_from": start, "date_to": start + datetime.timedelta(days=90)}

    def org(organisation, **more):
        return Filters(organisations=[organisation], organisation_ids=with_subsidiaries({organisation.pk}), **more)

    return {
        "whole timeline": Filters(),
        "most covered organisation": org(top),
        "organisation of rank 250": org(middle),
        "top organisation + kind + dates": org(top, kinds=("deal",), **dates),
        "a date range": Filters(**dates),
        "most covered person": Filters(person=Person.objects.get(pk=person)),
        "a lawsuit": Filters(lawsuit=Lawsuit.objects.filter(events__status="published").first()),
        "two organisations + kind (bounded)": Filters(
            organisations=[top, second], organisation_ids=with_subsidiaries({top.pk, second.pk}), kinds=("deal",)),
        "search “strike” (one word: kept rows)": resolve_filters({"q": "strike"}),
        "search “voice cloning” (bounded)": resolve_filters({"q": "voice cloning"}),
    }


def aggregates_after_publish(publisher, samples):
    """{label: ((chart p50, p95, p99), (co-occurrence p50, p95, p99) or None)}: the chart (with the results
    summary) and the "often together with" list of each filter, in-process, each timed right after one
    more event was published (the versions move, so nothing of it is cached)."""
    import dataclasses

    from events.charts import chart_html
    from events.feeds import describe
    from events.queries import co_occurring_organisations, timeline_summary
    from events.versions import current_versions

    results = {}
    for label, chosen in aggregate_filters().items():
        charts, together = [], []
        for _ in range(samples):
            publisher.publish_one()
            filters = dataclasses.replace(chosen)  # as a request resolves them: nothing remembered on them
            versions = current_versions()
            started = time.perf_counter()
            chart_html(filters, subject=describe(filters), version=versions.counts)
            timeline_summary(filters, version=versions.pages)
            charts.append((time.perf_counter() - started) * 1000)
            if len(filters.organisations) == 1:  # the site lists it for one organisation (its page) only
                started = time.perf_counter()
                co_occurring_organisations(filters.organisation_ids)
                together.append((time.perf_counter() - started) * 1000)
        results[label] = (percentiles(charts), percentiles(together) if together else None)
        cooc = f"  co-occurrence p50 {results[label][1][0]:6.1f} p95 {results[label][1][1]:6.1f}" if together else ""
        print(f"after publish, {label:36} chart+summary p50 {results[label][0][0]:6.1f} "
              f"p95 {results[label][0][1]:6.1f} ms{cooc}")
    return results


def throughput(port, paths, htmx, duration, clients):
    """Requests per second at `clients` concurrent connections for `duration` seconds."""
    if shutil.which("wrk"):
        lua = WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), "true" if htmx else "false")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(lua)
        try:
            out = subprocess.run(
                ["wrk", "-t", "2", "-c", str(clients), "-d", f"{duration}s", "-s", script.name,
                 f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
            ).stdout
        finally:
            os.unlink(script.name)
        errors = [line for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
        if errors:
            print(f"    wrk: {'; '.join(e.strip() for e in errors)}")
        return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    return python_load(port, paths, htmx, duration, clients)


def python_load(port, paths, htmx, duration, clients):
    headers = {"HX-Request": "true"} if htmx else {}
    deadline = time.monotonic() + duration
    done = [0] * clients

    def client(i):
        rng = random.Random(i)
        while time.monotonic() < deadline:
            fetch(port, rng.choice(paths), headers)
            done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / duration


def database_floor(args, env):
    """The unfiltered and one-organisation timeline queries alone, through psycopg (p50/p95/p99 in ms)."""
    import psycopg
    from django.db.models import Count

    from events.models import EventOrganisation
    from events.queries import Filters, filtered_events

    top = EventOrganisation.objects.values("organisation_id").annotate(n=Count("id")).order_by("-n")[0]
    results = {}
    for label, filters in {
        "database floor: timeline query": Filters(),
        "database floor: one-org query": Filters(organisation_ids=frozenset([top["organisation_id"]])),
    }.items():
        sql, params = filtered_events(filters)[:26].query.sql_with_params()
        samples = []
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            for _ in range(args.requests):
                started = time.perf_counter()
                conn.execute(sql, params).fetchall()
                samples.append((time.perf_counter() - started) * 1000)
        results[label] = percentiles(samples)
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="single-client requests per endpoint")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per endpoint")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=60, help="distinct randomised URLs per endpoint")
    parser.add_argument("--cold", type=int, default=COLD_SAMPLES, help="requests per endpoint, cache emptied")
    parser.add_argument("--published", type=int, default=PUBLISH_SAMPLES,
                        help="requests per endpoint, each right after publishing one event")
    parser.add_argument("--aggregates", type=int, default=AGGREGATE_SAMPLES,
                        help="in-process chart and co-occurrence timings per filter, each right after a publication")
    parser.add_argument("--database", default="dailies_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                        help="cache on the next database, which the cold column empties (FLUSHDB)")
    parser.add_argument("--only", default="", help="run only endpoints whose label contains this")
    parser.add_argument("--skip", default="", help="leave out endpoints whose label contains this")
    parser.add_argument("--record", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()

    env = bench_environment(args)
    LOAD.append(os.getloadavg()[0])
    ensure_database(args, env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.chdir(ROOT)
    endpoints = build_endpoints(args)
    if args.only:
        endpoints = {k: v for k, v in endpoints.items() if args.only in k or k.startswith("bare")}
    if args.skip:
        endpoints = {k: v for k, v in endpoints.items() if args.skip not in k}
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    rows, bare_rps = [], None
    try:
        from django.urls import Resolver404, resolve

        for label, (paths, _) in list(endpoints.items()):
            try:
                resolve(paths[0].split("?")[0])
            except Resolver404:
                print(f"skipping {label}: not present yet")
                del endpoints[label]
        # Warm every worker's caches (templates, organisation list, card fragments) before measuring.
        for label, (paths, htmx) in endpoints.items():
            for path in WARM.get(label, paths):
                fetch(port, path, {"HX-Request": "true"} if htmx else {}, timeout=300)
        counts = query_counts(endpoints)
        rng = random.Random(11)
        publisher = Publisher()
        try:
            for label, (paths, htmx) in endpoints.items():
                # The previous endpoint's publications moved the versions: warm this one's pages again, so
                # the warm columns measure cached pages (the cold and after-publish ones measure the rest).
                for path in WARM.get(label, paths):
                    fetch(port, path, {"HX-Request": "true"} if htmx else {}, timeout=300)
                p50, p95, p99 = latency(port, paths, htmx, args.requests, rng)
                rps = throughput(port, paths, htmx, args.duration, args.clients)
                if bare_rps is None:
                    bare_rps = rps
                cold = cold_latency(port, paths, htmx, rng, args.cold)
                published = after_publish_latency(port, paths, htmx, rng, args.published, publisher)
                rows.append((label, p50, p95, p99, rps, rps / bare_rps, counts[label][0], cold, published))
                print(f"{label:38} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms  {rps:8.1f} req/s "
                      f"({rps / bare_rps:6.1%} of bare)  {counts[label][0]} queries | cold p50 {cold[0]:6.1f} "
                      f"p95 {cold[1]:6.1f} | after publish p50 {published[0]:6.1f} p95 {published[1]:6.1f}",
                      flush=True)
        finally:
            publisher.restore()
        rss = peak_rss_mb(worker_pids(server.pid))
        aggregates = {}
        if args.aggregates:
            publisher = Publisher()
            try:
                aggregates = aggregates_after_publish(publisher, args.aggregates)
            finally:
                publisher.restore()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    LOAD.append(os.getloadavg()[0])
    floor = database_floor(args, env)
    for label, (p50, p95, p99) in floor.items():
        print(f"{label:38} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms")
    print(f"peak RSS of a gunicorn worker: {rss:.0f} MB; load average {LOAD[0]:.1f} at the start, {LOAD[-1]:.1f} "
          "at the end")
    if args.record:
        record(args, rows, floor, rss, aggregates)


def previous_run(path):
    """(the first line, {label: cells}) of the Web section's table as last recorded, to print beside."""
    import re

    text = path.read_text() if path.exists() else ""
    found = re.search(r"^## Web\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not found:
        return "", "", {}
    body = found.group(1).strip()
    rows = {}
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 9 and cells[0] != "endpoint":
            rows[cells[0]] = cells
    run = re.search(r"Run (\S+ \S+)", body)
    return body, run.group(1) if run else "", rows


def _is_page(label):
    return label.startswith(("full", "partial", "search", "organisation"))


def target_rows(rows, rss, aggregates):
    """[(target, figure now, met)] for issue 14's targets, from this run's figures."""
    pages = [row for row in rows if _is_page(row[0])]
    cached = [row for row in pages if "not cached" not in row[0]]
    outputs = [row for row in rows if row[0].startswith(("json", "atom"))]
    fresh = [row for row in rows if row[0].startswith("partial") and "not cached" in row[0]]
    found = []
    if pages:
        worst = max(pages, key=lambda row: row[7][1])
        found.append((f"every page, cold p95 <= {PAGE_P95_COLD} ms", f"worst {worst[7][1]:.1f} ({worst[0]})",
                      worst[7][1] <= PAGE_P95_COLD))
        new = max((row for row in pages if "not cached" in row[0]), key=lambda row: row[2], default=None)
        if new:
            found.append((f"a new filter (page not cached), p95 <= {PAGE_P95_COLD} ms",
                          f"worst {new[2]:.1f} ({new[0]})", new[2] <= PAGE_P95_COLD))
    if cached:
        worst = max(cached, key=lambda row: row[2])
        found.append((f"every page, warm p95 <= {PAGE_P95_WARM} ms", f"worst {worst[2]:.1f} ({worst[0]})",
                      worst[2] <= PAGE_P95_WARM))
    for row in outputs:
        found.append((f"{row[0]} p99 <= {OUTPUT_P99} ms", f"{row[3]:.1f} (cold p99 {row[7][2]:.1f})",
                      row[3] <= OUTPUT_P99 and row[7][2] <= OUTPUT_P99))
    if aggregates:
        chart = max(aggregates.items(), key=lambda item: item[1][0][1])
        found.append((f"chart + summary of any filter after a publication, p95 <= {AGGREGATE_COLD} ms",
                      f"worst {chart[1][0][1]:.1f} ({chart[0]})", chart[1][0][1] <= AGGREGATE_COLD))
        together = [(label, cooc) for label, (_, cooc) in aggregates.items() if cooc]
        if together:
            worst = max(together, key=lambda item: item[1][1])
            found.append((f"co-occurrence after a publication, p95 <= {AGGREGATE_COLD} ms",
                          f"worst {worst[1][1]:.1f} ({worst[0]})", worst[1][1] <= AGGREGATE_COLD))
    if fresh:
        worst = min(fresh, key=lambda row: row[5])
        found.append((f"filtered partial not cached, throughput >= {COLD_SHARE:.0%} of bare",
                      f"lowest {worst[5]:.1%} ({worst[0]})", worst[5] >= COLD_SHARE))
    found.append((f"peak RSS of a worker <= {PEAK_RSS_MB} MB", f"{rss:.0f} MB", rss <= PEAK_RSS_MB))
    return found


def record(args, rows, floor, rss, aggregates):
    from bench.common import RESULTS

    previous_body, previous_stamp, previous = previous_run(RESULTS)
    generator = "wrk" if shutil.which("wrk") else "a Python load generator"
    before = f"before ({previous_stamp})" if previous_stamp else "before"
    lines = [
        f"Run {stamp()} on {machine()}; `bench/web.py --events {args.events:,} --requests {args.requests} "
        f"--duration {args.duration} --samples {args.samples} --cold {args.cold} --published {args.published}`: "
        f"gunicorn {args.workers} sync workers, PostgreSQL and Redis on loopback, {generator} with "
        f"{args.clients} connections, DEBUG off. Load average (1 min) {LOAD[0]:.1f} at the start, "
        f"{LOAD[-1]:.1f} at the end. \"Cold\": the whole cache emptied (FLUSHDB) before each request; "
        "\"after publish\": each request right after one more event was published. The previous run's "
        f"p95 and cold p95 are beside each row; its whole table is under \"Web, the run before\".",
        "",
        "| endpoint | p50 ms | p95 ms | p99 ms | req/s (16 clients) | share of bare | SQL queries "
        f"| cold p50 / p95 / p99 ms | after publish p50 / p95 / p99 ms | {before}: p95 / cold p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, p50, p95, p99, rps, share, queries, cold, published in rows:
        old = previous.get(label)
        then = f"{old[2]} / {old[7].split(' / ')[1]}" if old and " / " in old[7] else ""
        lines.append(
            f"| {label} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {rps:.0f} | {share:.1%} | {queries} "
            f"| {cold[0]:.1f} / {cold[1]:.1f} / {cold[2]:.1f} | {published[0]:.1f} / {published[1]:.1f} / "
            f"{published[2]:.1f} | {then} |"
        )
    for label, (p50, p95, p99) in floor.items():
        lines.append(f"| {label} (psycopg) | {p50:.1f} | {p95:.1f} | {p99:.1f} | | | 1 | | | |")
    lines += ["", f"Peak RSS of a gunicorn worker: {rss:.0f} MB."]
    if aggregates:
        lines += [
            "",
            "The chart (with the results summary) and the \"often together with\" list of each filter, in-process, "
            "each right after one more event was published (nothing of it cached):",
            "",
            "| filter | chart + summary p50 / p95 / p99 ms | co-occurrence p50 / p95 / p99 ms |",
            "|---|---:|---:|",
        ]
        for label, (chart, cooc) in aggregates.items():
            together = f"{cooc[0]:.1f} / {cooc[1]:.1f} / {cooc[2]:.1f}" if cooc else ""
            lines.append(f"| {label} | {chart[0]:.1f} / {chart[1]:.1f} / {chart[2]:.1f} | {together} |")
    lines += ["", "Against issue 14's targets, this run:", "", "| target | now | |", "|---|---|---|"]
    for target, figure, met in target_rows(rows, rss, aggregates):
        lines.append(f"| {target} | {figure} | {'met' if met else 'missed'} |")
    if previous_body and not previous_body.startswith(f"Run {stamp()}"):
        replace_section("Web, the run before", previous_body)
    replace_section("Web", "\n".join(lines))
    print("recorded in docs/benchmarks.md")


if __name__ == "__main__":
    main()
