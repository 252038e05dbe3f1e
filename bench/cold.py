"""Where a cold request spends its time: each page in-process, the cache emptied before each request.

    DATABASE_URL=postgres://.../dailies_bench REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/cold.py [--repeat 5] [--only TEXT] [--profile LABEL]

For each page of bench/web.py's kinds (chosen from the database the same way) prints the median wall time
of a request made through Django's test client right after FLUSHDB on the cache's Redis database, the
CPU time of this process during it (Python's share, which a loaded machine disturbs less than wall
time), the time its SQL took, the number of queries and the slowest query. `--profile LABEL` runs that
page once more under cProfile and prints the top functions by cumulative time. `--explain` prints
EXPLAIN (ANALYZE, BUFFERS) of the slowest query of each page. Nothing here is timed by a test.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_HTTPS", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("DAILIES_CACHE_MAXMEMORY", "0")
    os.environ.pop("DAILIES_TESTING", None)
    import django

    django.setup()


def pages():
    """(label, path, htmx) like bench/web.py's endpoints, one fixed URL each."""
    import datetime

    from django.db.models import Count

    from events.models import Event, EventOrganisation, Organisation

    ranked = list(
        EventOrganisation.objects.values("organisation_id").annotate(n=Count("id")).order_by("-n")
        .values_list("organisation_id", flat=True)[:300]
    )
    slugs = dict(Organisation.objects.filter(pk__in=ranked).values_list("pk", "slug"))
    top, second, middle = slugs[ranked[0]], slugs[ranked[5]], slugs[ranked[250]]
    newest = Event.objects.published().order_by("-date").values_list("date", flat=True).first()
    start = newest - datetime.timedelta(days=700)
    end = start + datetime.timedelta(days=90)
    dates = f"date_from={start.isoformat()}&date_to={end.isoformat()}"
    return [
        ("full / unfiltered", "/", False),
        ("full / one org", f"/?org={top}", False),
        ("partial / unfiltered", "/", True),
        ("partial / one org (top)", f"/?org={top}", True),
        ("partial / one org (rank 250)", f"/?org={middle}", True),
        ("partial / two orgs + kind", f"/?org={top}&org={second}&kind=deal", True),
        ("partial / date range", f"/?{dates}", True),
        ("partial / top org + kind + dates", f"/?org={top}&kind=deal&{dates}", True),
        ("search / partial strike", "/?q=strike", True),
        ("search / partial voice cloning", "/?q=voice+cloning", True),
        ("organisation page (top)", f"/organisations/{top}/", False),
        ("organisation page (rank 250)", f"/organisations/{middle}/", False),
        ("organisations list", "/organisations/?page=3", False),
        ("json /api/events", f"/api/events?org={top}", False),
        ("atom /feed.atom", f"/feed.atom?org={top}", False),
    ]


def empty_cache():
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).flushdb()


FRESH = iter(range(1, 10**7))


def cold_request(client, path, htmx, fresh=False):
    """One request with the cache emptied first; `fresh`: with the cache as it is, but a filter never asked
    for before (bench/web.py's "page not cached": a far end date, a new day each time)."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if fresh:  # as bench/web.py's "page not cached": dates far outside the events', new ones each time
        start = datetime.date(1900, 1, 1) + datetime.timedelta(days=next(FRESH) % 40_000)
        end = datetime.date(2030, 1, 1) + datetime.timedelta(days=int(time.time() // 60) % 25_000)
        path += ("&" if "?" in path else "?") + f"date_from={start}&date_to={end}"
    else:
        empty_cache()
    headers = {"HX-Request": "true"} if htmx else {}
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu) * 1000
    assert response.status_code == 200, (path, response.status_code)
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured]
    return wall, cpu, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="keep the cache; a new filter each request instead")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    print(f"load average {os.getloadavg()[0]:.2f}")
    for label, path, htmx in pages():
        if args.only and args.only not in label:
            continue
        cold_request(client, path, htmx)  # connections, templates, imports
        cold_request(client, path, htmx, args.fresh)  # cards and counts cached for --fresh
        runs = [cold_request(client, path, htmx, args.fresh) for _ in range(args.repeat)]
        walls = [wall for wall, _, _ in runs]
        cpus = [cpu for _, cpu, _ in runs]
        sql = [sum(t for t, _ in queries) for _, _, queries in runs]
        slowest = max(runs[-1][2], default=(0, ""))
        print(f"{label:34} wall {statistics.median(walls):7.1f} ms  python cpu {statistics.median(cpus):6.1f} ms  "
              f"sql {statistics.median(sql):7.1f} ms ({len(runs[-1][2])} queries; slowest {slowest[0]:.1f} ms: "
              f"{slowest[1][:80]})")
        if args.explain and slowest[1]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[1])
                print("    " + "\n    ".join(row[0] for row in cursor.fetchall()))
        if args.profile and args.profile in label:
            profiler = cProfile.Profile(time.process_time)  # CPU time: a busy machine stretches wall time
            empty_cache()
            profiler.enable()
            client.get(path, headers={"HX-Request": "true"} if htmx else {})
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))  # or SORT=tottime
            stats.print_stats(int(os.environ.get("TOP", "35")))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
