"""Sending what deliveries.py recorded: emails (alerts and digests) over Django's mail backend, and webhooks.

A send claims its row first (the Celery task id, the time, and for a mail the status `sending`) in its own
committed transaction, before the SMTP conversation, so a second task for the same row stands back while
the claim is fresh; a task redelivered after its worker died carries the same id and takes over at once.

The double-send window, and how far it is closed. SMTP has no way to ask a server "did you take this?",
so between the server's "250 OK" to DATA and our commit of `sent` a crash leaves a mail that went out
recorded as not sent, and the retry sends it again. We keep that window as short as SMTP allows: the mail
is rendered before the connection opens, the row is committed as sent right after the 250, before QUIT and
the close (which Django's backend would otherwise do first), so it spans one UPDATE. And what is resent is
recognisable: each mail's Message-ID is made from its row alone (`message_id_header`), so the resend carries
the same Message-ID as the first, which mail stores and clients use to drop the duplicate. What remains: a
crash (or a lost connection after the server took the mail) in that short span sends a second copy with
the same Message-ID; a receiving system that does not deduplicate on Message-ID shows it twice.
"""

import datetime
import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from events.models import Source

from .models import Delivery, Message, WebhookAttempt

UNSUBSCRIBE_SALT = "alerts.unsubscribe"
CLAIM_LEASE = datetime.timedelta(minutes=10)


class Busy(Exception):
    """Another task holds a fresh claim on this row."""


def site_url(path):
    return settings.ALERTS_SITE_URL.rstrip("/") + path


def claim(model, pk, task_id, *, done_status, status=None):
    """Lock row `pk` of `model` for this task (and set `status`, if given); None when it is already done.
    Raises Busy while another task's claim is fresh."""
    now = timezone.now()
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.status in done_status:
            return None
        fresh = row.claimed_at and now - row.claimed_at < CLAIM_LEASE
        if row.claimed_by and row.claimed_by != task_id and fresh:
            raise Busy(f"{model.__name__} {pk} is being sent by task {row.claimed_by}")
        row.claimed_by, row.claimed_at = task_id or "", now
        row.attempts += 1
        fields = ["claimed_by", "claimed_at", "attempts"]
        if status:
            row.status = status
            fields.append("status")
        row.save(update_fields=fields)
        return row


# --- Email ----------------------------------------------------------------------------------------

def unsubscribe_token(message_id):
    return signing.dumps(message_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_message_id(token):
    """The message id a token was made for; signing.BadSignature for anything else."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def message_groups(message):
    """[(subscription, [delivery, ...])] of one message, by subscription name, events newest first."""
    deliveries = (
        message.deliveries.select_related("subscription", "event", "event__lawsuit", "event__agreement")
        .prefetch_related(
            # Only the sources visitors see: proposals wait for a curator.
            Prefetch("event__sources", queryset=Source.objects.public().order_by("published_on", "id")),
            "event__organisation_links__organisation",
        )
        .order_by("subscription__name", "subscription_id", "-event__date", "-event_id")
    )
    groups = {}
    for delivery in deliveries:
        groups.setdefault(delivery.subscription, []).append(delivery)
    return list(groups.items())


def message_id_header(message):
    """The Message-ID of a Message's mail: the same at every attempt, so a resend is a recognisable duplicate."""
    return f"<{message.kind}-{message.pk}@{settings.ALERTS_MAIL_DOMAIN}>"


def build_email(message, connection=None):
    """The EmailMultiAlternatives of a Message: plain text and HTML, with the one-click unsubscribe headers."""
    groups = message_groups(message)
    unsubscribe = site_url(reverse("alerts:unsubscribe", args=[unsubscribe_token(message.pk)]))
    context = {
        "message": message,
        "groups": groups,
        "site_url": settings.ALERTS_SITE_URL.rstrip("/"),
        "manage_url": site_url(reverse("alerts:manage")),
        "unsubscribe_url": unsubscribe,
        "event_count": sum(len(d) for _, d in groups),
    }
    if message.kind == Message.Kind.DIGEST:
        subject = f"Dailies digest: {context['event_count']} new event{'s' if context['event_count'] != 1 else ''}"
    else:
        delivery = groups[0][1][0] if groups else None
        prefix = "Corrected: " if delivery and delivery.correction_of else ""
        subject = f"Dailies: {prefix}{delivery.event.title}" if delivery else "Dailies"
    text = render_to_string("alerts/mail/message.txt", context)
    html = render_to_string("alerts/mail/message.html", context)
    email = EmailMultiAlternatives(
        subject=subject[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.reader.email],
        connection=connection,
        headers={
            "Message-ID": message_id_header(message),
            # RFC 8058: a POST to this URL with List-Unsubscribe=One-Click unsubscribes, no sign-in.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def send_message(message_id, task_id):
    """Send one recorded Message. Returns False when it was sent already or has nothing left to send."""
    message = claim(Message, message_id, task_id, done_status={Message.Status.SENT}, status=Message.Status.SENDING)
    if message is None:
        return False
    if not message.deliveries.exists():  # every subscription in it was deleted meanwhile
        Message.objects.filter(pk=message_id).update(status=Message.Status.SENT, sent_at=timezone.now())
        return False
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    email = build_email(message, connection=connection)  # rendered before the server is kept waiting
    connection.open()
    try:
        email.send()  # an open connection stays open: the row is marked sent before QUIT, not after
        mark_message_sent(message)
    finally:
        connection.close()
    return True


def mark_message_sent(message):
    now = timezone.now()
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, sent_at=now, last_error="")
        message.deliveries.update(status=Delivery.Status.SENT, sent_at=now)


def record_message_failure(message_id, error, *, final):
    status = Message.Status.FAILED if final else Message.Status.PENDING
    Message.objects.filter(pk=message_id).update(status=status, last_error=str(error)[:2000], claimed_by="")
    if final:
        Delivery.objects.filter(message_id=message_id).update(
            status=Delivery.Status.FAILED, last_error=str(error)[:2000]
        )


# --- Webhooks -------------------------------------------------------------------------------------

class WebhookFailed(Exception):
    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def webhook_payload(delivery):
    event = delivery.event
    return {
        "delivery": delivery.pk,
        "subscription": {"id": delivery.subscription_id, "name": delivery.subscription.name},
        "correction": bool(delivery.correction_of),
        "event": {
            "id": event.pk,
            "url": site_url(event.get_absolute_url()),
            "date": event.date.isoformat(),
            "date_precision": event.date_precision,
            "kind": event.kind,
            "title": event.title,
            "summary": event.summary,
            "organisations": [
                {"name": link.organisation.name, "slug": link.organisation.slug, "role": link.role}
                for link in event.organisation_links.select_related("organisation").order_by("id")
            ],
            "sources": [
                {"url": s.url, "title": s.title, "publisher": s.publisher}
                for s in Source.objects.public().filter(event=event).order_by("published_on", "id")
            ],
        },
    }


def signature(secret, timestamp, body):
    """HMAC-SHA256 over `timestamp.body` with the subscription's secret, hex: the X-Dailies-Signature."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def post_webhook(url, body, headers):
    """POST through the fetcher's address guard (ingest/fetch.py): no loopback, private or link-local
    target unless DAILIES_FETCH_ALLOW_PRIVATE; no redirects followed. Returns the status code."""
    # The guard's pieces are private to ingest/fetch.py, which has no POST; reused as they are so that a
    # webhook can reach exactly what a fetch can.
    from ingest.fetch import AddressGuard, FetchError, _DeadlinePassed, _GuardedBackend, _GuardedTransport, check_url

    deadline = settings.ALERTS_WEBHOOK_TIMEOUT
    guard = AddressGuard(allow_private=settings.DAILIES_FETCH_ALLOW_PRIVATE)
    try:
        target = check_url(url)
        transport = _GuardedTransport(_GuardedBackend(guard, time.monotonic() + deadline))
        with httpx.Client(transport=transport, trust_env=False, follow_redirects=False, timeout=deadline) as client:
            response = client.post(target, content=body, headers=headers)
            return response.status_code
    except FetchError as exc:
        raise WebhookFailed(exc.message, permanent=exc.permanent) from exc
    except (httpx.HTTPError, _DeadlinePassed, OSError) as exc:
        raise WebhookFailed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc


def send_webhook(delivery_id, task_id):
    """POST one webhook delivery, recording the attempt. Returns False when it was sent already; raises
    WebhookFailed when this attempt failed."""
    delivery = claim(Delivery, delivery_id, task_id, done_status={Delivery.Status.SENT, Delivery.Status.FAILED})
    if delivery is None:
        return False
    subscription = delivery.subscription
    if not subscription.webhook_url:  # the reader removed the webhook after this was recorded
        record_webhook_failure(delivery_id, "The webhook was removed before this was sent.", final=True)
        return False
    body = json.dumps(webhook_payload(delivery), sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.DAILIES_FETCH_USER_AGENT,
        "X-Dailies-Delivery": str(delivery.pk),
        "X-Dailies-Timestamp": timestamp,
        "X-Dailies-Signature": "sha256=" + signature(subscription.webhook_secret, timestamp, body),
    }
    try:
        status = post_webhook(subscription.webhook_url, body, headers)
    except WebhookFailed as exc:
        WebhookAttempt.objects.create(delivery=delivery, error=str(exc)[:2000])
        raise
    WebhookAttempt.objects.create(delivery=delivery, status_code=status)
    if not 200 <= status < 300:
        raise WebhookFailed(f"The webhook answered {status}.", permanent=False)
    Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    return True


def record_webhook_failure(delivery_id, error, *, final):
    status = Delivery.Status.FAILED if final else Delivery.Status.RETRYING
    Delivery.objects.filter(pk=delivery_id).update(status=status, last_error=str(error)[:2000], claimed_by="")


def webhook_delay(attempts):
    """Seconds before the next attempt: base, 2 x base, 4 x base... (the task adds jitter)."""
    return settings.ALERTS_WEBHOOK_RETRY_BASE * 2 ** max(attempts - 1, 0)
