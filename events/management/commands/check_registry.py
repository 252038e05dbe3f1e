"""`manage.py check_registry [--list]`: what in the registry looks out of date or incomplete, counted per kind."""

from django.core.management.base import BaseCommand

from events import registry


class Command(BaseCommand):
    help = "List registry entries that look out of date or incomplete, with a count per kind."

    def add_arguments(self, parser):
        parser.add_argument("--counts", action="store_true", help="Print only the count per kind.")

    def handle(self, *args, counts, **options):
        found = registry.findings()
        if not counts:
            for finding in found:
                detail = f": {finding.detail}" if finding.detail else ""
                self.stdout.write(f"[{finding.kind}] {finding.subject}{detail}")
            self.stdout.write("")
        for kind, n in registry.counts(found).items():
            self.stdout.write(f"{n:4d}  {registry.KINDS[kind]} ({kind})")
        self.stdout.write(f"{len(found):4d}  in all")
