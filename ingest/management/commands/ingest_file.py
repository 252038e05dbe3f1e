"""manage.py ingest_file PATH: a saved HTML page or a feed file, with no network."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingest.services import ingest_file


class Command(BaseCommand):
    help = "Ingest a saved article page or a feed file (RSS/Atom) without touching the network."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--url", help="The page's (or feed's) original URL; defaults to the file's file:// URL."
        )

    def handle(self, path, url=None, **options):
        if not Path(path).is_file():
            raise CommandError(f"No such file: {path}")
        run = ingest_file(path, url=url)
        self.stdout.write(
            f"{path}: {run.new_count} new, {run.duplicate_count} duplicate, {run.irrelevant_count} irrelevant, "
            f"{run.failed_count} failed"
        )
        if run.error:
            raise CommandError(run.error)
