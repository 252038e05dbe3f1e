"""Load the curated dataset (events/curated/dataset.json) into the database, idempotently.

Each row is found by its natural key (organisation name, person name, lawsuit case name, agreement name,
event slug, a source's event and URL) and only written when a value differs, so loading twice creates
no rows and no history entries. The dataset adds and corrects; it never deletes what curators added:
aliases are merged, an empty value does not blank a filled one, and links the dataset does not name stay.
Everything happens in one transaction: a malformed file changes nothing and the error names the entry.

The file also corrects: a changed value in it updates the row on the next load. What the file last set
on each row is kept (CuratedRecord), so a load tells a curator's edit in the admin (the row no longer
holds what the file set) from a change in the file: the curator's edit is kept unless `force`. Aliases,
parties and an event's organisations and people that the file used to list and no longer does are removed.

Existing rows are read once per model and new link rows (sources, roles, parties...) are inserted in
bulk with their history, so a load costs a few hundred queries and a reload a few dozen.
"""

import dataclasses
import datetime
import decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from ..models import (
    Affiliation,
    AIProvision,
    CuratedRecord,
    Event,
    EventOrganisation,
    EventPerson,
    Lawsuit,
    LawsuitParty,
    Organisation,
    Person,
    Role,
    Source,
    UnionAgreement,
    split_aliases,
)
from ..queries import forget_organisation_tree
from .entries import DATASET_PATH, DatasetError, entries, lookup, read_dataset

__all__ = ["DATASET_PATH", "DatasetError", "LoadReport", "load_curated", "load_dataset"]
REPORTED = ("events", "organisations", "people", "lawsuits", "agreements", "sources")


@dataclasses.dataclass
class LoadReport:
    """How many rows of each kind the dataset holds, how many this load created, updated, or left as edited."""

    totals: dict = dataclasses.field(default_factory=dict)
    created: dict = dataclasses.field(default_factory=dict)
    updated: int = 0
    kept_edits: int = 0
    removed_links: int = 0

    def count(self, kind, created):
        self.totals[kind] = self.totals.get(kind, 0) + 1
        self.created[kind] = self.created.get(kind, 0) + int(bool(created))

    @property
    def new(self):
        return sum(self.created.values())

    def summary(self):
        parts = ", ".join(f"{self.totals.get(k, 0)} {k}" for k in REPORTED)
        detail = ", ".join(f"{self.created[k]} {k}" for k in REPORTED if self.created.get(k))
        changes = (
            f"; {self.updated} rows updated, {self.removed_links} links removed, {self.kept_edits} curator edits kept"
        )
        return f"{parts} ({self.new} new{': ' + detail if detail else ''}){changes}"


# --- What the file last set -----------------------------------------------------------------------


def as_json(value):
    """A field value as the snapshot stores it; blank (and False, a flag's default) is None, so a field the
    file starts setting is not mistaken for a curator's edit of its default."""
    if value is None or value == "" or value is False:
        return None
    if isinstance(value, (datetime.date, decimal.Decimal)):
        return str(value)
    return value


class Snapshots:
    """CuratedRecord rows read once: what the file set on each row at the last load, and what it sets now."""

    def __init__(self, report, force=False):
        self.report, self.force = report, force
        self.before = {(r.kind, r.key): r.values for r in CuratedRecord.objects.all()}
        self.after = {}

    def previous(self, kind, key):
        return self.before.get((kind, str(key)))

    def remember(self, kind, key, values):
        self.after[(kind, str(key))] = values

    def apply(self, obj, values, kind, key, *, count=True):
        """Write the file's `values` on `obj` where they differ, except over a curator's edit. True if saved.

        A field was edited by a curator when it no longer holds what the file last set (no snapshot yet:
        the row predates them, and the file wins). A blank value in the file never erases a filled one.
        """
        previous = self.previous(kind, key)
        snapshot = dict(self.after.get((kind, str(key)), {}))
        changed = []
        for field, value in values.items():
            if value in (None, ""):
                continue
            snapshot[field] = as_json(value)
            current = getattr(obj, field)
            if current == value:
                continue
            edited = obj.pk and previous is not None and as_json(current) != previous.get(field)
            if edited and not self.force:
                self.report.kept_edits += 1
                continue
            setattr(obj, field, value)
            changed.append(field)
        self.remember(kind, key, snapshot)
        if changed and obj.pk:
            obj.save()
            self.report.updated += int(count)
        return bool(changed)

    def dropped(self, kind, key, listed):
        """The link keys the file listed for this row at the last load and no longer lists."""
        listed = sorted(str(k) for k in listed)
        self.remember(kind, key, {"links": listed})
        return set((self.previous(kind, key) or {}).get("links", [])) - set(listed)

    def save(self):
        now = timezone.now()
        rows = [
            CuratedRecord(kind=kind, key=key, values=values, loaded_at=now)
            for (kind, key), values in self.after.items()
            if self.before.get((kind, key)) != values
        ]
        if rows:
            CuratedRecord.objects.bulk_create(
                rows,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["kind", "key"],
                update_fields=["values", "loaded_at"],
            )


# --- Writing rows ---------------------------------------------------------------------------------


def free_slug(text, taken, max_length=80):
    """The slug `SluggedModel.save()` would pick, from the slugs already `taken` (read once, not per row)."""
    base = slugify(text)[:max_length].strip("-") or "item"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base[: max_length - len(str(n)) - 1]}-{n}"
    taken.add(candidate)
    return candidate


class Entities:
    """The rows of one model by natural key; new ones are saved one by one (their signals must run)."""

    def __init__(self, model, key, snapshots, queryset=None):
        self.model, self.key, self.snapshots = model, key, snapshots
        self.kind = model._meta.model_name
        self.rows = {}
        for obj in (queryset if queryset is not None else model.objects.all()).order_by("pk"):
            self.rows.setdefault(getattr(obj, key), obj)
        self.taken = set(model.objects.values_list("slug", flat=True))

    def put(self, name, values, *, slug="", slug_text=None, aliases=None):
        """(row, created) for `name`, created with `values` or updated to them (and to `aliases`, merged)."""
        obj = self.rows.get(name)
        if obj is not None:
            saved = self.snapshots.apply(obj, values, self.kind, name)
            if aliases is not None and aliases != obj.aliases:
                obj.aliases = aliases
                obj.save()
                self.snapshots.report.updated += int(not saved)
            return obj, False
        obj = self.model(**{self.key: name}, **({"aliases": aliases} if aliases is not None else {}))
        self.snapshots.apply(obj, values, self.kind, name)
        if slug and slug not in self.taken:
            obj.slug = slug
            self.taken.add(slug)
        elif slug_text is not None:
            obj.slug = free_slug(slug_text, self.taken)
        obj.save()
        self.rows[name] = obj
        return obj, True


class Links:
    """Rows that link entities (sources, roles, parties...): updated in place, or inserted in one batch."""

    def __init__(self, model, key, queryset, snapshots):
        self.model, self.key, self.snapshots = model, key, snapshots
        self.kind = model._meta.model_name
        self.rows = {key(obj): obj for obj in queryset}
        self.new = {}

    def put(self, fixed, values):
        """Link with the `fixed` fields (its natural key) and `values`; True if it is new."""
        obj = self.model(**fixed)
        k = self.key(obj)
        if k in self.rows:
            self.snapshots.apply(self.rows[k], values, self.kind, k)
            return False
        if k in self.new:
            return False
        self.snapshots.apply(obj, values, self.kind, k)
        self.new[k] = obj
        return True

    def remove(self, keys):
        """Delete the links with these keys (as str(key)) that exist; returns how many."""
        doomed = [obj for k, obj in self.rows.items() if str(k) in keys]
        for obj in doomed:
            obj.delete()
            del self.rows[self.key(obj)]
        return len(doomed)

    def flush(self):
        if self.new:
            bulk_create_with_history(list(self.new.values()), self.model, batch_size=500)
        self.rows.update(self.new)
        self.new = {}


def merged_aliases(entities, name, aliases):
    """The row's aliases plus the file's, less those the file listed at the last load and dropped since.

    Aliases merge with a curator's, so they are not compared with the snapshot as a whole field.
    """
    obj = entities.rows.get(name)
    dropped = {a.casefold() for a in entities.snapshots.dropped(f"{entities.kind}-aliases", name, aliases)}
    names = split_aliases("\n".join([obj.aliases if obj else "", *aliases]))
    return "\n".join(a for a in names if a.casefold() != name.casefold() and a.casefold() not in dropped)


# --- The sections ---------------------------------------------------------------------------------


def load_organisations(data, report, snapshots):
    organisations = Entities(Organisation, "name", snapshots)
    named, parents = set(), []
    for entry in entries(data, "organisations", "name"):
        name = entry.text("name", required=True, max_length=200)
        if name in named:
            entry.fail("appears twice")
        named.add(name)
        values = {
            "kind": entry.choice("kind", Organisation.Kind, default=Organisation.Kind.OTHER),
            "website": entry.text("website"),
            "description": entry.text("description"),
        }
        aliases = merged_aliases(organisations, name, entry.strings("aliases"))
        organisation, created = organisations.put(name, values, slug_text=name, aliases=aliases)
        report.count("organisations", created)
        if entry.has("parent"):
            parents.append((entry, name, entry.text("parent"), created))
    # Parents last, once every organisation exists.
    for entry, name, parent_name, created in parents:
        organisation = organisations.rows[name]
        parent = lookup({n: organisations.rows[n] for n in named}, parent_name, "organisation", entry)
        if parent.pk == organisation.pk:
            entry.fail("cannot be its own parent")
        if organisation.parent_id != parent.pk:
            current = organisation.parent
            organisation.parent = parent
            try:
                organisation.clean()
            except ValidationError:
                entry.fail(f"parent {parent_name!r} would make a loop")
            organisation.parent = current
        snapshots.apply(organisation, {"parent_id": parent.pk}, "organisation-parent", name, count=not created)
    return {n: organisations.rows[n] for n in named}


def load_people(data, report, organisations, snapshots):
    people = Entities(Person, "name", snapshots)
    affiliations = Links(
        Affiliation, lambda a: (a.person_id, a.organisation_id, a.role), Affiliation.objects.all(), snapshots
    )
    named = set()
    for entry in entries(data, "people", "name"):
        name = entry.text("name", required=True, max_length=200)
        if name in named:
            entry.fail("appears twice")
        named.add(name)
        aliases = merged_aliases(people, name, entry.strings("aliases"))
        person, created = people.put(name, {"description": entry.text("description")}, slug_text=name, aliases=aliases)
        report.count("people", created)
        for link in entry.children("affiliations", "organisation"):
            organisation = lookup(organisations, link.text("organisation", required=True), "organisation", link)
            started, ended = link.date("started_on"), link.date("ended_on")
            if started and ended and ended < started:
                link.fail("'ended_on' is before 'started_on'")
            affiliations.put(
                {"person": person, "organisation": organisation, "role": link.text("role", max_length=200)},
                {"started_on": started, "ended_on": ended},
            )
    affiliations.flush()
    return {n: people.rows[n] for n in named}


def load_lawsuits(data, report, organisations, people, snapshots):
    lawsuits = Entities(Lawsuit, "case_name", snapshots)
    parties = Links(
        LawsuitParty,
        lambda p: (p.lawsuit_id, p.organisation_id, p.person_id, p.side),
        LawsuitParty.objects.all(),
        snapshots,
    )
    named = set()
    for entry in entries(data, "lawsuits", "case_name"):
        case_name = entry.text("case_name", required=True, max_length=300)
        named.add(case_name)
        values = {
            "court": entry.text("court", max_length=300),
            "docket_number": entry.text("docket_number", max_length=100),
            "courtlistener_docket_id": entry.number("courtlistener_docket_id"),
            "judge": entry.text("judge", max_length=200),
            "filed_on": entry.date("filed_on"),
            "status": entry.choice("status", Lawsuit.Status, default=Lawsuit.Status.FILED),
            "status_on": entry.date("status_on"),
            "claims": "\n".join(entry.strings("claims")),
            "summary": entry.text("summary"),
        }
        lawsuit, created = lawsuits.put(case_name, values, slug=entry.text("slug"), slug_text=case_name)
        report.count("lawsuits", created)
        listed = []
        for party in entry.children("parties", "organisation"):
            side = party.choice("side", LawsuitParty.Side)
            if party.has("organisation"):
                who = {"organisation": lookup(organisations, party.text("organisation"), "organisation", party)}
            elif party.has("person"):
                who = {"person": lookup(people, party.text("person"), "person", party)}
            else:
                party.fail("needs an 'organisation' or a 'person'")
            fixed = {"lawsuit": lawsuit, "side": side, **who}
            parties.put(fixed, {})
            listed.append(parties.key(LawsuitParty(**fixed)))
        report.removed_links += parties.remove(snapshots.dropped("lawsuit-parties", case_name, listed))
    parties.flush()
    return {n: lawsuits.rows[n] for n in named}


def load_agreements(data, report, organisations, snapshots):
    agreements = Entities(UnionAgreement, "name", snapshots)
    provisions = Links(AIProvision, lambda p: (p.agreement_id, p.title), AIProvision.objects.all(), snapshots)
    counterparties = set(
        UnionAgreement.counterparties.through.objects.values_list("unionagreement_id", "organisation_id")
    )
    named, successions = set(), []
    for entry in entries(data, "agreements", "name"):
        name = entry.text("name", required=True, max_length=300)
        named.add(name)
        union = lookup(organisations, entry.text("union", required=True), "organisation", entry)
        values = {
            "union_id": union.pk,
            "status": entry.choice("status", UnionAgreement.Status, default=UnionAgreement.Status.NEGOTIATING),
            "tentative_on": entry.date("tentative_on"),
            "ratified_on": entry.date("ratified_on"),
            "effective_on": entry.date("effective_on"),
            "expires_on": entry.date("expires_on"),
            "extended_to": entry.date("extended_to"),
            "status_on": entry.date("status_on"),
            "votes_for": entry.number("votes_for"),
            "votes_against": entry.number("votes_against"),
            "turnout_percent": entry.number("turnout_percent", decimal.Decimal),
            "summary": entry.text("summary"),
        }
        if values["effective_on"] and values["expires_on"] and values["expires_on"] <= values["effective_on"]:
            entry.fail("'expires_on' must come after 'effective_on'")
        agreement, created = agreements.put(name, values, slug=entry.text("slug"), slug_text=name)
        report.count("agreements", created)
        others = [lookup(organisations, c, "organisation", entry) for c in entry.strings("counterparties")]
        missing = [o for o in others if (agreement.pk, o.pk) not in counterparties]
        if missing:
            agreement.counterparties.add(*missing)
        for order, provision in enumerate(entry.children("provisions", "title")):
            provisions.put(
                {"agreement": agreement, "title": provision.text("title", required=True, max_length=200)},
                {"text": provision.text("text", required=True), "order": order},
            )
        if entry.has("supersedes"):
            successions.append((entry, agreement, entry.text("supersedes")))
    provisions.flush()
    # Successions last, once every agreement exists.
    rows = {n: agreements.rows[n] for n in named}
    for entry, agreement, earlier_name in successions:
        earlier = lookup(rows, earlier_name, "agreement", entry)
        if earlier.pk == agreement.pk:
            entry.fail("cannot supersede itself")
        snapshots.apply(
            agreement, {"supersedes_id": earlier.pk}, "unionagreement-supersedes", agreement.name, count=False
        )
    return rows


def event_date(entry):
    """(date, precision); a month written "YYYY-MM" is the first of that month at month precision."""
    raw = entry.raw.get("date")
    if isinstance(raw, str) and len(raw) == 7:
        try:
            return datetime.date.fromisoformat(raw + "-01"), Event.Precision.MONTH
        except ValueError:
            entry.fail(f"'date' is {raw!r}, expected YYYY-MM-DD or YYYY-MM")
    return entry.date("date", required=True), entry.choice("date_precision", Event.Precision, default="day")


def load_events(data, report, organisations, people, lawsuits, agreements, snapshots):
    check_url = URLValidator(schemes=["http", "https"])
    slugs = [e.get("slug") for e in data["events"] if isinstance(e, dict)]
    events = Entities(Event, "slug", snapshots, Event.objects.filter(slug__in=slugs))
    mine = {"event__slug__in": slugs}
    roles = Links(
        EventOrganisation,
        lambda x: (x.event_id, x.organisation_id),
        EventOrganisation.objects.filter(**mine),
        snapshots,
    )
    people_roles = Links(
        EventPerson, lambda x: (x.event_id, x.person_id), EventPerson.objects.filter(**mine), snapshots
    )
    sources = Links(Source, lambda s: (s.event_id, s.url), Source.objects.filter(**mine), snapshots)
    seen = set()
    for entry in entries(data, "events", "slug"):
        slug = entry.text("slug", required=True, max_length=100)
        if slug in seen:
            entry.fail("appears twice")
        seen.add(slug)
        date, precision = event_date(entry)
        lawsuit = lookup(lawsuits, entry.text("lawsuit"), "lawsuit", entry) if entry.has("lawsuit") else None
        agreement = lookup(agreements, entry.text("agreement"), "agreement", entry) if entry.has("agreement") else None
        if not entry.items("sources"):
            entry.fail("has no sources; every curated event rests on at least one")
        values = {
            "date": date,
            "date_precision": precision,
            "kind": entry.choice("kind", Event.Kind),
            "title": entry.text("title", required=True, max_length=300),
            "summary": entry.text("summary", required=True),
            "status": entry.choice("status", Event.Status, default=Event.Status.PUBLISHED),
            "lawsuit_id": lawsuit.pk if lawsuit else None,
            "agreement_id": agreement.pk if agreement else None,
        }
        event, created = events.put(slug, values)
        report.count("events", created)
        listed = []
        for link in entry.children("organisations", "name"):
            organisation = lookup(organisations, link.text("name", required=True), "organisation", link)
            roles.put(
                {"event": event, "organisation": organisation},
                {"role": link.choice("role", Role, default="subject")},
            )
            listed.append((event.pk, organisation.pk))
        report.removed_links += roles.remove(snapshots.dropped("event-organisations", slug, listed))
        listed = []
        for link in entry.children("people", "name"):
            person = lookup(people, link.text("name", required=True), "person", link)
            people_roles.put({"event": event, "person": person}, {"role": link.choice("role", Role, default="subject")})
            listed.append((event.pk, person.pk))
        report.removed_links += people_roles.remove(snapshots.dropped("event-people", slug, listed))
        for source in entry.children("sources", "url"):
            url = source.text("url", required=True, max_length=1000)
            try:
                check_url(url)
            except ValidationError:
                source.fail(f"{url!r} is not a valid http(s) URL")
            values = {
                "title": source.text("title", required=True, max_length=500),
                "publisher": source.text("publisher", max_length=200),
                "published_on": source.date("published_on"),
            }
            if "primary" in source.raw:  # the document itself, not coverage; else a curator's tick stays
                values["is_primary"] = source.raw["primary"] is True
            report.count("sources", sources.put({"event": event, "url": url}, values))
    for links in (roles, people_roles, sources):
        links.flush()


# --- The whole load -------------------------------------------------------------------------------


def load_dataset(data, *, force=False):
    """Load an already-read dataset in one transaction; returns a LoadReport.

    With `force`, the file's values replace a curator's later edits too.
    """
    report = LoadReport()
    with transaction.atomic():
        snapshots = Snapshots(report, force=force)
        organisations = load_organisations(data, report, snapshots)
        people = load_people(data, report, organisations, snapshots)
        lawsuits = load_lawsuits(data, report, organisations, people, snapshots)
        agreements = load_agreements(data, report, organisations, snapshots)
        load_events(data, report, organisations, people, lawsuits, agreements, snapshots)
        snapshots.save()
        # The organisation tree is cached; forget it once the new parents are visible to everyone.
        transaction.on_commit(forget_organisation_tree)
    return report


def load_curated(path=DATASET_PATH, *, force=False):
    """Read the dataset file at `path` and load it; raises DatasetError on a malformed file."""
    return load_dataset(read_dataset(path), force=force)
