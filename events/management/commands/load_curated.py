"""`manage.py load_curated [--path FILE] [--force]`: load the curated dataset; loading it again creates nothing
new, and a changed value in the file updates its row unless a curator edited that field since (--force: the
file wins anyway)."""

from django.core.management.base import BaseCommand, CommandError

from events.curated.loader import DATASET_PATH, DatasetError, load_curated


class Command(BaseCommand):
    help = "Load the curated dataset (events and what they involve); loading again creates nothing new."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", default=str(DATASET_PATH), help=f"Dataset file to load (default: {DATASET_PATH})."
        )
        parser.add_argument(
            "--force", action="store_true", help="Let the file's values replace curators' later edits too."
        )

    def handle(self, *args, path, force, **options):
        try:
            report = load_curated(path, force=force)
        except DatasetError as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Loaded the curated dataset: {report.summary()}"))
