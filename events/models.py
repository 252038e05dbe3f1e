"""The domain: organisations, people, lawsuits, union agreements and the events that tie them together.

Only events with status `published` are ever shown to visitors; `Event.objects.published()` is the one
door to them.
"""

import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from .dates import validate_event_date
from .text import xml_safe


def unique_slug(model, text, *, instance_pk=None, max_length=80):
    """A slug from `text` that no other row of `model` has yet: `openai`, then `openai-2`..."""
    base = slugify(text)[:max_length].strip("-") or "item"
    candidate, n = base, 1
    taken = model._default_manager.filter(slug=candidate)
    while taken.exclude(pk=instance_pk).exists():
        n += 1
        candidate = f"{base[: max_length - len(str(n)) - 1]}-{n}"
        taken = model._default_manager.filter(slug=candidate)
    return candidate


def web_url(url):
    """`url` if it is an absolute http(s) link, else "".

    Sources and websites are URLFields, but rows written by ingest or loaders skip form validation, so a
    `javascript:` or `data:` URL could reach a page or an output; as a link it would run on click.
    """
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() in {"http", "https"} and parts.netloc and not any(c in text for c in "\x00\r\n\t"):
        return text
    return ""


def split_aliases(text):
    """Aliases are stored one per line; blank lines and duplicates are dropped."""
    seen, result = set(), []
    for line in (text or "").splitlines():
        alias = line.strip()
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            result.append(alias)
    return result


class SluggedModel(models.Model):
    """A public entity: it has a unique slug made from its name when left blank."""

    slug = models.SlugField(max_length=100, unique=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(type(self), self.slug_source(), instance_pk=self.pk)
        super().save(*args, **kwargs)

    def slug_source(self):
        raise NotImplementedError


class Organisation(SluggedModel):
    class Kind(models.TextChoices):
        STUDIO = "studio", "Studio"
        STREAMER = "streamer", "Streamer"
        AI_COMPANY = "ai_company", "AI company"
        UNION = "union", "Union or guild"
        TRADE_BODY = "trade_body", "Trade body"
        TALENT_AGENCY = "talent_agency", "Talent agency"
        PRODUCTION_COMPANY = "production_company", "Production company"
        TECH_COMPANY = "tech_company", "Technology company"
        LAW_FIRM = "law_firm", "Law firm"
        MEDIA_OUTLET = "media_outlet", "Media outlet"
        NONPROFIT = "nonprofit", "Nonprofit"
        GOVERNMENT = "government", "Government or regulator"
        COURT = "court", "Court"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    aliases = models.TextField(blank=True, help_text="Other names it goes by in the press, one per line.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
        help_text="The group it belongs to: Lucasfilm's parent is The Walt Disney Company.",
    )
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:organisation", args=[self.slug])

    def slug_source(self):
        return self.name

    @property
    def alias_list(self):
        return split_aliases(self.aliases)

    def clean(self):
        from django.core.exceptions import ValidationError

        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": "An organisation cannot sit under itself or its subsidiaries."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Person(SluggedModel):
    name = models.CharField(max_length=200)
    aliases = models.TextField(blank=True, help_text="Other spellings of the name, one per line.")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:person", args=[self.slug])

    def slug_source(self):
        return self.name

    @property
    def alias_list(self):
        return split_aliases(self.aliases)


class Affiliation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(max_length=200, blank=True, help_text="Chief executive, president, member...")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "-started_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "role"], name="affiliation_unique"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="affiliation_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.role or 'affiliated'}, {self.organisation}"


class Lawsuit(SluggedModel):
    class Status(models.TextChoices):
        FILED = "filed", "Filed"
        PENDING = "pending", "Pending"
        DISMISSED = "dismissed", "Dismissed"
        # A settlement the parties reached that the court has yet to approve finally (class actions).
        SETTLING = "settling", "Settlement awaiting approval"
        SETTLED = "settled", "Settled"
        JUDGMENT = "judgment", "Judgment"
        APPEAL = "appeal", "On appeal"
        CLOSED = "closed", "Closed"

    case_name = models.CharField(max_length=300, unique=True)
    court = models.CharField(max_length=300, blank=True)
    docket_number = models.CharField(max_length=100, blank=True)
    courtlistener_docket_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text="The docket's id on CourtListener (the number in courtlistener.com/docket/<id>/); "
        "set it to follow the docket.",
    )
    judge = models.CharField(max_length=200, blank=True, help_text="The judge the case is assigned to.")
    filed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FILED)
    status_on = models.DateField(
        null=True, blank=True, help_text="The date the status was last checked against the court's record."
    )
    claims = models.TextField(blank=True, help_text="The causes of action, one per line.")
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_on", "case_name"]

    def __str__(self):
        return self.case_name

    def get_absolute_url(self):
        return reverse("events:lawsuit", args=[self.slug])

    def slug_source(self):
        return self.case_name

    @property
    def claim_list(self):
        return split_aliases(self.claims)

    @property
    def courtlistener_url(self):
        if self.courtlistener_docket_id:
            return f"https://www.courtlistener.com/docket/{self.courtlistener_docket_id}/"
        return ""

    def status_as_of(self, on=None):
        """The stored status and the date it was last known true: checked on `status_on`, else last edited."""
        as_of = self.status_on or (timezone.localdate(self.updated_at) if self.updated_at else None)
        return StatusAsOf(self.status, self.get_status_display(), as_of or on or timezone.localdate())


class StatusAsOf(NamedTuple):
    """A status as a page shows it: its value, its label, and the date it was true ("as of")."""

    value: str
    label: str
    as_of: datetime.date
    until: datetime.date | None = None


class LawsuitParty(models.Model):
    class Side(models.TextChoices):
        PLAINTIFF = "plaintiff", "Plaintiff"
        DEFENDANT = "defendant", "Defendant"
        INTERVENOR = "intervenor", "Intervenor"
        AMICUS = "amicus", "Amicus"
        COUNSEL = "counsel", "Counsel"

    lawsuit = models.ForeignKey(Lawsuit, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="lawsuit_parties"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="lawsuit_parties")
    side = models.CharField(max_length=16, choices=Side.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["side", "id"]
        verbose_name_plural = "lawsuit parties"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(organisation__isnull=False, person__isnull=True)
                    | Q(organisation__isnull=True, person__isnull=False)
                ),
                name="lawsuit_party_is_organisation_or_person",
            ),
            models.UniqueConstraint(
                fields=["lawsuit", "organisation", "side"],
                condition=Q(organisation__isnull=False),
                name="lawsuit_party_unique_organisation",
            ),
            models.UniqueConstraint(
                fields=["lawsuit", "person", "side"],
                condition=Q(person__isnull=False),
                name="lawsuit_party_unique_person",
            ),
        ]

    def __str__(self):
        return f"{self.party} ({self.get_side_display()})"

    @property
    def party(self):
        return self.organisation or self.person


class UnionAgreement(SluggedModel):
    class Status(models.TextChoices):
        NEGOTIATING = "negotiating", "Negotiating"
        TENTATIVE = "tentative", "Tentative agreement"
        RATIFIED = "ratified", "Ratified"
        # Some deals take effect when union and company announce them, with no member vote.
        ANNOUNCED = "announced", "Announced (no member vote)"
        REJECTED = "rejected", "Rejected by members"
        EXPIRED = "expired", "Expired"
        # Only ever computed (see effective_status): in force past its expiry by an extension.
        EXTENDED = "extended", "Extended"

    name = models.CharField(max_length=300, unique=True)
    union = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements")
    counterparties = models.ManyToManyField(Organisation, blank=True, related_name="agreements_as_counterparty")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEGOTIATING)
    tentative_on = models.DateField(null=True, blank=True)
    ratified_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    extended_to = models.DateField(
        null=True, blank=True, help_text="When the parties extended the contract past its expiry: the new end."
    )
    status_on = models.DateField(
        null=True, blank=True, help_text="The date the stored status was last checked (left blank: its own dates)."
    )
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    votes_against = models.PositiveIntegerField(null=True, blank=True)
    turnout_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text="The previous cycle of the same contract.",
    )
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[counterparties])

    class Meta:
        ordering = ["-effective_on", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(supersedes=models.F("id")), name="agreement_not_superseding_itself"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(expires_on__gt=models.F("effective_on")),
                name="agreement_expires_after_effective",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:agreement", args=[self.slug])

    def slug_source(self):
        return self.name

    IN_FORCE = (Status.RATIFIED, Status.ANNOUNCED)

    def effective_status(self, on=None):
        """The status as of `on` (today by default), following from the dates without anyone editing it.

        A contract in force past its expiry is "expired", unless an extension, or a successor that takes
        effect later (the old terms carry on until then), keeps it "extended"; every other status is the
        stored one, true as of the date it was checked or of its own latest date.
        """
        today = on or timezone.localdate()
        Status = UnionAgreement.Status
        if self.status in self.IN_FORCE and self.expires_on and today > self.expires_on:
            if self.extended_to and today <= self.extended_to:
                return StatusAsOf(Status.EXTENDED, Status.EXTENDED.label, today, self.extended_to)
            successor = self.successor
            if (
                successor is not None
                and successor.status in (Status.TENTATIVE, *self.IN_FORCE)
                and successor.effective_on
                and today < successor.effective_on
            ):
                until = successor.effective_on - datetime.timedelta(days=1)
                return StatusAsOf(Status.EXTENDED, Status.EXTENDED.label, today, until)
            return StatusAsOf(Status.EXPIRED, Status.EXPIRED.label, today)
        dates = [d for d in (self.tentative_on, self.ratified_on, self.effective_on) if d and d <= today]
        as_of = self.status_on or max(dates, default=None) or today
        return StatusAsOf(self.status, self.get_status_display(), as_of)

    @property
    def successor(self):
        try:
            return self.superseded_by
        except UnionAgreement.DoesNotExist:
            return None

    @property
    def status_now(self):
        return self.effective_status()

    @property
    def approval_percent(self):
        if self.votes_for is None or self.votes_against is None or not (self.votes_for + self.votes_against):
            return None
        return round(100 * self.votes_for / (self.votes_for + self.votes_against), 2)


class AIProvision(models.Model):
    agreement = models.ForeignKey(UnionAgreement, on_delete=models.CASCADE, related_name="provisions")
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="What the clause provides, in plain words.")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "order", "id"]
        verbose_name = "AI provision"

    def __str__(self):
        return self.title


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def for_cards(self):
        """Everything a timeline card shows, in a fixed number of queries whatever the page size."""
        return self.select_related("lawsuit", "agreement").prefetch_related(*card_prefetches())


def source_order():
    """Sources as readers see them: primary sources first, then by publication date (undated last, on
    SQLite as on PostgreSQL, which sort NULLs apart by default), then as added: the same first source
    everywhere."""
    return ["-is_primary", models.F("published_on").asc(nulls_last=True), "id"]


def card_prefetches():
    """The relations a timeline card shows, for prefetch_related() or prefetch_related_objects()."""
    return [
        models.Prefetch(
            "organisation_links",
            queryset=EventOrganisation.objects.select_related("organisation").order_by("id"),
        ),
        models.Prefetch("person_links", queryset=EventPerson.objects.select_related("person").order_by("id")),
        models.Prefetch("sources", queryset=Source.objects.public().order_by(*source_order())),
    ]


DATE_UNKNOWN_REFUSAL = (
    "The date is unknown (ingest found none): set the date and its precision (day, month or year) before publishing."
)


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"

    class Precision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"
        # Ingest found no date: `date` then holds the day it was ingested, only because the column needs one.
        # Such an event cannot be published (see clean() and the check constraint) until a curator dates it.
        UNKNOWN = "unknown", "Unknown (set a date before publishing)"

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", "Announcement"
        PRODUCT_LAUNCH = "product_launch", "Product launch"
        DEAL = "deal", "Deal"
        INVESTMENT = "investment", "Investment"
        LAWSUIT_FILED = "lawsuit_filed", "Lawsuit filed"
        RULING = "ruling", "Ruling"
        SETTLEMENT = "settlement", "Settlement"
        AGREEMENT = "agreement", "Agreement"
        RATIFICATION = "ratification", "Ratification"
        STRIKE_START = "strike_start", "Strike begins"
        STRIKE_END = "strike_end", "Strike ends"
        LEGISLATION = "legislation", "Legislation"
        STATEMENT = "statement", "Statement"
        OTHER = "other", "Other"

    slug = models.SlugField(max_length=120, unique=True, blank=True)
    date = models.DateField(
        help_text="For month or year precision, the first day of that month or year; for an unknown date, "
        "the day it was ingested (a placeholder)."
    )
    date_precision = models.CharField(max_length=8, choices=Precision.choices, default=Precision.DAY)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    machine_draft = models.BooleanField(
        default=False, help_text="Title and summary written by ingest, not yet checked by a curator."
    )
    organisations = models.ManyToManyField(Organisation, through="EventOrganisation", related_name="events", blank=True)
    people = models.ManyToManyField(Person, through="EventPerson", related_name="events", blank=True)
    lawsuit = models.ForeignKey(Lawsuit, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    agreement = models.ForeignKey(
        UnionAgreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            # The timeline and every output page through published events by the keyset (date, id).
            models.Index(fields=["-date", "-id"], name="event_published_keyset", condition=Q(status="published")),
            # The curators' review queue lists drafts newest first.
            models.Index(fields=["-created_at"], name="event_draft_queue", condition=Q(status="draft")),
            # Filters by kind within the published timeline.
            models.Index(fields=["kind", "-date", "-id"], name="event_kind_keyset", condition=Q(status="published")),
        ]
        constraints = [
            # Never today's date in silence: an event ingest could not date stays off the site until a curator does.
            models.CheckConstraint(
                condition=~Q(status="published", date_precision="unknown"), name="event_published_has_date"
            ),
        ]

    def __str__(self):
        # An unknown date's stored day is a placeholder: the admin's titles and labels must not show it as a date.
        return f"{'(date unknown)' if self.date_unknown else f'{self.date:%Y-%m-%d}'} {self.title}"

    def save(self, *args, **kwargs):
        self.title, self.summary = xml_safe(self.title), xml_safe(self.summary)
        if not self.slug:
            # An unknown date is no part of the address: the placeholder day would outlive the curator's date.
            dated = "" if self.date_unknown else f"{self.date:%Y-%m-%d} "
            self.slug = unique_slug(Event, f"{dated}{self.title}", instance_pk=self.pk, max_length=100)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            from django.utils import timezone

            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("events:event", args=[self.slug])

    def clean(self):
        # In clean() rather than as a field validator, which would cost a migration for no schema change.
        try:
            validate_event_date(self.date)
        except ValidationError as error:
            raise ValidationError({"date": error}) from None
        if self.status == self.Status.PUBLISHED and self.date_unknown:
            raise ValidationError({"date_precision": DATE_UNKNOWN_REFUSAL})

    @property
    def date_unknown(self):
        return self.date_precision == self.Precision.UNKNOWN

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def month(self):
        return datetime.date(self.date.year, self.date.month, 1)


class Role(models.TextChoices):
    """How an organisation or a person takes part in an event."""

    SUBJECT = "subject", "Subject"
    PLAINTIFF = "plaintiff", "Plaintiff"
    DEFENDANT = "defendant", "Defendant"
    PARTNER = "partner", "Partner"
    INVESTOR = "investor", "Investor"
    DEVELOPER = "developer", "Developer"
    UNION = "union", "Union"
    EMPLOYER = "employer", "Employer"
    REGULATOR = "regulator", "Regulator"
    COURT = "court", "Court"
    COUNSEL = "counsel", "Counsel"
    SPOKESPERSON = "spokesperson", "Spokesperson"
    CRITIC = "critic", "Critic"
    MENTIONED = "mentioned", "Mentioned"


class EventOrganisation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="organisation_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="event_links")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUBJECT)
    # A copy of the event's date, so an organisation's timeline pages through one index in (date, id)
    # order instead of probing a million events. On PostgreSQL a trigger (migration 0004) keeps it equal
    # to the event's date whatever writes the rows; elsewhere the timeline does not read it.
    event_date = models.DateField(null=True, blank=True, editable=False)
    # Copies of the event's kind and of whether it is published, kept the same way (migration 0019), so a
    # timeline filtered by organisations and a kind reads only the matching links, never the events.
    event_kind = models.CharField(max_length=32, blank=True, default="", editable=False)
    event_published = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["event_date", "event_kind", "event_published"])

    class Meta:
        ordering = ["id"]
        verbose_name = "organisation in event"
        constraints = [models.UniqueConstraint(fields=["event", "organisation"], name="event_organisation_unique")]
        indexes = [
            # Filtering the timeline by organisation starts here, then joins the events.
            models.Index(fields=["organisation", "event"], name="event_org_by_organisation"),
            # ...and pages an organisation's events newest first by the keyset (date, id).
            models.Index(fields=["organisation", "-event_date", "-event"], name="event_org_timeline"),
            # ...and the timeline of organisations and a kind (queries._through_organisation_links, one
            # branch per organisation and kind), and the chart of several organisations (aggregates).
            models.Index(
                fields=["organisation", "event_kind", "-event_date", "-event"], name="event_org_kind_timeline",
                condition=models.Q(event_published=True),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} as {self.get_role_display().lower()}"


class EventPerson(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="person_links")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_links")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUBJECT)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = "person in event"
        verbose_name_plural = "people in event"
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="event_person_unique")]
        indexes = [
            # Filtering the timeline by person.
            models.Index(fields=["person", "event"], name="event_person_by_person"),
        ]

    def __str__(self):
        return f"{self.person} as {self.get_role_display().lower()}"


class SourceQuerySet(models.QuerySet):
    def public(self):
        """The sources readers may see: accepted by a curator (or entered by one). Every page and output
        that shows or searches sources goes through this door; `Source.objects` alone holds proposals too."""
        return self.filter(review=Source.Review.ACCEPTED)

    def proposed(self):
        return self.filter(review=Source.Review.PROPOSED)


class Source(models.Model):
    """A published article or document that the event rests on. We keep its link, never its text.

    A source that ingest adds to an already published event is only *proposed*: readers do not see it
    until a curator accepts it. Sources of drafts are reviewed with their draft, so they are accepted.
    A rejected source is kept, so the same article arriving again is not proposed a second time.
    """

    class Review(models.TextChoices):
        PROPOSED = "proposed", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    is_primary = models.BooleanField(
        "primary source", default=False,
        help_text="The document itself (the complaint, the union's announcement, a company's post), not coverage.",
    )
    review = models.CharField(
        "review", max_length=16, choices=Review.choices, default=Review.ACCEPTED,
        help_text="Only accepted sources are shown to readers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = source_order()
        constraints = [models.UniqueConstraint(fields=["event", "url"], name="source_unique_per_event")]
        indexes = [
            # The review queue's proposed sources, and the per-event proposal counts in the admin.
            models.Index(fields=["event"], name="source_proposed", condition=Q(review="proposed")),
        ]

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        self.title, self.publisher = xml_safe(self.title), xml_safe(self.publisher)
        super().save(*args, **kwargs)


class ProposedSourceManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(review=Source.Review.PROPOSED)


class ProposedSource(Source):
    """The curators' queue of sources that ingest proposed for published events (a proxy of Source)."""

    objects = ProposedSourceManager()

    class Meta:
        proxy = True
        ordering = ["event", "created_at"]
        verbose_name = "proposed source"
        verbose_name_plural = "proposed sources"


class CuratedRecord(models.Model):
    """What the curated dataset file last set on one row, so a reload can tell a curator's edit from a file change.

    `values` holds the file's values for the row's fields (and its links, by key). On reload a field whose
    current value still equals what the file last set follows the file; one that differs was edited by a
    curator and is kept, unless the load is forced.
    """

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=400)
    values = models.JSONField(default=dict)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="curated_record_unique")]

    def __str__(self):
        return f"{self.kind} {self.key}"


class OrganisationMerge(models.Model):
    """An organisation folded into another: its old URL redirects to the survivor, and `snapshot` holds
    what the merge changed so that an un-merge can put it back (events.services.unmerge_organisation)."""

    survivor = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="merges")
    merged_name = models.CharField(max_length=200)
    merged_slug = models.SlugField(max_length=100)
    snapshot = models.JSONField(default=dict, help_text="The merged organisation and every row the merge moved.")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "organisation merge"
        constraints = [
            # One live redirect per old URL.
            models.UniqueConstraint(
                fields=["merged_slug"], condition=Q(undone_at__isnull=True), name="organisation_merge_live_slug"
            ),
        ]

    def __str__(self):
        return f"{self.merged_name} → {self.survivor}"
