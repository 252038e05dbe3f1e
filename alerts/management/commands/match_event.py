"""Match published events against the subscriptions again (after a broker outage lost the publish hook).

Safe to repeat: deliveries already recorded are found and left alone.
"""

from django.core.management.base import BaseCommand

from alerts.tasks import match_event


class Command(BaseCommand):
    help = "Record and send the alerts of published events, by id (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("event_ids", nargs="+", type=int)

    def handle(self, *args, event_ids, **options):
        for event_id in event_ids:
            sends = match_event.apply(args=(event_id,)).get()
            self.stdout.write(f"event {event_id}: {sends} send(s) queued")
