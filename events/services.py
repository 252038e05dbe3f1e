"""Changes to the domain that more than one caller makes: publishing, rejecting, merging.

The admin calls these, and so does the ingest pipeline; each keeps the rules in one place.
"""

from django.db import transaction
from django.utils import timezone

from .models import Event, EventOrganisation, LawsuitParty, Organisation, split_aliases


class PublishError(ValueError):
    pass


def publish_events(events):
    """Publish the given events; those without a source are refused. Returns (published, refused)."""
    published, refused = [], []
    for event in events.prefetch_related("sources") if hasattr(events, "prefetch_related") else events:
        if not event.sources.all():
            refused.append(event)
            continue
        if event.status != Event.Status.PUBLISHED:
            event.status = Event.Status.PUBLISHED
            event.published_at = event.published_at or timezone.now()
            event.save(update_fields=["status", "published_at", "updated_at"])
        published.append(event)
    return published, refused


def reject_events(events):
    """Reject the given events; a rejected event is never public."""
    rejected = []
    for event in events:
        if event.status != Event.Status.REJECTED:
            event.status = Event.Status.REJECTED
            event.save(update_fields=["status", "updated_at"])
        rejected.append(event)
    return rejected


@transaction.atomic
def merge_organisations(target, duplicates):
    """Fold `duplicates` into `target`: every relation is re-pointed and their names kept as aliases.

    Event links that would repeat one the target already has are dropped (the target's role wins).
    """
    duplicates = [d for d in duplicates if d.pk != target.pk]
    if not duplicates:
        return target
    names = split_aliases(target.aliases)
    for duplicate in duplicates:
        names += [duplicate.name, *split_aliases(duplicate.aliases)]
        for link in EventOrganisation.objects.filter(organisation=duplicate):
            if EventOrganisation.objects.filter(event_id=link.event_id, organisation=target).exists():
                link.delete()
            else:
                link.organisation = target
                link.save(update_fields=["organisation"])
        for party in LawsuitParty.objects.filter(organisation=duplicate):
            if LawsuitParty.objects.filter(lawsuit_id=party.lawsuit_id, organisation=target, side=party.side).exists():
                party.delete()
            else:
                party.organisation = target
                party.save(update_fields=["organisation"])
        duplicate.affiliations.exclude(person__affiliations__organisation=target).update(organisation=target)
        duplicate.agreements.update(union=target)
        for agreement in duplicate.agreements_as_counterparty.all():
            agreement.counterparties.remove(duplicate)
            agreement.counterparties.add(target)
        duplicate.subsidiaries.exclude(pk=target.pk).update(parent=target)
        if target.parent_id == duplicate.pk:
            target.parent = duplicate.parent
    keep = [n for n in split_aliases("\n".join(names)) if n.casefold() != target.name.casefold()]
    target.aliases = "\n".join(keep)
    target.save()
    for duplicate in duplicates:
        duplicate.delete()
    return target
