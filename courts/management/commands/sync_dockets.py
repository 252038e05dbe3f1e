"""`manage.py sync_dockets`: poll every tracked lawsuit's docket on CourtListener now, in this process."""

from django.core.management.base import BaseCommand

from courts import client, sync
from courts.tasks import OFF


class Command(BaseCommand):
    help = "Poll the CourtListener docket of each lawsuit that has a docket id; draft events for what matters."

    def handle(self, *args, **options):
        if not client.enabled():
            self.stdout.write(OFF)
            return
        with client.CourtListener() as courtlistener:
            for lawsuit in sync.tracked_lawsuits():
                try:
                    result = sync.poll_lawsuit(lawsuit, courtlistener)
                except client.RateLimited as error:
                    self.stdout.write(f"{lawsuit}: {error}; stopping here")
                    return
                note = f" (failed: {result.error})" if result.error else ""
                self.stdout.write(
                    f"{lawsuit}: {result.seen} entries read, {result.new} new, {result.drafts} drafts{note}"
                )
