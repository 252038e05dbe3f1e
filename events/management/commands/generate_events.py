"""`manage.py generate_events --events N [--seed S]`: fill the database with synthetic data for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from events.synthetic import generate


class Command(BaseCommand):
    help = "Add N synthetic events (and ~2,000 organisations, ~10,000 people) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, required=True, help="How many events to add.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument("--organisations", type=int, default=2_000)
        parser.add_argument("--people", type=int, default=10_000)

    def handle(self, *args, events, seed, organisations, people, **options):
        if events < 0 or organisations < 2 or people < 1:
            raise CommandError(
                "--events must be at least 0, --organisations at least 2 and --people at least 1."
            )
        started = time.monotonic()

        def log(message):
            self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {message}")
            self.stdout.flush()

        counts = generate(events=events, seed=seed, organisations=organisations, people=people, log=log)
        if connection.vendor == "postgresql":
            # Fresh rows are not yet all-visible: without a VACUUM, index-only scans still visit the heap.
            with connection.cursor() as cursor:
                for table in ("event", "eventorganisation", "eventperson", "source"):
                    cursor.execute(f"VACUUM ANALYZE events_{table}")
            log("vacuumed and analysed")
        log("done: " + ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items()))
