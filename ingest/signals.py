"""Keep ingest in step with the registry: any change to an organisation or a person marks the alias
matcher stale, and a new entry settles the candidate names it answers."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from events.models import Organisation, Person

from .link import bump_version
from .models import CandidateName


@receiver([post_save, post_delete], sender=Organisation, dispatch_uid="ingest-matcher-organisation")
@receiver([post_save, post_delete], sender=Person, dispatch_uid="ingest-matcher-person")
def registry_changed(sender, **kwargs):
    # Now, so this process sees its own change at once; and again on commit, so a process that rebuilt
    # from the database before the transaction committed rebuilds once more with the committed rows.
    bump_version()
    transaction.on_commit(bump_version)


@receiver(post_save, sender=Organisation, dispatch_uid="ingest-candidates-organisation")
@receiver(post_save, sender=Person, dispatch_uid="ingest-candidates-person")
def registry_entry_added(sender, instance, created, raw=False, **kwargs):
    # A curator adding a name from the review screen's prefilled form (or any other way) has dealt with
    # it: its candidates, in every article, leave the open list and the admin home's count. An alias
    # counts too, so a curator who tidies "Quillfeather Studios Inc." into a name with that alias is heard.
    if created and not raw:
        mark_candidates_added([instance.name, *instance.alias_list])


def mark_candidates_added(names):
    """Mark the open candidate names among `names` (any case or spacing) as added to the registry."""
    keys = {" ".join(name.casefold().split()) for name in names if name and name.strip()}
    return CandidateName.objects.filter(key__in=keys, status=CandidateName.Status.OPEN).update(
        status=CandidateName.Status.ADDED
    )
