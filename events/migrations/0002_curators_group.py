"""The Curators group: may change every piece of content, but not users or groups."""

from django.db import migrations

from events.curators import GROUP_NAME, create_all_permissions, grant_curator_permissions


def create_curators(apps, schema_editor):
    create_all_permissions(apps)
    grant_curator_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ["events"])


def remove_curators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curators, remove_curators)]
