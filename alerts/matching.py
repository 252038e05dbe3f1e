"""Which subscriptions an event matches, without scanning them all.

Every subscription is indexed under one kind of key (SubscriptionKey): the organisations it names, else
its person, lawsuit, agreement or longest search word, else its kinds, else `any`. An event turns into the
keys it could be found by (its organisations and all their parents, its people, lawsuit, agreement, every
prefix of every word of its text, its kind, `any`), one indexed query collects the candidates, and each
candidate is checked in full here. The filters mean what the timeline's mean (events/queries.py): several
organisations are "any of them", everything else must hold too. Search words match as word prefixes (the
timeline's PostgreSQL search also stems; a word it finds only by its stem is not an alert).

These are the rules in Python, the reference and what SQLite runs; on PostgreSQL alerts.recording applies
the same rules in SQL while it records the deliveries (tests/alerts/test_matching.py checks they agree).
"""

import dataclasses
import datetime
import json

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Prefetch
from django.db.models.functions import JSONObject

from events.models import Event, EventOrganisation, EventPerson, Source
from events.queries import organisation_tree
from events.search import SEARCH_WORD, search_words

from .models import Subscription, SubscriptionKey


def subscription_keys(subscription):
    """The keys `subscription` is found by: one kind only, since all its conditions must hold."""
    if subscription.organisation_ids:
        return [f"org:{pk}" for pk in sorted(set(subscription.organisation_ids))]
    if subscription.person_id:
        return [f"person:{subscription.person_id}"]
    if subscription.lawsuit_id:
        return [f"lawsuit:{subscription.lawsuit_id}"]
    if subscription.agreement_id:
        return [f"agreement:{subscription.agreement_id}"]
    if subscription.q_words:
        return [f"word:{max(subscription.q_words, key=len)[:100]}"]
    if subscription.kinds:
        return [f"kind:{kind}" for kind in sorted(set(subscription.kinds))]
    return ["any"]


def index_subscription(subscription):
    """Replace the keys of a saved subscription (Subscription.save calls this, sign-in too).

    Only active subscriptions have keys: not paused, of a reader who has signed in once. So matching
    reads no other table to rule the others out.
    """
    active = not subscription.paused and subscription.reader.confirmed_at is not None
    keys = subscription_keys(subscription) if active else []
    SubscriptionKey.objects.filter(subscription=subscription).exclude(key__in=keys).delete()
    SubscriptionKey.objects.bulk_create(
        [SubscriptionKey(subscription=subscription, key=key) for key in keys], ignore_conflicts=True
    )


@dataclasses.dataclass
class EventFacts:
    """What matching needs to know about one event: one query on PostgreSQL, four elsewhere."""

    id: int
    kind: str
    date: datetime.date
    published_at: datetime.datetime | None
    lawsuit_id: int | None
    agreement_id: int | None
    organisation_roles: dict  # organisation id -> role
    person_roles: dict  # person id -> role
    words: frozenset
    status: str = Event.Status.PUBLISHED
    updated_at: datetime.datetime | None = None
    _lineage: dict | None = None

    def lineage(self, parents):
        """{organisation id on the event: it and every organisation above it}, computed once per event."""
        if self._lineage is None:
            self._lineage = {pk: frozenset(ancestors(pk, parents)) for pk in self.organisation_roles}
        return self._lineage

    @classmethod
    def load(cls, event_id):
        """The facts of event `event_id` whatever its status; None when there is no such event."""
        row = _facts_row(event_id) if connection.vendor == "postgresql" else _facts_row_prefetched(event_id)
        if row is None:
            return None
        organisations, people = _decoded(row["organisation_facts"]), _decoded(row["person_facts"])
        # What the timeline's search reads (events/search.py): titles, summary, sources' titles, and the
        # names and aliases of the organisations and people on the event.
        names = [f"{link['name']} {link['aliases']}" for link in [*organisations, *people]]
        text = " ".join([row["title"], row["summary"], *row["source_titles"], *names])
        return cls(
            id=row["id"],
            kind=row["kind"],
            date=row["date"],
            published_at=row["published_at"],
            lawsuit_id=row["lawsuit_id"],
            agreement_id=row["agreement_id"],
            organisation_roles={link["id"]: link["role"] for link in organisations},
            person_roles={link["id"]: link["role"] for link in people},
            words=frozenset(SEARCH_WORD.findall(text.lower())),
            status=row["status"],
            updated_at=row["updated_at"],
        )


FACT_FIELDS = ("id", "kind", "date", "published_at", "lawsuit_id", "agreement_id", "status", "updated_at", "title",
               "summary")


def _links(model, field):
    return ArraySubquery(
        model.objects.filter(event=OuterRef("pk")).order_by("id").values(
            link=JSONObject(id=f"{field}_id", role="role", name=f"{field}__name", aliases=f"{field}__aliases")
        )
    )


def _facts_row(event_id):
    """The event, its organisations, people and public sources' titles in one round trip (PostgreSQL)."""
    return (
        Event.objects.filter(pk=event_id)
        .annotate(
            organisation_facts=_links(EventOrganisation, "organisation"),
            person_facts=_links(EventPerson, "person"),
            source_titles=ArraySubquery(
                Source.objects.public().filter(event=OuterRef("pk")).order_by("id").values("title")
            ),
        )
        .values(*FACT_FIELDS, "organisation_facts", "person_facts", "source_titles")
        .first()
    )


def _facts_row_prefetched(event_id):
    event = (
        Event.objects.filter(pk=event_id)
        .prefetch_related(
            Prefetch("organisation_links", queryset=EventOrganisation.objects.select_related("organisation")),
            Prefetch("person_links", queryset=EventPerson.objects.select_related("person")),
            Prefetch("sources", queryset=Source.objects.public().only("event_id", "title")),
        )
        .first()
    )
    if event is None:
        return None
    return {
        **{name: getattr(event, name) for name in FACT_FIELDS},
        "organisation_facts": [
            {"id": link.organisation_id, "role": link.role, "name": link.organisation.name,
             "aliases": link.organisation.aliases}
            for link in event.organisation_links.all()
        ],
        "person_facts": [
            {"id": link.person_id, "role": link.role, "name": link.person.name, "aliases": link.person.aliases}
            for link in event.person_links.all()
        ],
        "source_titles": [source.title for source in event.sources.all()],
    }


def _decoded(links):
    # Django reads jsonb as text and leaves decoding to the field; an annotation's array has no field.
    return [json.loads(link) if isinstance(link, str) else link for link in links]


def parents_of():
    """{organisation id: its parent's id}, from the timeline's cached organisation tree."""
    return {child: parent for parent, children in organisation_tree().items() for child in children}


def ancestors(organisation_id, parents):
    """The organisation and every organisation above it."""
    seen = []
    while organisation_id is not None and organisation_id not in seen:
        seen.append(organisation_id)
        organisation_id = parents.get(organisation_id)
    return seen


def event_keys(facts, parents):
    keys = {"any", f"kind:{facts.kind}"}
    for organisation_id in facts.organisation_roles:
        keys.update(f"org:{pk}" for pk in ancestors(organisation_id, parents))
    keys.update(f"person:{pk}" for pk in facts.person_roles)
    if facts.lawsuit_id:
        keys.add(f"lawsuit:{facts.lawsuit_id}")
    if facts.agreement_id:
        keys.add(f"agreement:{facts.agreement_id}")
    for word in facts.words:
        keys.update(f"word:{word[:n]}" for n in range(1, min(len(word), 100) + 1))
    return keys


def matches(subscription, facts, parents):
    """True when `facts` (an event) is one `subscription` follows: every condition it names holds."""
    s = subscription
    role_scope = set(s.roles)
    if s.organisation_ids:
        followed = set(s.organisation_ids)
        lineage = facts.lineage(parents)
        matched = [
            pk for pk in facts.organisation_roles
            if (not followed.isdisjoint(lineage[pk]) if s.include_subsidiaries else pk in followed)
        ]
        if not matched:
            return False
        if role_scope and not any(facts.organisation_roles[pk] in role_scope for pk in matched):
            return False
        role_scope = set()  # the role applies to the followed organisations, already checked
    if s.person_id:
        if s.person_id not in facts.person_roles:
            return False
        if role_scope and facts.person_roles[s.person_id] not in role_scope:
            return False
        role_scope = set()
    if role_scope and not role_scope.intersection([*facts.organisation_roles.values(), *facts.person_roles.values()]):
        return False
    if s.lawsuit_id and s.lawsuit_id != facts.lawsuit_id:
        return False
    if s.agreement_id and s.agreement_id != facts.agreement_id:
        return False
    if s.kinds and facts.kind not in s.kinds:
        return False
    if s.date_from and facts.date < s.date_from:
        return False
    if s.date_to and facts.date > s.date_to:
        return False
    for word in s.q_words:
        if not any(candidate.startswith(word) for candidate in facts.words):
            return False
    return True


# What matching and recording deliveries read of a subscription: its conditions and its channels. Rows,
# not models: building a thousand model instances per event cost more than the query itself.
MATCH_FIELDS = (
    "id", "name", "reader_id", "organisation_ids", "include_subsidiaries", "person_id", "lawsuit_id",
    "agreement_id", "date_from", "date_to", "q_words", "kinds", "roles", "mode", "corrections", "webhook_url",
)


JSON_FIELDS = {"organisation_ids", "q_words", "kinds", "roles"}


@dataclasses.dataclass(slots=True)
class Candidate:
    id: int
    name: str
    reader_id: int
    organisation_ids: list
    include_subsidiaries: bool
    person_id: int | None
    lawsuit_id: int | None
    agreement_id: int | None
    date_from: datetime.date | None
    date_to: datetime.date | None
    q_words: list
    kinds: list
    roles: list
    mode: str
    corrections: bool
    webhook_url: str

    @property
    def pk(self):
        return self.id


def matching_subscriptions(event_id, *, facts=None, parents=None):
    """The active subscriptions (not paused, confirmed reader, made before the event was published) that
    follow published event `event_id`, as Candidate rows. Four queries for the event, two for the
    subscriptions."""
    facts = facts or EventFacts.load(event_id)
    if facts is None:
        return []
    parents = parents if parents is not None else parents_of()
    keys = event_keys(facts, parents)
    ids = sorted(set(SubscriptionKey.objects.filter(key__in=keys).values_list("subscription_id", flat=True)))
    rows = _candidate_rows(ids, facts.published_at)
    return [c for c in (Candidate(*row) for row in rows) if matches(c, facts, parents)]


def _candidate_rows(ids, published_at):
    """The MATCH_FIELDS of subscriptions `ids` (found by their keys, so active) made before `published_at`.

    Ids first (the query above), then the rows by primary key: given a list, PostgreSQL knows how few rows
    it fetches; with the keys as a subquery and the readers joined it guessed ten times more and scanned
    the tables whole (half a second at 100,000 subscriptions). On PostgreSQL the list goes as one array
    parameter (= ANY), not a thousand placeholders.
    """
    if not ids:
        return []
    if connection.vendor != "postgresql":
        candidates = Subscription.objects.filter(pk__in=ids, paused=False, reader__confirmed_at__isnull=False)
        if published_at:
            candidates = candidates.filter(created_at__lte=published_at)
        return list(candidates.order_by("id").values_list(*MATCH_FIELDS))
    columns = ", ".join(f"s.{Subscription._meta.get_field(name).column}" for name in MATCH_FIELDS)
    with connection.cursor() as cursor:
        # Keys exist only for active subscriptions (index_subscription); `paused` is checked again in case
        # a pause and a match cross.
        cursor.execute(
            f"SELECT {columns} FROM alerts_subscription s WHERE s.id = ANY(%s) AND NOT s.paused"
            " AND (%s::timestamptz IS NULL OR s.created_at <= %s) ORDER BY s.id",
            [ids, published_at, published_at],
        )
        rows = cursor.fetchall()
    # Django reads jsonb as text and decodes it in the field; raw rows are decoded here.
    json_columns = [i for i, name in enumerate(MATCH_FIELDS) if name in JSON_FIELDS]
    decoded = []
    for row in rows:
        row = list(row)
        for i in json_columns:
            if isinstance(row[i], str):
                row[i] = json.loads(row[i])
        decoded.append(row)
    return decoded


def normalise_words(text):
    """The words a subscription's search keeps (the timeline's own rule)."""
    return search_words(text or "")
