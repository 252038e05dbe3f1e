"""Keep the alias matcher honest: any change to an organisation or a person marks it stale everywhere."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from events.models import Organisation, Person

from .link import bump_version


@receiver([post_save, post_delete], sender=Organisation, dispatch_uid="ingest-matcher-organisation")
@receiver([post_save, post_delete], sender=Person, dispatch_uid="ingest-matcher-person")
def registry_changed(sender, **kwargs):
    # Now, so this process sees its own change at once; and again on commit, so a process that rebuilt
    # from the database before the transaction committed rebuilds once more with the committed rows.
    bump_version()
    transaction.on_commit(bump_version)
