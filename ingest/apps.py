from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Ingest"

    def ready(self):
        from . import signals  # noqa: F401  (marks the alias matcher stale when the registry changes)
