"""Curators may manage feeds, read articles and runs, and work the review queue."""

from django.db import migrations

from events.curators import create_all_permissions, grant_curator_permissions


def grant_ingest_permissions(apps, schema_editor):
    create_all_permissions(apps)
    grant_curator_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ["ingest"])


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_initial"),
        ("events", "0002_curators_group"),
    ]

    operations = [migrations.RunPython(grant_ingest_permissions, migrations.RunPython.noop)]
