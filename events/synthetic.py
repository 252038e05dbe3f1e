"""Synthetic data at scale, for benchmarks and the performance regression guard.

`generate(events=N, seed=S)` adds about 2,000 organisations (with aliases, some under a parent),
10,000 people, a few hundred lawsuits and union agreements, and N events over the last ten years.
Organisation popularity is Zipf-like, as in real coverage: a handful of organisations appear in most
events and most organisations in very few. Rows go in with COPY on PostgreSQL (a million events in
minutes) and bulk_create elsewhere (SQLite, for small counts). No history rows are written: this is
not curated content.
"""

import datetime
import itertools
import random

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

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

SYLLABLES = (
    "ka lo mi ra ven tor sil ax den qua rix bel nor fen lum cor zed pra tal vis mor gen hal dor".split()
)
ORG_SUFFIXES = [
    "Pictures",
    "Studios",
    "AI",
    "Labs",
    "Media",
    "Films",
    "Entertainment",
    "Networks",
    "Guild",
    "Technologies",
    "Productions",
    "Group",
    "Animation",
    "Television",
    "Ventures",
]
FIRST_NAMES = (
    "Ava Ben Chloe Dev Elena Farid Grace Hiro Ines Jonas Kemi Luca Maya Nia Omar Priya Quinn Rosa "
    "Sami Tess Umar Vera Wen Xavi Yara Zoe"
).split()
LAST_NAMES = (
    "Abara Berg Castillo Dubois Eze Fischer Gupta Haddad Ito Jensen Kowalski Lind Moreau Nakamura "
    "Okafor Petrov Quist Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zhou"
).split()
VERBS = [
    "launches",
    "signs",
    "sues",
    "settles with",
    "partners with",
    "invests in",
    "announces",
    "unveils",
    "licenses",
    "acquires",
    "backs",
    "criticises",
    "tests",
    "rolls out",
    "pauses",
]
OBJECTS = [
    "generative video model",
    "voice cloning tool",
    "digital replica deal",
    "script assistant",
    "dubbing service",
    "visual effects pipeline",
    "training data licence",
    "AI provisions",
    "copyright claim",
    "background actor scans",
    "storyboard generator",
    "music model",
    "localisation platform",
    "de-ageing system",
    "consent framework",
]
TOPICS = [
    "for streaming series",
    "in feature animation",
    "after strike talks",
    "over training data",
    "for documentary work",
    "across European markets",
    "in post-production",
    "for trailers",
    "amid union pushback",
    "with festival partners",
]
PUBLISHERS = [
    "Variety",
    "The Hollywood Reporter",
    "Deadline",
    "IndieWire",
    "The Verge",
    "Wired",
    "Reuters",
    "Screen Daily",
    "TechCrunch",
    "Los Angeles Times",
    "Financial Times",
    "The Wrap",
]
EVENT_KINDS = [value for value, _ in Event.Kind.choices]
ROLES = [
    "subject",
    "subject",
    "subject",
    "partner",
    "developer",
    "investor",
    "plaintiff",
    "defendant",
    "mentioned",
]
BATCH = 20_000


def _now():
    return timezone.now()


class Writer:
    """Inserts plain row dicts into a model's table: COPY on PostgreSQL, bulk_create elsewhere.

    Ids are assigned here (from the table's current maximum) so that children can point at parents
    without reading them back; the sequences are moved past them at the end.
    """

    def __init__(self):
        self.use_copy = connection.vendor == "postgresql"
        self.touched = set()

    def next_id(self, model):
        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def write(self, model, rows, table=None):
        """`table`: COPY into this table (of the model's columns) instead of the model's own."""
        if not rows:
            return
        self.touched.add(model)
        if not self.use_copy:
            model.objects.bulk_create([model(**row) for row in rows], batch_size=2_000)
            return
        fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
        # Fields the generator does not fill take their Django default; COPY would write NULL, which a
        # blank-but-not-null text field (added to the model after this generator was written) refuses.
        defaults = [
            f
            for f in model._meta.concrete_fields
            if f.attname not in rows[0] and (f.has_default() or (f.empty_strings_allowed and not f.null))
        ]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields + defaults)
        default_values = [f.get_db_prep_save(f.get_default(), connection) for f in defaults]
        sql = f"COPY {connection.ops.quote_name(table or model._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[f.attname] for f in fields] + default_values)

    def fix_sequences(self):
        if not self.use_copy:
            return
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.touched)):
                cursor.execute(sql)


def _name(rng, syllables=2):
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _unique(make, taken, limit=1000):
    for _ in range(limit):
        candidate = make()
        if candidate.casefold() not in taken:
            taken.add(candidate.casefold())
            return candidate
    raise RuntimeError("could not find a unique name")


def zipf_weights(count, exponent=1.1):
    """Cumulative weights for `count` items where item k is drawn about 1/k^exponent as often as item 1."""
    return list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


def _make_organisations(writer, rng, count, now, log):
    taken_names = {n.casefold() for n in Organisation.objects.values_list("name", flat=True)}
    first_id = writer.next_id(Organisation)
    rows, kinds = [], [value for value, _ in Organisation.Kind.choices]
    for i in range(count):
        pk = first_id + i
        name = _unique(lambda: f"{_name(rng, rng.choice((2, 3)))} {rng.choice(ORG_SUFFIXES)}", taken_names)
        aliases = "\n".join(f"{name.split()[0]} {s}" for s in rng.sample(ORG_SUFFIXES, rng.randint(0, 2)))
        # One in ten sits under one of the fifty biggest organisations (which have no parent themselves).
        parent = first_id + rng.randrange(50) if i >= 50 and rng.random() < 0.1 else None
        kind = "union" if name.endswith("Guild") else rng.choice(kinds)
        rows.append(
            {
                "id": pk,
                "name": name,
                "slug": f"{slugify(name)}-o{pk}",
                "kind": kind,
                "aliases": aliases,
                "parent_id": parent,
                "website": "",
                "description": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    writer.write(Organisation, rows)
    log(f"organisations: {len(rows)}")
    return rows


def _make_people(writer, rng, count, now, log):
    first_id = writer.next_id(Person)
    rows = []
    for i in range(count):
        pk = first_id + i
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}-{_name(rng)}"
        aliases = f"{name.split()[0][0]}. {name.split()[1]}" if rng.random() < 0.3 else ""
        rows.append(
            {
                "id": pk,
                "name": name,
                "slug": f"{slugify(name)}-p{pk}",
                "aliases": aliases,
                "description": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    writer.write(Person, rows)
    log(f"people: {len(rows)}")
    return rows


def _make_lawsuits_and_agreements(writer, rng, organisations, lawsuits, agreements, today, now, log):
    first_id = writer.next_id(Lawsuit)
    suits = []
    for i in range(lawsuits):
        pk = first_id + i
        a, b = rng.sample(organisations[:300], 2)
        suits.append(
            {
                "id": pk,
                "case_name": f"{a['name']} v. {b['name']} ({pk})",
                "slug": f"lawsuit-{pk}",
                "court": "U.S. District Court",
                "docket_number": f"2:{rng.randint(18, 26)}-cv-{pk:05d}",
                "filed_on": today - datetime.timedelta(days=rng.randrange(3650)),
                "status": rng.choice([v for v, _ in Lawsuit.Status.choices]),
                "claims": "Copyright infringement",
                "summary": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    writer.write(Lawsuit, suits)
    unions = [o for o in organisations if o["kind"] == "union"] or organisations[:20]
    first_id = writer.next_id(UnionAgreement)
    deals = []
    for i in range(agreements):
        pk = first_id + i
        deals.append(
            {
                "id": pk,
                "name": f"{rng.choice(unions)['name']} agreement {pk}",
                "slug": f"agreement-{pk}",
                "union_id": rng.choice(unions)["id"],
                "status": rng.choice([v for v, _ in UnionAgreement.Status.choices]),
                "summary": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    writer.write(UnionAgreement, deals)
    log(f"lawsuits: {len(suits)}, agreements: {len(deals)}")
    return [s["id"] for s in suits], [d["id"] for d in deals]


def _statuses(rng):
    roll = rng.random()
    return "published" if roll < 0.92 else ("draft" if roll < 0.98 else "rejected")


# Triggers that a bulk load on PostgreSQL switches off for its transaction: they work a row or a statement
# at a time (the events' search document is an SQL function, planned anew for every row: at a million
# events, over 50 minutes under load). Each batch's events go through a staging table instead, where one
# set-based UPDATE writes their search documents, exactly as events_search_document (migration 0009)
# would (tests/events/test_synthetic.py compares them), before one INSERT moves them into events_event.
# The links' copies of their event's date, kind and status (migration 0019) are written by the generator.
BULK_LOAD_TRIGGERS = (
    ("events_event", "events_event_search_vector_insert"),
    ("events_eventorganisation", "events_link_event_fields"),
    ("events_eventorganisation", "events_eventorganisation_search_insert"),
    ("events_eventperson", "events_eventperson_search_insert"),
    ("events_source", "events_source_search_insert"),
)
STAGED_EVENTS = "dailies_bulk_events"
STAGED_SEARCH_DOCUMENTS = f"""
UPDATE {STAGED_EVENTS} e SET search_vector = to_tsvector('english'::regconfig,
    COALESCE(e.title, '') || ' ' || COALESCE(e.summary, '') || ' ' || COALESCE(s.titles, '')
    || ' ' || COALESCE(o.names, '') || ' ' || COALESCE(p.names, ''))
FROM {STAGED_EVENTS} e0
LEFT JOIN (SELECT event_id, string_agg(title, ' ' ORDER BY id) AS titles FROM events_source
           WHERE event_id BETWEEN %(first)s AND %(last)s AND review = 'accepted' GROUP BY event_id) s
    ON s.event_id = e0.id
LEFT JOIN (SELECT l.event_id, string_agg(o.name || ' ' || translate(o.aliases, E'\n\r', '  '), ' '
                                         ORDER BY l.id) AS names
           FROM events_eventorganisation l JOIN events_organisation o ON o.id = l.organisation_id
           WHERE l.event_id BETWEEN %(first)s AND %(last)s GROUP BY l.event_id) o ON o.event_id = e0.id
LEFT JOIN (SELECT l.event_id, string_agg(p.name || ' ' || translate(p.aliases, E'\n\r', '  '), ' '
                                         ORDER BY l.id) AS names
           FROM events_eventperson l JOIN events_person p ON p.id = l.person_id
           WHERE l.event_id BETWEEN %(first)s AND %(last)s GROUP BY l.event_id) p ON p.event_id = e0.id
WHERE e.id = e0.id
"""


@transaction.atomic
def generate(*, events, seed=1, organisations=2_000, people=10_000, lawsuits=300, agreements=200, log=print):
    """Add a synthetic dataset of `events` events and the entities they involve; returns the counts."""
    rng = random.Random(seed)
    now, today = _now(), timezone.localdate()
    writer = Writer()
    if connection.vendor == "postgresql":
        # The count triggers (migration 0011) would run once per row: count everything once at the end.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL dailies.bulk_load = 'on'")
            for table, trigger in BULK_LOAD_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGED_EVENTS} (LIKE events_event INCLUDING DEFAULTS)"
                " ON COMMIT DROP"
            )
    orgs = _make_organisations(writer, rng, organisations, now, log)
    persons = _make_people(writer, rng, people, now, log)
    suit_ids, deal_ids = _make_lawsuits_and_agreements(
        writer, rng, orgs, lawsuits, agreements, today, now, log
    )
    org_ids, person_ids = [o["id"] for o in orgs], [p["id"] for p in persons]
    org_weights, person_weights = zipf_weights(len(org_ids)), zipf_weights(len(person_ids), 0.8)
    org_names = {o["id"]: o["name"] for o in orgs}

    event_id, source_id = writer.next_id(Event), writer.next_id(Source)
    counts = {"events": 0, "organisation_links": 0, "person_links": 0, "sources": 0}
    for start in range(0, events, BATCH):
        size = min(BATCH, events - start)
        event_rows, org_links, person_links, sources = [], [], [], []
        drawn_orgs = rng.choices(org_ids, cum_weights=org_weights, k=size * 4)
        drawn_people = rng.choices(person_ids, cum_weights=person_weights, k=size * 2)
        for i in range(size):
            # Recent years carry more coverage than early ones.
            day = today - datetime.timedelta(days=int(3650 * rng.random() ** 1.4))
            involved = list(dict.fromkeys(drawn_orgs[i * 4 : i * 4 + rng.choice((1, 1, 2, 2, 2, 3, 3, 4))]))
            title = f"{org_names[involved[0]]} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TOPICS)}"
            status = _statuses(rng)
            # Drawn in the order they always were, so a seed gives the same data set as before.
            precision = "day" if rng.random() < 0.9 else "month"
            kind = rng.choice(EVENT_KINDS)
            event_rows.append(
                {
                    "id": event_id,
                    "slug": f"{day:%Y-%m-%d}-e{event_id}",
                    "date": day,
                    "date_precision": precision,
                    "kind": kind,
                    "title": title[:300],
                    "summary": f"{title}, reports say; {rng.choice(OBJECTS)} {rng.choice(TOPICS)} is next.",
                    "status": status,
                    "lawsuit_id": rng.choice(suit_ids) if suit_ids and rng.random() < 0.03 else None,
                    "agreement_id": rng.choice(deal_ids) if deal_ids and rng.random() < 0.02 else None,
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now if status == "published" else None,
                }
            )
            for n, org in enumerate(involved):
                org_links.append(
                    {
                        "event_id": event_id,
                        "organisation_id": org,
                        "role": "subject" if n == 0 else rng.choice(ROLES),
                        "event_date": day,
                        "event_kind": kind,
                        "event_published": status == "published",
                    }
                )
            for person in dict.fromkeys(drawn_people[i * 2 : i * 2 + rng.choice((0, 0, 1, 1, 2))]):
                person_links.append({"event_id": event_id, "person_id": person, "role": "spokesperson"})
            for n in range(rng.choice((1, 1, 2, 2, 3))):
                publisher = rng.choice(PUBLISHERS)
                sources.append(
                    {
                        "id": source_id,
                        "event_id": event_id,
                        "url": f"https://news.example.com/{slugify(publisher)}/{event_id}-{n}",
                        "title": f"{publisher}: {title}"[:500],
                        "publisher": publisher,
                        "published_on": day + datetime.timedelta(days=n),
                        "created_at": now,
                    }
                )
                source_id += 1
            event_id += 1
        if writer.use_copy:  # see BULK_LOAD_TRIGGERS
            writer.write(Event, event_rows, table=STAGED_EVENTS)
            writer.write(EventOrganisation, org_links)
            writer.write(EventPerson, person_links)
            writer.write(Source, sources)
            with connection.cursor() as cursor:
                ids = {"first": event_rows[0]["id"], "last": event_rows[-1]["id"]}
                cursor.execute(STAGED_SEARCH_DOCUMENTS, ids)
                cursor.execute(f"INSERT INTO events_event SELECT * FROM {STAGED_EVENTS}")
                cursor.execute(f"TRUNCATE {STAGED_EVENTS}")
        else:
            writer.write(Event, event_rows)
            writer.write(EventOrganisation, org_links)
            writer.write(EventPerson, person_links)
            writer.write(Source, sources)
        counts["events"] += len(event_rows)
        counts["organisation_links"] += len(org_links)
        counts["person_links"] += len(person_links)
        counts["sources"] += len(sources)
        log(f"events: {counts['events']:,} / {events:,}")
    writer.fix_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL dailies.bulk_load = 'off'")
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in BULK_LOAD_TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SELECT events_rebuild_counts()")
            log("counted (events_monthly_count, events_cooccurrence_count)")
            cursor.execute("SELECT events_rebuild_search_counts()")
            log("counted the search lexemes (events_search_count)")
            for model in writer.touched:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    from .queries import forget_organisation_tree
    from .versions import forget_cards, forget_event_aggregates

    # COPY sends no signals: forget what was cached about the data by hand.
    forget_organisation_tree()
    forget_event_aggregates()
    forget_cards()
    return counts
