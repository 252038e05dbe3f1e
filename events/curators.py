"""The Curators group: staff who may change every piece of content, but not users or groups.

Made by data migrations (events 0002, ingest 0002) and put back by the tests after a flush; one definition
for all of them.
"""

from django.contrib.auth.management import create_permissions

GROUP_NAME = "Curators"
CONTENT_APPS = ("events", "ingest")


def create_all_permissions(apps):
    """Permissions are normally created after all migrations run; a data migration needs them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant_curator_permissions(Group, Permission, app_labels=CONTENT_APPS):
    """The group, with every permission of the content apps. Takes the models so migrations pass theirs."""
    curators, _ = Group.objects.get_or_create(name=GROUP_NAME)
    curators.permissions.add(*Permission.objects.filter(content_type__app_label__in=app_labels))
    return curators
