"""Keep derived caches honest when curators change organisations, people, events and their sources."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .cards import forget_cards
from .models import (
    Event,
    EventOrganisation,
    EventPerson,
    Lawsuit,
    Organisation,
    Person,
    Source,
    UnionAgreement,
)
from .queries import forget_event_aggregates, forget_organisation_tree


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


@receiver([post_save, post_delete], sender=Source)
@receiver([post_save, post_delete], sender=EventOrganisation)
@receiver([post_save, post_delete], sender=EventPerson)
def part_of_a_card(sender, instance, **kwargs):
    # A card shows its event's sources and links; moving updated_at moves the card's cache key. Links and
    # sources also change what filters and searches find, so cached counts, charts and pages go stale too.
    Event.objects.filter(pk=instance.event_id).update(updated_at=timezone.now())
    forget_event_aggregates()


@receiver([post_save, post_delete], sender=Event)
def event_changed(sender, **kwargs):
    # Counts and charts over many events are cached until any event changes.
    forget_event_aggregates()
