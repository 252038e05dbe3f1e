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


class DateSource(models.TextChoices):
    """Where an article's event date came from, most trusted first."""

    TEXT = "text", "The text says when (relative to publication)"
    METADATA = "metadata", "Page metadata (publication date)"
    FEED = "feed", "The feed entry's date"
    URL = "url", "A date in the URL"
    CURATOR = "curator", "Set by a curator"
    UNKNOWN = "unknown", "Unknown"


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
    kind_rule = models.CharField(
        max_length=200, blank=True, help_text="The rule that decided the kind (\"statement\" is the fallback)."
    )
    relevance_signals = models.JSONField(
        default=dict,
        blank=True,
        help_text="Why it was judged relevant or not: the signals that fired on each side, shown to curators.",
    )
    event_date = models.DateField(
        null=True, blank=True, help_text="When what it reports happened, as far as we know (never today by default)."
    )
    event_date_precision = models.CharField(max_length=8, blank=True, help_text="day, month or year; blank: unknown.")
    event_date_source = models.CharField(
        max_length=16,
        choices=DateSource.choices,
        default=DateSource.UNKNOWN,
        help_text="Where the event's date came from.",
    )
    event_date_evidence = models.CharField(
        max_length=300, blank=True, help_text="The words or the metadata field the date was read from."
    )
    link_choices = models.JSONField(
        default=list,
        blank=True,
        help_text="Names the text leaves ambiguous (a parent or its subsidiary): each with the organisations it "
        "may mean, for a curator to choose; never guessed.",
    )
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
        help_text="The event it became a source of first (all of them: `events`, through ArticleEvent).",
    )
    events = models.ManyToManyField(
        "events.Event", through="ArticleEvent", related_name="source_articles", blank=True
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

    @property
    def kind_guess_label(self):
        """"Lawsuit filed" for `lawsuit_filed`: curators read labels, not codes."""
        return dict(Event.Kind.choices).get(self.kind_guess, "") or "Not classified"


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


class ArticleEvent(models.Model):
    """An article is a source of an event; a roundup is a source of several."""

    class How(models.TextChoices):
        PROPOSED = "proposed", "The article proposed it as a draft"
        JOINED = "joined", "The article joined an existing event"
        CURATOR = "curator", "A curator linked them"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="event_links")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="article_links")
    how = models.CharField(max_length=16, choices=How.choices, default=How.JOINED)
    score = models.FloatField(null=True, blank=True, help_text="How well the article matched the event (0..1).")
    reasons = models.JSONField(default=list, blank=True, help_text="What matched: kind, entities, text, date.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "event"], name="article_event_unique")]
        indexes = [
            # An event's source articles, from the event's side (the review screen).
            models.Index(fields=["event", "article"], name="article_event_by_event"),
        ]

    def __str__(self):
        return f"{self.article} → {self.event}"


class CandidateName(models.Model):
    """A name in an article that looks like an organisation or a person but is not in the registry.

    Kept for the review screen to offer "add to the registry", prefilled with the name, the kind guess and
    the sentence it came from.
    """

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "Organisation"
        PERSON = "person", "Person"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ADDED = "added", "Added to the registry"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="candidate_names")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, help_text="The name case-folded: one candidate per name per article.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cue = models.CharField(
        max_length=100, blank=True, help_text="What made it look like a name (\"Judge …\", \"… Inc.\", repeated)."
    )
    sentence = models.TextField(blank=True, help_text="The sentence it was first found in.")
    count = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-count", "name"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="candidate_name_unique"),
            models.CheckConstraint(condition=Q(count__gte=1), name="candidate_name_count_positive"),
        ]
        indexes = [
            # The review screen lists open candidates across articles, grouped by name.
            models.Index(fields=["key"], name="candidate_open_by_key", condition=Q(status="open")),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}) ×{self.count}"


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
    # What became of a URL run's one article (a curator's submission, read by a worker later): the
    # article it stored or duplicated, and the event it proposed or joined. Feed runs leave these empty.
    result = models.CharField(max_length=16, blank=True, help_text="new, duplicate, irrelevant or failed")
    article = models.ForeignKey(
        "Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event_created = models.BooleanField(default=False)

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
        verbose_name = "draft"
        verbose_name_plural = "drafts to review"
