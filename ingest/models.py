"""What the pipeline stores: the feeds it polls, the articles it reads, their mentions, and a log of runs.

Deduplication lives in the database: an article's canonical URL is unique, and so are its content hash and
its normalised-title hash where they are known (partial unique indexes), so the same article from two feeds,
twice from one feed, or from a retried task is stored once however the writes race.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from events.models import Event

# A feed that fails is polled less and less often, never less than once a day.
MAX_POLL_INTERVAL = datetime.timedelta(days=1)
MIN_POLL_INTERVAL = datetime.timedelta(minutes=5)
DEFAULT_POLL_INTERVAL = datetime.timedelta(minutes=30)
# After this many failures in a row a feed is shown as unhealthy in the admin.
UNHEALTHY_AFTER_FAILURES = 3


class FeedQuerySet(models.QuerySet):
    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(active=True).filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))

    def unhealthy(self):
        return self.filter(consecutive_failures__gte=UNHEALTHY_AFTER_FAILURES)


class Feed(models.Model):
    url = models.URLField(max_length=1000, unique=True)
    name = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive feeds are paused: never polled.")
    poll_interval = models.DurationField(
        default=DEFAULT_POLL_INTERVAL,
        help_text="How often it is polled while healthy; adapts to how often it has news.",
    )
    etag = models.CharField(max_length=500, blank=True, help_text="Sent back as If-None-Match.")
    last_modified = models.CharField(max_length=100, blank=True, help_text="Sent back as If-Modified-Since.")
    body_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the last body: servers lie about ETags, so an identical body is skipped too.",
    )
    next_poll_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_new_entries_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "url"]
        indexes = [
            # poll_due_feeds (every minute) looks for active feeds whose time has come.
            models.Index(fields=["next_poll_at"], name="feed_due", condition=Q(active=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(consecutive_failures=0) | Q(failing_since__isnull=False),
                name="feed_failing_has_since",
            ),
        ]

    def __str__(self):
        return self.name or self.url

    @property
    def unhealthy(self):
        return self.consecutive_failures >= UNHEALTHY_AFTER_FAILURES

    @property
    def health(self):
        if not self.active:
            return "paused"
        if self.unhealthy:
            return "unhealthy"
        if self.consecutive_failures:
            return "failing"
        if self.last_success_at is None:
            return "new"
        return "healthy"


class Article(models.Model):
    class Status(models.TextChoices):
        # Known but not read yet: its task could not be queued (Redis down); a sweeper queues it again.
        PENDING = "pending", "Waiting for the task queue"
        FETCHED = "fetched", "Fetched"
        EXTRACTED = "extracted", "Extracted"
        IRRELEVANT = "irrelevant", "Irrelevant"
        LINKED = "linked", "Source of an existing event"
        PROPOSED = "proposed", "Proposed as a draft event"
        FAILED = "failed", "Failed"

    url = models.URLField(
        max_length=2000, help_text="The URL as first seen (a feed link or a curator's URL)."
    )
    canonical_url = models.URLField(max_length=2000, unique=True)
    final_url = models.URLField(max_length=2000, blank=True, help_text="Where redirects ended.")
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the normalised text.")
    title_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the normalised title.")
    title = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True, help_text="Plain text of the body.")
    html_sanitised = models.TextField(
        blank=True, help_text="The body as HTML, sanitised by nh3: the only HTML we keep."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FETCHED)
    error = models.TextField(
        blank=True, help_text="Why fetching or extracting failed, in words a curator understands."
    )
    attempts = models.PositiveIntegerField(default=0)
    relevance = models.FloatField(null=True, blank=True)
    kind_guess = models.CharField(max_length=32, blank=True)
    kind_confidence = models.FloatField(null=True, blank=True)
    matched_rules = models.JSONField(default=list, blank=True)
    feed = models.ForeignKey(
        "Feed",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_articles",
        help_text="The feed it was first found in.",
    )
    feeds = models.ManyToManyField("Feed", through="ArticleFeed", related_name="articles", blank=True)
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ingested_articles",
        help_text="The event it became a source of.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The same story re-published under another URL is still one article.
            models.UniqueConstraint(
                fields=["content_hash"], condition=~Q(content_hash=""), name="article_unique_content"
            ),
            models.UniqueConstraint(
                fields=["title_hash"], condition=~Q(title_hash=""), name="article_unique_title"
            ),
            models.CheckConstraint(
                condition=Q(relevance__isnull=True) | Q(relevance__gte=0, relevance__lte=1),
                name="article_relevance_0_1",
            ),
        ]
        indexes = [
            # The admin's article list filters by status, newest first.
            models.Index(fields=["status", "-created_at"], name="article_status_recent"),
        ]

    def __str__(self):
        return self.title or self.canonical_url


class ArticleFeed(models.Model):
    """An article listed in a feed: one row however often the feed lists it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feed_links")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="article_links")
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "feed"], name="article_feed_unique")]
        indexes = [
            # The feed admin counts each feed's articles.
            models.Index(fields=["feed", "article"], name="article_feed_by_feed"),
        ]

    def __str__(self):
        return f"{self.article} in {self.feed}"


class Mention(models.Model):
    """How often an article names an organisation or a person of the registry."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    organisation = models.ForeignKey(
        "events.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    person = models.ForeignKey(
        "events.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-count", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, person__isnull=True)
                | Q(organisation__isnull=True, person__isnull=False),
                name="mention_is_organisation_or_person",
            ),
            models.UniqueConstraint(
                fields=["article", "organisation"],
                condition=Q(organisation__isnull=False),
                name="mention_unique_organisation",
            ),
            models.UniqueConstraint(
                fields=["article", "person"], condition=Q(person__isnull=False), name="mention_unique_person"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="mention_count_positive"),
        ]
        indexes = [
            # "Which articles mention this organisation" from the organisation's side.
            models.Index(
                fields=["organisation"],
                name="mention_by_organisation",
                condition=Q(organisation__isnull=False),
            ),
            models.Index(fields=["person"], name="mention_by_person", condition=Q(person__isnull=False)),
        ]

    def __str__(self):
        return f"{self.organisation or self.person} ×{self.count}"


class IngestRun(models.Model):
    class Kind(models.TextChoices):
        FEED = "feed", "Feed poll"
        URL = "url", "URL"
        FILE = "file", "File"
        DEMO = "demo", "Demo sample"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    target = models.CharField(max_length=2000, blank=True, help_text="The URL or file ingested.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    new_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    irrelevant_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The run log in the admin, newest first.
            models.Index(fields=["-started_at"], name="ingest_run_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target or self.feed} at {self.started_at:%Y-%m-%d %H:%M}"

    def finish(self, *, error=""):
        self.finished_at = timezone.now()
        self.error = error
        self.status = self.Status.FAILED if error else self.Status.SUCCEEDED
        self.save()


class DraftEventManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status="draft")


class DraftEvent(Event):
    """The curators' review queue: draft events, newest first (a proxy, so events/ knows nothing of it)."""

    objects = DraftEventManager()

    class Meta:
        proxy = True
        ordering = ["-created_at"]
        verbose_name = "draft event to review"
        verbose_name_plural = "review queue"
