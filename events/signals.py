"""Keep derived caches honest when curators change organisations, people, events and their sources.

Visitors only see published events, so changes to drafts (ingest writes a draft, its sources and links for
every new story) leave the cached pages, charts and counts alone; publishing, unpublishing and editing a
published event or its sources and links invalidate them.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .models import (
    Event,
    EventOrganisation,
    EventPerson,
    Lawsuit,
    LawsuitParty,
    Organisation,
    Person,
    Source,
    UnionAgreement,
)
from .queries import forget_organisation_tree
from .versions import forget_cards, forget_event_aggregates, forget_event_pages


@receiver([post_save, post_delete], sender=Organisation)
def organisation_changed(sender, **kwargs):
    forget_organisation_tree()
    forget_event_aggregates()  # co-occurring organisations carry names


@receiver([post_save, post_delete], sender=Organisation)
@receiver([post_save, post_delete], sender=Person)
@receiver([post_save, post_delete], sender=Lawsuit)
@receiver([post_save, post_delete], sender=UnionAgreement)
def named_on_cards(sender, **kwargs):
    # Their names and slugs appear on timeline cards: every cached card goes stale.
    forget_cards()


@receiver([post_save, post_delete], sender=LawsuitParty)
def lawsuit_party_changed(sender, **kwargs):
    # An organisation's page lists the suits it is a party to, and is cached by the pages version
    # (views.organisation_detail); the parties on the record change no card and no count.
    forget_event_pages()


@receiver([post_save, post_delete], sender=Source)
@receiver([post_save, post_delete], sender=EventOrganisation)
@receiver([post_save, post_delete], sender=EventPerson)
def part_of_a_card(sender, instance, **kwargs):
    # A card shows its event's sources and links; moving updated_at moves the card's cache key. Links also
    # change what filters find, so counts and charts of published events go stale; a source changes only
    # pages and searches (its title is searched).
    Event.objects.filter(pk=instance.event_id).update(updated_at=timezone.now())
    if Event.objects.filter(pk=instance.event_id, status=Event.Status.PUBLISHED).exists():
        if sender is Source:
            forget_event_pages()
        else:
            forget_event_aggregates()


# Events are also saved through proxy models (the review queue's DraftEvent in ingest/), and Django sends
# a proxy's signals with the proxy as sender: so these two listen to every save and pick out events.


@receiver(pre_save)
def remember_whether_published(sender, instance, **kwargs):
    if not issubclass(sender, Event):
        return
    instance._was_published = bool(instance.pk) and (
        Event.objects.filter(pk=instance.pk, status=Event.Status.PUBLISHED).exists()
    )


@receiver([post_save, post_delete])
def event_changed(sender, instance, **kwargs):
    if not issubclass(sender, Event):
        return
    # Counts, charts and pages over many events are cached until a published event changes, or an event
    # is published or unpublished.
    was_published = getattr(instance, "_was_published", instance.status == Event.Status.PUBLISHED)
    if was_published or instance.status == Event.Status.PUBLISHED:
        forget_event_aggregates()
