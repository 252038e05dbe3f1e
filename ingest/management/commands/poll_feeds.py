"""manage.py poll_feeds [--all]: poll the feeds that are due (or all active ones) here and now."""

from django.core.management.base import BaseCommand

from ingest.services import poll_due_feeds_now


class Command(BaseCommand):
    help = "Poll due feeds in this process and ingest their new entries (the beat task does this on workers)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Poll every active feed, due or not.")

    def handle(self, **options):
        done = poll_due_feeds_now(everything=options["all"])
        for feed, result in done:
            line = f"{feed}: {result.status}, {len(result.new_entries)} new, {result.duplicates} known"
            self.stdout.write(line + (f" ({result.error})" if result.error else ""))
        self.stdout.write(f"{len(done)} feed(s) polled.")
