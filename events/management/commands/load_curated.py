"""`manage.py load_curated [--path FILE]`: load the curated dataset; loading it again creates nothing new."""

from django.core.management.base import BaseCommand, CommandError

from events.curated.loader import DATASET_PATH, DatasetError, load_curated


class Command(BaseCommand):
    help = "Load the curated dataset (events and what they involve); loading again creates nothing new."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", default=str(DATASET_PATH), help=f"Dataset file to load (default: {DATASET_PATH})."
        )

    def handle(self, *args, path, **options):
        try:
            report = load_curated(path)
        except DatasetError as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Loaded the curated dataset: {report.summary()}"))
