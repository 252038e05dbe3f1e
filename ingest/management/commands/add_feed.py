"""manage.py add_feed URL [--name NAME]: start following a feed; the next poll reads it."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from ingest.feeds import add_feed
from ingest.fetch import FetchError


class Command(BaseCommand):
    help = "Add a feed (RSS or Atom) to poll."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--name", default="")

    def handle(self, url, name="", **options):
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise CommandError(f"Not an http(s) URL: {url}") from exc
        try:
            feed, created = add_feed(url, name=name)
        except FetchError as exc:  # a URL the fetcher would refuse on every poll
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{'Added' if created else 'Already following'} feed {feed.pk}: {feed}")
