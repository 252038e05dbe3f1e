"""manage.py ingest_demo: the bundled sample feed and pages, through the real pipeline (idempotent)."""

from django.core.management.base import BaseCommand

from events.models import Event
from ingest.services import ingest_sample


class Command(BaseCommand):
    help = "Ingest the sample in ingest/sample/ so the review queue has drafts to look at. Safe to re-run."

    def handle(self, **options):
        run = ingest_sample()
        drafts = Event.objects.filter(status=Event.Status.DRAFT).count()
        self.stdout.write(
            f"Sample ingested: {run.new_count} new, {run.duplicate_count} already there, "
            f"{run.irrelevant_count} irrelevant, {run.failed_count} failed. {drafts} draft(s) await review."
        )
