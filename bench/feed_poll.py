"""One poll of a 100,000-item feed: how many fetches it starts and how long the poll takes (a poll reads
the first DAILIES_FEED_MAX_ITEMS_READ items; feedparser alone took 340 s for all 100,000 at load 15).

    .venv/bin/python bench/feed_poll.py [--items 100000] [--server postgres://postgres@127.0.0.1:5432]

Found on the running site: such a feed gave 100,000 article fetches from one poll (19,357 in 300 s).
Now a poll hands on DAILIES_FEED_MAX_ENTRIES (50), newest first. Serves the feed from loopback, polls
it in a throwaway PostgreSQL database (created, migrated, dropped), and prints the entries handed on,
the wall time of each of three polls (the second and third see the first ones' articles as known), and
the load average (the machine may be shared).
"""

import argparse
import datetime
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def feed_body(items):
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    rows = "".join(
        f"<item><title>Story {n}</title><link>https://news.example.com/{n}</link>"
        f"<pubDate>{start + datetime.timedelta(minutes=n):%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>"
        for n in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{rows}</channel></rss>'.encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    name = f"dailies_bench_feed_{uuid.uuid4().hex[:6]}"
    os.environ.update(DATABASE_URL=f"{args.server}/{name}", DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    from config.ensure_database import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from ingest import feeds
    from ingest.models import Article, Feed
    from tests.ingest.httpserver import LocalServer

    try:
        call_command("migrate", verbosity=0)
        body = feed_body(args.items)
        print(f"feed: {args.items} items, {len(body) / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}")
        with LocalServer() as server:
            server.serve("/big.xml", body, content_type="application/rss+xml")
            feed = Feed.objects.create(url=server.url("/big.xml"))
            for poll in range(1, 4):
                began = time.perf_counter()
                result = feeds.poll_feed(Feed.objects.get(pk=feed.pk), allow_private=True)
                took = time.perf_counter() - began
                print(f"poll {poll}: {len(result.new_entries)} entries handed on (fetches started), "
                      f"{result.held_back} held back for later polls, {took:.2f} s")
                Article.objects.bulk_create(
                    [Article(url=e.url, canonical_url=e.url) for e in result.new_entries], ignore_conflicts=True
                )
                feeds.remember_body(feed.pk, result.body_hash)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        connections.close_all()
        import psycopg

        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
