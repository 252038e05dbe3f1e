"""Readers, their subscriptions, and a record of every delivery.

A Reader is not a Django user: it has an address and nothing else, so no reader can ever reach the admin.
What we store about a reader is that address and their subscriptions (plus what was sent to them, and the
hash of a password if they chose to set one).
"""

import secrets

from django.db import models
from django.db.models import Q

from events.models import Event, Lawsuit, Person, UnionAgreement


def new_secret():
    return secrets.token_urlsafe(24)


class Reader(models.Model):
    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased.")
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader first signed in from a mailed link; nothing is sent before."
    )
    last_sign_in_at = models.DateTimeField(
        null=True, blank=True, help_text="Part of every sign-in link: signing in makes older links useless."
    )
    password = models.CharField(
        max_length=128, blank=True,
        help_text="A Django password hash, only if the reader set a password; empty: mailed links only.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Subscription(models.Model):
    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Email at once"
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"
        OFF = "off", "No email (feed or webhook only)"

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="subscriptions")
    name = models.CharField(max_length=200)
    query = models.CharField(
        max_length=2000, blank=True, help_text="The timeline's filter parameters, normalised (sorted), as followed."
    )
    # The filter, resolved to ids so matching needs no parsing. Organisations are the ones chosen; their
    # subsidiaries are rolled up when the event is matched, so a subsidiary added later counts too.
    organisation_ids = models.JSONField(default=list, blank=True)
    include_subsidiaries = models.BooleanField(default=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    lawsuit = models.ForeignKey(Lawsuit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(UnionAgreement, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    q_words = models.JSONField(default=list, blank=True, help_text="The search's words (events.queries.search_words).")
    kinds = models.JSONField(default=list, blank=True, help_text="Only events of these kinds; none means any kind.")
    roles = models.JSONField(
        default=list, blank=True,
        help_text="Only where the followed organisation or person takes one of these roles; none means any.",
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IMMEDIATE)
    corrections = models.BooleanField(default=False, help_text="Also send an event again when it is corrected.")
    paused = models.BooleanField(default=False)
    atom_secret = models.CharField(max_length=64, unique=True, default=new_secret)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, default=new_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reader", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_from__isnull=True) | Q(date_to__gte=models.F("date_from")),
                name="subscription_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from .matching import index_subscription

        super().save(*args, **kwargs)
        index_subscription(self)


class SubscriptionKey(models.Model):
    """What a subscription is looked up by when an event is published (alerts.matching).

    `org:12`, `person:3`, `lawsuit:5`, `agreement:2` or `word:sora` for a subscription that names one;
    `kind:ruling` or `any` for one that names none. Plain rows under one B-tree index, so matching is the
    same on PostgreSQL and on the demo's SQLite.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "subscription"], name="subscription_key_unique")]

    def __str__(self):
        return self.key


class SendState(models.Model):
    """What alerts.sending needs to send a row once: its attempts, its claim and when it went out."""

    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Who is sending it now (a Celery task id) and since when: a redelivered task with the same id may take
    # over (its first run died); another task waits until the claim is stale (alerts.sending).
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Message(SendState):
    """One email to a reader: an immediate alert or a digest. Recorded before it is sent."""

    class Kind(models.TextChoices):
        ALERT = "alert", "Alert"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # No index of its own: message_by_reader_day starts with it (one index fewer to write per alert).
    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The per-reader daily cap counts today's messages of one reader.
            models.Index(fields=["reader", "created_at"], name="message_by_reader_day"),
            # The sweeper re-queues messages a lost task left pending.
            models.Index(fields=["created_at"], name="message_unsent", condition=~Q(status="sent")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.reader} ({self.status})"


class Delivery(SendState):
    """One event for one subscription on one channel. The unique constraint is what makes sending idempotent:
    the row exists before anything is sent, and a second match of the same event finds it and stops.

    Each match writes one email row (at once or for a digest), or a feed row for a subscription without
    email, plus a webhook row where there is a webhook; the private Atom feed lists the email and feed rows."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"
        FEED = "feed", "Atom feed"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the digest"
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failing, will retry"
        FAILED = "failed", "Failed"

    # Publishing an event writes two or three of these rows per matching subscription (alerts.recording), so
    # every index here costs on each publish: the foreign keys have none of their own, since the unique
    # constraint starts with the event and delivery_history with the subscription, and the message's is
    # partial (feed and webhook rows have none).
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    correction_of = models.CharField(
        max_length=40, blank=True,
        help_text="Empty for the alert; for a correction, the event's updated_at it reports.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # Event first: one event's rows are written together, and deleting an event finds its rows here.
            models.UniqueConstraint(
                fields=["event", "subscription", "channel", "correction_of"], name="delivery_once_per_channel"
            ),
        ]
        indexes = [
            # A message's deliveries: sending, grouping a digest, unsubscribing from a mail.
            models.Index(fields=["message"], name="delivery_by_message", condition=Q(message__isnull=False)),
            # Digests collect the queued email deliveries.
            models.Index(fields=["subscription"], name="delivery_waiting_for_digest", condition=Q(status="queued")),
            # The management page and the Atom feed list a subscription's deliveries newest first.
            models.Index(fields=["subscription", "channel", "-created_at"], name="delivery_history"),
        ]

    def __str__(self):
        return f"{self.event_id} to {self.subscription} by {self.channel} ({self.status})"


class WebhookAttempt(models.Model):
    """Each POST to a webhook, kept so the reader sees what happened."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="webhook_attempts")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
