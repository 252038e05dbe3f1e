"""The publish hook: when an event becomes published (or a published one is corrected), match it.

A receiver here rather than in events/signals.py, so events/ never imports alerts/. Matching runs in a
task queued after the transaction commits (the admin saves an event's links after the event itself, in
the same transaction), and only when anyone follows anything at all.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from events.models import Event

logger = logging.getLogger(__name__)


# Events are also saved through proxy models (the review queue's DraftEvent): listen to every save.
@receiver(pre_save, dispatch_uid="alerts-remember-published")
def remember_published(sender, instance, **kwargs):
    if not issubclass(sender, Event) or instance.status != Event.Status.PUBLISHED:
        return
    instance._alerts_was_published = bool(instance.pk) and (
        Event.objects.filter(pk=instance.pk, status=Event.Status.PUBLISHED).exists()
    )


@receiver(post_save, dispatch_uid="alerts-event-published")
def event_published(sender, instance, raw=False, **kwargs):
    if raw or not issubclass(sender, Event) or instance.status != Event.Status.PUBLISHED:
        return
    correction = getattr(instance, "_alerts_was_published", False)
    event_id = instance.pk
    transaction.on_commit(lambda: queue_match(event_id, correction))


def queue_match(event_id, correction):
    from .models import Subscription
    from .tasks import match_event

    if not Subscription.objects.exists():
        return
    try:
        # retry=False: a broker outage must not hold up the curator's request; the event stays published
        # and `manage.py match_event ID` (or publishing again) matches it later.
        match_event.apply_async((event_id, correction), retry=False)
    except Exception:  # noqa: BLE001 - any broker error; the publish itself succeeded
        logger.exception("Could not queue alerts matching for event %s", event_id)
