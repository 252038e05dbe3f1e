"""From a published event to recorded deliveries, and from queued deliveries to digests.

Rows first, sending later: every delivery is a row under a unique constraint (event, subscription, channel,
correction) written in the same transaction as the email Message it belongs to, and the tasks that send
are queued only after that transaction commits. Matching the same event twice finds the rows and does
nothing; a send task that is lost is found again by the sweeper (alerts.tasks.sweep_unsent).
"""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from events.models import Event

from . import recording
from .matching import EventFacts, matching_subscriptions, parents_of
from .models import Delivery, Message, Reader, Subscription


def messages_today(reader_id, now=None):
    now = now or timezone.now()
    return Message.objects.filter(reader_id=reader_id, created_at__gt=now - datetime.timedelta(days=1)).count()


# The rows that say a subscription had an event: its email row, or, for a subscription without email, its
# feed row. The private feed lists both; webhooks have rows of their own besides.
HAD_CHANNELS = [Delivery.Channel.EMAIL, Delivery.Channel.FEED]


def record_deliveries(event_id, *, correction=False):
    """Record what publishing (or correcting) `event_id` delivers; returns (message ids, webhook delivery ids)
    to send once the caller's transaction commits. Drafts and rejected events deliver nothing.

    On PostgreSQL one or two set-based statements (alerts.recording); elsewhere row by row."""
    facts = EventFacts.load(event_id)
    if facts is None or facts.status != Event.Status.PUBLISHED:
        return [], []
    parents = parents_of()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return recording.record(facts, parents, correction=correction)
        return record_row_by_row(facts, parents, correction=correction)


def record_row_by_row(facts, parents, *, correction=False):
    """record_deliveries with the Python matcher, a few queries per matching subscription (SQLite)."""
    subscriptions = matching_subscriptions(facts.id, facts=facts, parents=parents)
    message_ids, webhook_ids = [], []
    had = set(
        Delivery.objects.filter(
            event_id=facts.id, channel__in=HAD_CHANNELS, correction_of="",
            subscription_id__in=[s.id for s in subscriptions],
        ).values_list("subscription_id", flat=True)
    )
    for subscription in subscriptions:
        already = subscription.id in had
        if already and not (correction and subscription.corrections):
            continue
        version = facts.updated_at.isoformat() if already else ""
        m, w = _deliver(subscription, facts.id, version)
        message_ids += m
        webhook_ids += w
    return message_ids, webhook_ids


def _deliver(subscription, event_id, version):
    message_ids, webhook_ids = [], []
    row = {"subscription_id": subscription.id, "event_id": event_id, "correction_of": version}
    if Delivery.objects.filter(**row, channel__in=HAD_CHANNELS).exists():
        return message_ids, webhook_ids  # this correction was recorded before
    if subscription.mode == Subscription.Mode.OFF:
        Delivery.objects.create(**row, channel=Delivery.Channel.FEED, status=Delivery.Status.SENT,
                                sent_at=timezone.now())
    else:
        status = Delivery.Status.QUEUED
        message = None
        if subscription.mode == Subscription.Mode.IMMEDIATE:
            # The reader row is locked so two events published at once cannot both slip under the cap.
            Reader.objects.select_for_update().filter(pk=subscription.reader_id).first()
            if messages_today(subscription.reader_id) < settings.ALERTS_DAILY_CAP:
                message = Message.objects.create(reader_id=subscription.reader_id, kind=Message.Kind.ALERT)
                status = Delivery.Status.PENDING
                message_ids.append(message.pk)
            # Over the cap, the alert waits for the next daily digest instead of being lost.
        Delivery.objects.create(**row, channel=Delivery.Channel.EMAIL, status=status, message=message)
    if subscription.webhook_url:
        delivery = Delivery.objects.create(**row, channel=Delivery.Channel.WEBHOOK)
        webhook_ids.append(delivery.pk)
    return message_ids, webhook_ids


DIGEST_MODES = {
    # A daily digest also carries the immediate alerts that the daily cap held back.
    "daily": [Subscription.Mode.DAILY, Subscription.Mode.IMMEDIATE],
    "weekly": [Subscription.Mode.WEEKLY],
}


def build_digests(period, *, chunk=1000):
    """One digest Message per reader with queued email deliveries of `period` ("daily" or "weekly").

    Readers are taken `chunk` at a time, each chunk in one transaction: a run that dies halfway leaves
    whole digests behind and the next run picks up the deliveries still queued. Returns the message ids.
    """
    queued = Delivery.objects.filter(
        status=Delivery.Status.QUEUED,
        channel=Delivery.Channel.EMAIL,
        subscription__mode__in=DIGEST_MODES[period],
        subscription__paused=False,
    )
    # One pass over what waits, by reader; then each chunk of readers by delivery id (no scan per chunk).
    waiting = {}
    for pk, reader_id in queued.values_list("id", "subscription__reader_id").order_by():
        waiting.setdefault(reader_id, []).append(pk)
    reader_ids = sorted(waiting)
    message_ids = []
    for start in range(0, len(reader_ids), chunk):
        readers = reader_ids[start : start + chunk]
        with transaction.atomic():
            ids = [pk for reader_id in readers for pk in waiting[reader_id]]
            # Locked, and still queued: a digest run at the same time takes none of them twice.
            still = set(
                Delivery.objects.filter(pk__in=ids, status=Delivery.Status.QUEUED)
                .select_for_update(skip_locked=True).values_list("id", flat=True)
            )
            rows = [(pk, r) for r in readers for pk in waiting[r] if pk in still]
            if not rows:
                continue
            messages = Message.objects.bulk_create(
                [Message(reader_id=pk, kind=Message.Kind.DIGEST) for pk in sorted({r for _, r in rows})]
            )
            by_reader = {m.reader_id: m.pk for m in messages}
            _attach([pk for pk, _ in rows], [by_reader[r] for _, r in rows])
            message_ids += [m.pk for m in messages]
    return message_ids


def _attach(delivery_ids, message_ids):
    """Set each delivery's message (and status pending) in one statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE alerts_delivery AS d SET message_id = v.message_id, status = %s"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, message_id) WHERE d.id = v.id",
                [Delivery.Status.PENDING, delivery_ids, message_ids],
            )
        return
    updates = [
        Delivery(pk=d, message_id=m, status=Delivery.Status.PENDING)
        for d, m in zip(delivery_ids, message_ids, strict=True)
    ]
    Delivery.objects.bulk_update(updates, ["message", "status"], batch_size=500)
