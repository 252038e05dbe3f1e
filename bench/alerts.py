"""Benchmark alerts: matching cost per published event with 100,000 subscriptions, and the daily digest of
100,000 readers.

    .venv/bin/python bench/alerts.py [--subscriptions 100000] [--events 200] [--refill] [--only matching|digest]

Uses its own PostgreSQL database (BENCH_ALERTS_DATABASE_URL, default dailies_h12_bench on 127.0.0.1),
created, migrated and filled on the first run and reused after (--refill starts again). Subscriptions
are a mix like real ones: 65% organisations (with subsidiaries, kinds, roles), 15% people, 5% lawsuits, 2%
agreements, 10% search words (from a 4,000-word vocabulary that events also use, common words more often),
3% kinds alone, 0.2% "everything"; half of them email at once, 40% daily, 10% weekly, 5% with a webhook.
Matching is timed alone and with the recording of its deliveries (alerts.recording, committed). Targets: at
most 50 ms of matching per event; the digests of 100,000 readers built in under 2 minutes.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dailies_h12_bench"
COMMON = (
    "studio model lawsuit video actors union contract likeness voice training data copyright ruling judge "
    "settlement streaming animation visual effects licence deal investment launch strike guild vote dubbing "
    "script writers music synthetic digital replica consent archive footage trailer festival camera"
).split()


def vocabulary(rng, size=4000):
    """The common words of the field, then made-up rarer ones (product names, places, surnames)."""
    words = list(COMMON)
    while len(words) < size:
        word = "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.choice((2, 3, 4))))
        if word not in words:
            words.append(word)
    return words


def text(rng, words, n):
    """`n` words, the common ones far more often (Zipf-like, as in real prose)."""
    return " ".join(rng.choices(words, weights=[1 / (rank + 1) for rank in range(len(words))], k=n))
KINDS = ["announcement", "product_launch", "deal", "investment", "lawsuit_filed", "ruling", "settlement",
         "agreement", "ratification", "statement", "legislation", "other"]
ROLES = ["subject", "plaintiff", "defendant", "partner", "investor", "developer"]


def setup_django(url, refill):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and refill:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DAILIES_TESTING", "1")  # test settings: no secret key needed
    os.environ.pop("CELERY_BROKER_URL", None)  # no broker: nothing is queued, the cache is local memory
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(n_subscriptions, n_events, rng):
    from django.db import transaction
    from django.db.models.signals import post_save
    from django.utils import timezone

    from alerts.matching import subscription_keys
    from alerts.models import Reader, Subscription, SubscriptionKey
    from events.models import Event, EventOrganisation, EventPerson, Lawsuit, Organisation, Person, UnionAgreement

    # The events are matched by the benchmark itself, not by the publish hook as they are written.
    post_save.disconnect(dispatch_uid="alerts-event-published")
    words = vocabulary(rng)
    t0 = time.perf_counter()
    with transaction.atomic():
        parents = Organisation.objects.bulk_create(
            [Organisation(name=f"Group {i}", slug=f"group-{i}") for i in range(200)]
        )
        children = Organisation.objects.bulk_create(
            [Organisation(name=f"Company {i}", slug=f"company-{i}", parent=rng.choice(parents)) for i in range(1800)]
        )
        organisations = parents + children
        people = Person.objects.bulk_create([Person(name=f"Person {i}", slug=f"person-{i}") for i in range(500)])
        lawsuits = Lawsuit.objects.bulk_create([Lawsuit(case_name=f"Case {i}", slug=f"case-{i}") for i in range(200)])
        agreements = UnionAgreement.objects.bulk_create(
            [UnionAgreement(name=f"Agreement {i}", slug=f"agreement-{i}", union=rng.choice(parents)) for i in range(50)]
        )
        readers = Reader.objects.bulk_create(
            [Reader(email=f"reader{i}@example.org", confirmed_at=timezone.now()) for i in range(n_subscriptions)],
            batch_size=5000,
        )
        subscriptions = []
        for i, reader in enumerate(readers):
            # Half email at once (the default), the rest digests; 5% with a webhook too.
            mode = rng.choices(["immediate", "daily", "weekly"], weights=[50, 40, 10])[0]
            webhook = f"https://hooks.example.org/{i}" if rng.random() < 0.05 else ""
            s = Subscription(reader=reader, name=f"Subscription {i}", mode=mode, webhook_url=webhook)
            roll = rng.random()
            if roll < 0.62:
                s.organisation_ids = [o.pk for o in rng.sample(organisations, rng.choice((1, 1, 1, 2, 3)))]
                s.include_subsidiaries = rng.random() < 0.8
                if rng.random() < 0.4:
                    s.kinds = rng.sample(KINDS, rng.choice((1, 2)))
                if rng.random() < 0.15:
                    s.roles = [rng.choice(ROLES)]
            elif roll < 0.77:
                s.person = rng.choice(people)
            elif roll < 0.82:
                s.lawsuit = rng.choice(lawsuits)
            elif roll < 0.84:
                s.agreement = rng.choice(agreements)
            elif roll < 0.94:
                # Readers search for names and terms, not the commonest words.
                s.q_words = rng.sample(words[20:], rng.choice((1, 1, 2)))
            elif roll < 0.97:
                s.kinds = rng.sample(KINDS, rng.choice((1, 2)))
            elif roll < 0.972:
                pass  # everything
            else:
                s.organisation_ids = [rng.choice(organisations).pk]
            subscriptions.append(s)
        subscriptions = Subscription.objects.bulk_create(subscriptions, batch_size=5000)  # no save(): keys below
        SubscriptionKey.objects.bulk_create(
            [SubscriptionKey(subscription=s, key=k) for s in subscriptions for k in subscription_keys(s)],
            batch_size=10000,
        )
        for _ in range(n_events):
            event = Event.objects.create(
                date=timezone.now().date(), kind=rng.choice(KINDS), status="published",
                title=text(rng, words, 8).capitalize(), summary=text(rng, words, 80),
                lawsuit=rng.choice(lawsuits) if rng.random() < 0.2 else None,
                agreement=rng.choice(agreements) if rng.random() < 0.05 else None,
            )
            EventOrganisation.objects.bulk_create(
                [EventOrganisation(event=event, organisation=o, role=rng.choice(ROLES))
                 for o in rng.sample(organisations, rng.choice((1, 2, 3, 4)))]
            )
            EventPerson.objects.bulk_create(
                [EventPerson(event=event, person=p) for p in rng.sample(people, rng.choice((0, 1, 2)))]
            )
    took = time.perf_counter() - t0
    print(f"filled {n_subscriptions:,} readers and subscriptions, {n_events} events in {took:.1f} s")


def _summary(times):
    times = sorted(times)
    return (f"median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
            f"max {times[-1]:.1f} ms")


def bench_matching():
    """Per published event: matching alone (the event's facts, then one SQL query), and matching with
    recording (alerts.deliveries.record_deliveries: the same match inserting the delivery rows and the
    immediate alerts' messages, committed), as match_event runs it."""
    from django.db import transaction

    from alerts.deliveries import record_deliveries
    from alerts.matching import EventFacts, parents_of
    from alerts.models import Delivery, Message
    from alerts.recording import matched_ids
    from events.models import Event

    event_ids = list(Event.objects.published().order_by("id").values_list("id", flat=True))
    parents_of()  # the organisation tree is cached (in Redis in production) and shared by all events
    matched_ids(EventFacts.load(event_ids[0]), parents_of())  # warm the connection and the plans
    times, cpu, counts = [], [], []
    for event_id in event_ids:
        start, start_cpu = time.perf_counter(), time.process_time()
        found = matched_ids(EventFacts.load(event_id), parents_of())
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        counts.append(len(found))
    print(f"matching, {len(event_ids)} events: {_summary(times)} per event (target <= 50 ms), of which "
          f"{statistics.median(cpu):.1f} ms (median) is this process's CPU; "
          f"{statistics.mean(counts):.0f} matching subscriptions per event on average")

    Message.objects.all().delete()
    Delivery.objects.all().delete()
    times, cpu, rows = [], [], []
    for event_id in event_ids:
        start, start_cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            messages, webhooks = record_deliveries(event_id)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        rows.append((len(messages), len(webhooks)))
    deliveries = Delivery.objects.count()
    print(f"matching and recording (committed), {len(event_ids)} events: {_summary(times)} per event, "
          f"{statistics.median(cpu):.1f} ms (median) of this process's CPU; per event on average "
          f"{deliveries / len(event_ids):.0f} delivery rows, {statistics.mean(m for m, _ in rows):.0f} alert "
          f"messages, {statistics.mean(w for _, w in rows):.0f} webhooks")


def bench_digest(rng):
    from django.db import connection

    from alerts.deliveries import build_digests
    from alerts.models import Delivery, Message, Subscription
    from alerts.sending import build_email
    from events.models import Event

    event_ids = list(Event.objects.published().values_list("id", flat=True))
    Message.objects.all().delete()
    Delivery.objects.all().delete()
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        # Three queued email deliveries per subscription (one reader each), written in one statement.
        cursor.execute(
            """
            INSERT INTO alerts_delivery (subscription_id, event_id, channel, correction_of, status, attempts,
                                         last_error, claimed_by, created_at)
            SELECT s.id, e.id, 'email', '', 'queued', 0, '', '', now()
            FROM alerts_subscription s
            CROSS JOIN LATERAL (SELECT id FROM unnest(%s::bigint[]) AS id
                                ORDER BY md5(id::text || s.id::text) LIMIT 3) e
            """,
            [event_ids],
        )
    readers = Subscription.objects.values("reader_id").distinct().count()
    print(f"queued {Delivery.objects.count():,} deliveries for {readers:,} readers in {time.perf_counter() - t0:.1f} s")
    start = time.perf_counter()
    message_ids = build_digests("daily") + build_digests("weekly")  # every reader gets one or the other
    built = time.perf_counter() - start
    print(f"digest of {len(message_ids):,} readers built (one message each, deliveries attached) in {built:.1f} s "
          f"(target < 120 s)")
    sample = rng.sample(message_ids, min(200, len(message_ids)))
    start = time.perf_counter()
    for pk in sample:
        build_email(Message.objects.select_related("reader").get(pk=pk)).message()
    per = (time.perf_counter() - start) / len(sample)
    print(f"rendering one digest (text + HTML, 3 events): {per * 1000:.1f} ms, "
          f"{per * len(message_ids):.0f} s of send-task work for all of them (spread over the workers)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--only", choices=["matching", "digest"], help="run one of the two benchmarks")
    args = parser.parse_args()
    setup_django(os.environ.get("BENCH_ALERTS_DATABASE_URL", DEFAULT_URL), args.refill)
    from alerts.models import Subscription

    rng = random.Random(12)
    if Subscription.objects.count() != args.subscriptions:
        if Subscription.objects.exists():
            print("the bench database holds another size: use --refill")
            return 1
        fill(args.subscriptions, args.events, rng)
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh statistics and visibility maps, as autovacuum keeps them in production (a table just filled
        # in bulk has neither: every read would set hint bits and no index-only scan could be used).
        cursor.execute("VACUUM ANALYZE")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} cores")
    if args.only != "digest":
        bench_matching()
    if args.only != "matching":
        bench_digest(rng)
    return 0


if __name__ == "__main__":
    sys.exit(main())
