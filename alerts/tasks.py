"""Celery tasks: thin wrappers that take ids and call alerts.deliveries / alerts.sending."""

import datetime
import logging
import random
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import deliveries, sending
from .models import Delivery, Message

logger = logging.getLogger(__name__)


def enqueue_sends(message_ids, webhook_ids):
    """Queue the sends of rows just recorded, once their transaction has committed."""

    def queue():
        for pk in message_ids:
            send_message.delay(pk)
        for pk in webhook_ids:
            send_webhook.delay(pk)

    transaction.on_commit(queue)


@shared_task(acks_late=True)
def match_event(event_id, correction=False):
    """Record the deliveries of a published (or corrected) event and queue their sends."""
    with transaction.atomic():
        message_ids, webhook_ids = deliveries.record_deliveries(event_id, correction=correction)
        enqueue_sends(message_ids, webhook_ids)
    return len(message_ids) + len(webhook_ids)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError, sending.Busy),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
)
def send_message(self, message_id):
    try:
        return sending.send_message(message_id, self.request.id)
    except sending.Busy:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        sending.record_message_failure(message_id, exc, final=self.request.retries >= self.max_retries)
        raise


@shared_task(bind=True, acks_late=True)
def send_webhook(self, delivery_id):
    try:
        return sending.send_webhook(delivery_id, self.request.id)
    except sending.Busy as exc:
        raise self.retry(countdown=60, max_retries=None) from exc
    except sending.WebhookFailed as exc:
        attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 0
        final = exc.permanent or attempts >= settings.ALERTS_WEBHOOK_MAX_ATTEMPTS
        sending.record_webhook_failure(delivery_id, exc, final=final)
        if final:
            logger.warning("Webhook delivery %s failed for good: %s", delivery_id, exc)
            return False
        delay = sending.webhook_delay(attempts)
        # Growing delays with a little jitter, so failing targets are not hit by every retry at once.
        raise self.retry(countdown=delay + random.uniform(0, delay / 10), max_retries=None) from exc


@shared_task(acks_late=True)
def send_digests(period):
    """Beat: build the daily or weekly digests, then queue one send per reader."""
    message_ids = deliveries.build_digests(period)
    for pk in message_ids:
        send_message.delay(pk)
    return len(message_ids)


STALE = datetime.timedelta(minutes=15)


def lost_webhook_retries(cutoff, limit=1000):
    """Failing webhook deliveries whose retry should have run STALE ago: their countdown (and its jitter)
    has passed and nothing claimed them since, so the retry task was lost with its worker or broker."""
    now = timezone.now()
    rows = Delivery.objects.filter(
        channel=Delivery.Channel.WEBHOOK, status=Delivery.Status.RETRYING, claimed_at__lt=cutoff
    ).values_list("id", "attempts", "claimed_at")[:limit]
    return [
        pk for pk, attempts, claimed_at in rows
        if claimed_at < now - STALE - datetime.timedelta(seconds=sending.webhook_delay(attempts) * 1.1)
    ]


@shared_task
def sweep_unsent():
    """Beat: queue again the sends a lost task left behind (a broker outage at commit, a worker lost for
    good, a webhook retry that never ran). The claims make a duplicate harmless."""
    cutoff = timezone.now() - STALE
    stale = Q(claimed_at__isnull=True, created_at__lt=cutoff) | Q(claimed_at__lt=cutoff)
    messages = Message.objects.filter(stale, status__in=[Message.Status.PENDING, Message.Status.SENDING])
    webhooks = Delivery.objects.filter(stale, channel=Delivery.Channel.WEBHOOK, status=Delivery.Status.PENDING)
    message_ids = list(messages.values_list("id", flat=True)[:1000])
    webhook_ids = list(webhooks.values_list("id", flat=True)[:1000]) + lost_webhook_retries(cutoff)
    for pk in message_ids:
        send_message.delay(pk)
    for pk in webhook_ids:
        send_webhook.delay(pk)
    return len(message_ids) + len(webhook_ids)
