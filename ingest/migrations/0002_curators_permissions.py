"""Curators may manage feeds, read articles and runs, and work the review queue."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_ingest_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ingest's exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    curators, _ = Group.objects.get_or_create(name="Curators")
    curators.permissions.add(*Permission.objects.filter(content_type__app_label="ingest"))


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0001_initial"),
        ("events", "0002_curators_group"),
    ]

    operations = [migrations.RunPython(grant_ingest_permissions, migrations.RunPython.noop)]
