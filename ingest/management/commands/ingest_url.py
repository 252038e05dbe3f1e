"""manage.py ingest_url URL: fetch one article and take it through the pipeline, here and now."""

from django.core.management.base import BaseCommand, CommandError

from ingest.services import ingest_url_now


class Command(BaseCommand):
    help = "Fetch one article by URL and ingest it (extract, dedupe, link, classify, propose)."

    def add_arguments(self, parser):
        parser.add_argument("url")

    def handle(self, url, **options):
        run, outcome = ingest_url_now(url)
        if outcome.result == "failed":
            raise CommandError(f"{url}: {outcome.error}")
        detail = (
            f" (event {outcome.event_id}{', new draft' if outcome.event_created else ''})"
            if outcome.event_id
            else ""
        )
        self.stdout.write(f"{url}: {outcome.result}{detail}")
