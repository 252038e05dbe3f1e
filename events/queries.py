"""The timeline query: filters, organisation hierarchy and keyset paging.

Every output (the HTML timeline and its HTMX partial, and later feeds, JSON, CSV and iCal) calls
`timeline_page()` with the same cleaned filter values, so there is one implementation of the filters.
"""

import dataclasses
import datetime
import hashlib
import re
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from .models import (
    Event,
    EventOrganisation,
    EventPerson,
    Lawsuit,
    Organisation,
    Person,
    UnionAgreement,
    card_prefetches,
)
from .search import near_names, search_condition, search_words, spell_search  # noqa: F401 (re-exported)
from .versions import counts_version, events_version

CURSOR_SIGNER = signing.Signer(salt="events.timeline.cursor")
ORG_TREE_CACHE_KEY = "events:organisation-tree:v1"


class FilterError(ValueError):
    """A filter value that names nothing we know, or a cursor we did not issue. Shown to the reader."""


@dataclasses.dataclass
class Filters:
    """What the reader asked for, with slugs resolved to rows."""

    organisations: list = dataclasses.field(default_factory=list)
    include_subsidiaries: bool = True
    organisation_ids: frozenset = frozenset()
    person: Person | None = None
    kinds: tuple = ()
    kind: str = ""  # one kind, as older callers pass it; folded into `kinds`
    lawsuit: Lawsuit | None = None
    agreement: UnionAgreement | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""
    # The search's words, each with the names a letter away that it also matches (search.spell_search),
    # and the corrections made: set by resolve_filters; empty, the words of `q` as typed.
    search_terms: tuple = ()
    corrections: tuple = ()

    def __post_init__(self):
        kinds = tuple(self.kinds) + ((self.kind,) if self.kind and self.kind not in self.kinds else ())
        self.kinds, self.kind = kinds, ""

    @property
    def is_empty(self):
        return not (
            self.organisations or self.person or self.kinds or self.lawsuit or self.agreement
            or self.date_from or self.date_to or self.q
        )

    def as_query(self):
        """These filters as timeline query parameters, in a fixed order and without empty values: the URL
        of exactly what is applied (the timeline pushes it after a change, and links to it)."""
        query = QueryDict(mutable=True)
        if self.organisations:
            query.setlist("org", [o.slug for o in self.organisations])
            if not self.include_subsidiaries:
                query["exact"] = "1"
        if self.person:
            query["person"] = self.person.slug
        if self.kinds:
            query.setlist("kind", list(self.kinds))
        if self.lawsuit:
            query["lawsuit"] = self.lawsuit.slug
        if self.agreement:
            query["agreement"] = self.agreement.slug
        if self.date_from:
            query["date_from"] = self.date_from.isoformat()
        if self.date_to:
            query["date_to"] = self.date_to.isoformat()
        if self.q:
            query["q"] = self.q
        return query


@dataclasses.dataclass
class Page:
    events: list
    next_cursor: str | None
    previous_month: datetime.date | None = None


# --- Organisation hierarchy -----------------------------------------------------------------------

def organisation_tree():
    """{parent_id: [child_id, ...]} for every organisation, cached until an organisation changes."""
    tree = cache.get(ORG_TREE_CACHE_KEY)
    if tree is None:
        tree = {}
        # No ORDER BY (the model's is by name): every reader of the tree treats children as a set.
        children = Organisation.objects.filter(parent__isnull=False).order_by().values_list("pk", "parent_id")
        for pk, parent_id in children:
            tree.setdefault(parent_id, []).append(pk)
        cache.set(ORG_TREE_CACHE_KEY, tree, 3600)
    return tree


def forget_organisation_tree():
    cache.delete(ORG_TREE_CACHE_KEY)


def with_subsidiaries(organisation_ids):
    """The organisations and, recursively, every organisation under them."""
    tree = organisation_tree()
    result, stack = set(), list(organisation_ids)
    while stack:
        pk = stack.pop()
        if pk not in result:
            result.add(pk)
            stack.extend(tree.get(pk, ()))
    return frozenset(result)


# --- Caching what is computed over many events (dated by events/versions.py) -----------------------

def aggregate_cache_key(prefix, filters, version=None):
    """A cache key for something computed over every event matching `filters` (counts, charts).

    It changes with the filters and whenever what it counts changes, so a cached aggregate is never stale.
    `version`: the counts version when the caller has it already (one cache round trip less). A search
    also reads source titles, so its aggregates follow the pages version instead.
    """
    parts = [
        sorted(filters.organisation_ids), filters.person and filters.person.pk, filters.kinds,
        filters.lawsuit and filters.lawsuit.pk, filters.agreement and filters.agreement.pk,
        filters.date_from, filters.date_to, filters.q,
    ]
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    version = f"p{events_version()}" if filters.q else (version or counts_version())
    return f"{prefix}:{version}:{digest}"


def canonical_query(cleaned):
    """The filters of a valid TimelineFilterForm in one spelling, as a QueryDict (no cursor).

    What the page shows depends on these values alone, so they, not the raw query string, key the cached
    pages and build the links in them: a parameter the form does not know (`?utm_source=x`), another
    order, spelling or a default value spelled out all give the same key, and no one can fill the cache
    with copies of a page by inventing parameters. Organisations keep their order (the page names them
    in it); `exact` counts only with organisations.
    """
    query = QueryDict(mutable=True)
    if cleaned.get("org"):
        query.setlist("org", cleaned["org"])
        if cleaned.get("exact"):
            query["exact"] = "1"
    for name in ("person", "kind", "lawsuit", "agreement", "q"):
        if isinstance(cleaned.get(name), list):
            if cleaned[name]:
                query.setlist(name, cleaned[name])  # kinds, several at once
        elif cleaned.get(name):
            query[name] = cleaned[name]
    for name in ("date_from", "date_to"):
        if cleaned.get(name):
            query[name] = cleaned[name].isoformat()
    if cleaned.get("page_size") and cleaned["page_size"] != settings.DAILIES_PAGE_SIZE:
        query["page_size"] = str(cleaned["page_size"])
    return query


ORGANISATION_COVERAGE_KEY = "events:organisation-coverage"
MOST_COVERED = 50


def _counted_with_grace(key, compute, *, max_age):
    """`compute()`, cached exact for the current counts version; after a change the last result is
    served while it is under `max_age` seconds old, so a burst of publications does not recount at once."""
    version_key = f"{key}:{counts_version()}"
    found = cache.get(version_key)
    if found is not None:
        return found
    latest = cache.get(f"{key}:latest")
    if latest is not None and time.time() - latest[0] < max_age:
        return latest[1]
    found = compute()
    cache.set(version_key, found, 6 * 3600)
    cache.set(f"{key}:latest", (time.time(), found), 24 * 3600)
    return found


def organisation_coverage(*, max_age):
    """How much each organisation is covered: {"counts": {organisation id: published events},
    "most_covered": [(slug, name)] of the fifty with most events, by name}.

    On PostgreSQL one kept row per organisation (events/aggregates.py: ~2,000 rows); elsewhere one
    GROUP BY over every link (1.6 s at a million events on PostgreSQL, before the kept counts). The
    result is cached: exact for the current events version (organisation renames move it too), but after
    a change the last result is served while it is under `max_age` seconds old.
    """
    return _counted_with_grace(ORGANISATION_COVERAGE_KEY, _organisation_coverage, max_age=max_age)


def _organisation_coverage():
    if connection.vendor == "postgresql":
        from .aggregates import organisation_totals

        rows = organisation_totals()
    else:
        rows = list(
            EventOrganisation.objects.filter(event__status=Event.Status.PUBLISHED)
            .values("organisation_id", "organisation__slug", "organisation__name")
            .annotate(n=Count("id")).order_by()
            .values_list("organisation_id", "organisation__slug", "organisation__name", "n")
        )
    top = sorted(rows, key=lambda row: (-row[3], row[2]))[:MOST_COVERED]
    return {
        "counts": {pk: n for pk, _, _, n in rows},
        "most_covered": sorted(((slug, name) for _, slug, name, _ in top), key=lambda row: row[1]),
    }


def most_covered_organisations(*, max_age):
    """[(slug, name)] of the fifty organisations with most published events, by name: what the filter
    form's plain select offers. On PostgreSQL fifty kept rows (events/aggregates.py), not the ~2,000 of
    organisation_coverage(); cached the same way (exact for the counts version, else the last result while
    it is under `max_age` seconds old)."""
    if connection.vendor != "postgresql":
        return organisation_coverage(max_age=max_age)["most_covered"]
    return _counted_with_grace(f"{ORGANISATION_COVERAGE_KEY}:top", _most_covered_from_kept_rows, max_age=max_age)


def _most_covered_from_kept_rows():
    with connection.cursor() as cursor:
        # Ties go by name in code point order, as organisation_coverage() sorts them in Python.
        cursor.execute(
            "SELECT o.slug, o.name FROM events_monthly_count m JOIN events_organisation o ON o.id = m.scope_id"
            ' WHERE m.scope = \'t\' AND m.n > 0 ORDER BY m.n DESC, o.name COLLATE "C" LIMIT %s',
            [MOST_COVERED],
        )
        return sorted(cursor.fetchall(), key=lambda row: row[1])


# --- Resolving the form into Filters --------------------------------------------------------------

def _one(model, slug, what, problems):
    if not slug:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        _problem(problems, f"There is no {what} “{slug}”.")
    return found


def _problem(problems, message):
    if problems is None:
        raise FilterError(message)
    problems.append(message)


def resolve_filters(cleaned, problems=None):
    """Turn a cleaned TimelineFilterForm into Filters.

    A slug that names nothing raises FilterError; given a `problems` list, it is left out instead and
    its message appended, so the other filters still apply.
    """
    slugs = cleaned.get("org") or []
    organisations = list(Organisation.objects.filter(slug__in=slugs)) if slugs else []
    missing = set(slugs) - {o.slug for o in organisations}
    if missing:
        _problem(problems, "There is no organisation " + ", ".join(f"“{s}”" for s in sorted(missing)) + ".")
    organisations.sort(key=lambda o: slugs.index(o.slug))
    include_subsidiaries = not cleaned.get("exact")
    ids = frozenset(o.pk for o in organisations)
    if include_subsidiaries:
        ids = with_subsidiaries(ids)
    q = (cleaned.get("q") or "").strip()
    terms, corrections = spell_search(q) if q else ((), ())
    return Filters(
        organisations=organisations,
        include_subsidiaries=include_subsidiaries,
        organisation_ids=ids,
        person=_one(Person, cleaned.get("person"), "person", problems),
        kinds=tuple(cleaned.get("kind") or ()),
        lawsuit=_one(Lawsuit, cleaned.get("lawsuit"), "lawsuit", problems),
        agreement=_one(UnionAgreement, cleaned.get("agreement"), "agreement", problems),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
        q=q,
        search_terms=terms,
        corrections=corrections,
    )


# --- The query ------------------------------------------------------------------------------------

# The search box lives in events/search.py; these names are imported from here by older callers.


def filtered_events(filters, base=None):
    """Published events matching `filters`, newest first. No paging, no prefetching."""
    events = (base if base is not None else Event.objects).published()
    if filters.organisation_ids:
        events = events.filter(
            Exists(EventOrganisation.objects.filter(event=OuterRef("pk"), organisation_id__in=filters.organisation_ids))
        )
    if filters.person:
        events = events.filter(Exists(EventPerson.objects.filter(event=OuterRef("pk"), person=filters.person)))
    if len(filters.kinds) == 1:
        events = events.filter(kind=filters.kinds[0])
    elif filters.kinds:
        events = events.filter(kind__in=filters.kinds)
    if filters.lawsuit:
        events = events.filter(lawsuit=filters.lawsuit)
    if filters.agreement:
        events = events.filter(agreement=filters.agreement)
    if filters.date_from:
        events = events.filter(date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(date__lte=filters.date_to)
    if filters.q:
        events = events.filter(search_condition(filters.q, terms=filters.search_terms or None))
    return events.order_by("-date", "-id")


def timeline_summary(filters, *, version=None):
    """{"count": published events matching `filters`, "latest": when the newest change to one was made}.

    One aggregate query, cached per filters and pages version (which every change to a published event,
    its links or sources moves), so the figures shown above the results are never stale.
    """
    key = aggregate_cache_key("events:summary", filters) if version is None else (
        f"events:summary:p{version}:" + aggregate_cache_key("", filters).rsplit(":", 1)[-1]
    )
    found = cache.get(key)
    if found is None:
        from .aggregates import summary  # aggregates builds on this module

        # From the count tables when they answer (PostgreSQL), else bounded: events/aggregates.py.
        found = summary(filters)
        cache.set(key, found, 6 * 3600)
    return found


RELATED_PER_ORGANISATION = 30


def related_events(event, *, limit=6):
    """Other published events of the same lawsuit or agreement, and those sharing its organisations.

    {"lawsuit": [...], "agreement": [...], "organisations": [...]}: the lawsuit's and agreement's events
    by date (at most 20 each), then up to `limit` events that share the most organisations with this
    one, nearest in date first among equals, leaving out those already listed. The candidates sharing
    an organisation are the 30 nearest in date per organisation (an index walk, not a count over every
    event of a big organisation).
    """
    published = Event.objects.published().exclude(pk=event.pk).select_related("lawsuit", "agreement")
    found = {"lawsuit": [], "agreement": [], "organisations": []}
    if event.lawsuit_id:
        found["lawsuit"] = list(published.filter(lawsuit_id=event.lawsuit_id).order_by("date", "id")[:20])
    if event.agreement_id:
        found["agreement"] = list(published.filter(agreement_id=event.agreement_id).order_by("date", "id")[:20])
    listed = {e.pk for e in found["lawsuit"] + found["agreement"]}
    shared = {}
    for link in event.organisation_links.all()[:10]:
        nearby = (
            EventOrganisation.objects.filter(organisation_id=link.organisation_id, event__status=Event.Status.PUBLISHED)
            .exclude(event_id=event.pk).order_by("-event__date", "-event_id")
            .values_list("event_id", flat=True)[:RELATED_PER_ORGANISATION]
        )
        for event_id in nearby:
            if event_id not in listed:
                shared[event_id] = shared.get(event_id, 0) + 1
    if shared:
        candidates = {e.pk: e for e in published.filter(pk__in=list(shared))}
        ranked = sorted(candidates.values(), key=lambda e: (-shared[e.pk], abs((e.date - event.date).days), -e.pk))
        found["organisations"] = ranked[:limit]
        for e in found["organisations"]:
            e.shared = shared[e.pk]
    return found


def co_occurring_organisations(organisation_ids, *, limit=8):
    """The organisations that share the most published events with `organisation_ids`, in one query.

    Each row is an Organisation with `shared`, the number of such events; ties go by name.
    """
    scope = Filters(organisation_ids=frozenset(organisation_ids))
    key = aggregate_cache_key(f"events:co-occurring:{limit}", scope)
    found = cache.get(key)
    if found is None:
        from .aggregates import co_occurring  # aggregates builds on this module

        # One organisation's subtree reads its row of the count table (PostgreSQL); anything else counts
        # links, a GROUP BY over every link of the organisations: seconds at scale, hence the cache.
        found = co_occurring(organisation_ids, limit)
        if found is None:
            found = _co_occurring_organisations(organisation_ids, limit)
        cache.set(key, found, 6 * 3600)
    return found


def _co_occurring_organisations(organisation_ids, limit):
    shared_events = EventOrganisation.objects.filter(
        organisation_id__in=organisation_ids, event__status=Event.Status.PUBLISHED
    ).values("event_id")
    return list(
        Organisation.objects.exclude(pk__in=organisation_ids)
        .filter(event_links__event_id__in=shared_events)
        .annotate(shared=Count("event_links__event_id", distinct=True))
        .order_by("-shared", "name")
        .only("slug", "name")[:limit]
    )


@dataclasses.dataclass
class Suggestion:
    """One entry of the filter's type-ahead: an organisation (`param` "org") or a person ("person")."""

    param: str
    slug: str
    name: str
    what: str
    events: int
    rank: int


SUGGESTION_CANDIDATES = 200


def _match_rank(text, name, aliases):
    """0 the name or an alias is the text, 1 the name starts with it, 2 an alias or a word of the name
    does, 3 it is inside the name or an alias."""
    text = text.lower()
    names = [name.lower(), *(a.lower() for a in aliases)]
    if text in names:
        return 0
    if names[0].startswith(text):
        return 1
    if any(n.startswith(text) for n in names[1:]) or any(w.startswith(text) for w in re.split(r"[\s\-]+", names[0])):
        return 2
    return 3


def suggest_names(text, *, exclude_organisations=(), exclude_people=(), limit=8):
    """Organisations and people whose name or an alias contains `text`, best first, for the type-ahead.

    Relevance first (the name or an alias is the text, then starts with it, then a word starts with it,
    then the rest), then coverage (published events), then name: "Disney" offers The Walt Disney
    Company, known as Disney and on most events, before Disney Character Voices. Two queries, one per
    table, over at most 200 candidates each; organisation coverage comes from its cached count.
    """
    from .models import split_aliases

    text = text.strip()
    if not text:
        return []
    counts = organisation_coverage(max_age=300)["counts"]
    matches = Q(name__icontains=text) | Q(aliases__icontains=text)
    found = []
    organisations = (
        Organisation.objects.filter(matches).exclude(slug__in=list(exclude_organisations))
        .only("slug", "name", "aliases", "kind")[:SUGGESTION_CANDIDATES]
    )
    for o in organisations:
        found.append(Suggestion("org", o.slug, o.name, o.get_kind_display(), counts.get(o.pk, 0),
                                _match_rank(text, o.name, split_aliases(o.aliases))))
    people = (
        Person.objects.filter(matches).exclude(slug__in=list(exclude_people))
        .annotate(n=Count("event_links", filter=Q(event_links__event__status=Event.Status.PUBLISHED)))
        .only("slug", "name", "aliases")[:SUGGESTION_CANDIDATES]
    )
    for p in people:
        rank = _match_rank(text, p.name, split_aliases(p.aliases))
        found.append(Suggestion("person", p.slug, p.name, "Person", p.n, rank))
    found.sort(key=lambda s: (s.rank, -s.events, s.name.lower()))
    return found[:limit]


def suggest_organisations(text, *, exclude=(), limit=8):
    """The organisations among `suggest_names`, in the same order."""
    return [s for s in suggest_names(text, exclude_organisations=exclude, limit=limit * 4) if s.param == "org"][:limit]


# --- Keyset paging --------------------------------------------------------------------------------

def encode_cursor(event):
    return CURSOR_SIGNER.sign(f"{event.date.isoformat()}.{event.pk}")


def decode_cursor(cursor):
    """(date, id) from a cursor we issued; anything else raises FilterError."""
    try:
        raw = CURSOR_SIGNER.unsign(cursor)
        day, pk = raw.split(".")
        return datetime.date.fromisoformat(day), int(pk)
    except (signing.BadSignature, ValueError):
        raise FilterError("This “load more” link is damaged or out of date: start again from the top.") from None


# Past this many branches (one per organisation, subsidiaries included, or per organisation and kind), one
# query per branch costs more than it saves.
MAX_LINK_BRANCHES = 24


# Stand for the organisation and the kind in the one branch Django compiles; no row has such values.
BRANCH_ORGANISATION = -7_777_777_777
BRANCH_KIND = "\x1fbranch-kind"


def reads_organisation_links(filters):
    """Whether the events of `filters` are found through their organisations' links (organisation_links_page)."""
    return bool(filters.organisation_ids) and len(filters.organisation_ids) <= MAX_LINK_BRANCHES and (
        connection.vendor == "postgresql"
    )


def _through_organisation_links(filters, after, limit):
    """The first `limit` events of `filters` after the keyset `after`, read through the links' own index
    (organisation_links_page), with their lawsuit and agreement: one query."""
    return list(
        Event.objects.filter(pk__in=organisation_links_page(filters, after, limit))
        .select_related("lawsuit", "agreement").order_by("-date", "-id")
    )


def organisation_links_page(filters, after, limit):
    """The ids of the first `limit` events of `filters` after the keyset `after` (an SQL expression for
    `pk__in`), read through the links' own index.

    One branch per organisation walks event_org_timeline (organisation, event_date desc, event desc) and
    stops after `limit` matches; with kinds, one branch per organisation and kind walks the published links
    of that kind in event_org_kind_timeline instead (the links copy their event's kind and status, migration
    0019), so it reads only matches, however rare the kind. A branch joins the events only for the filters
    a link cannot answer (person, lawsuit, agreement, search). The branches are one UNION ALL inside the
    page's query, which keeps the first `limit` distinct (date, id) of them and fetches those events by
    primary key: one query. Django compiles the branch once, for a stand-in organisation (and kind), and
    each branch is that SQL with its own values (compiling a branch per organisation, and building a model
    per branch row, cost more than the database's work).
    """
    organisation_ids = sorted(filters.organisation_ids)
    by_kind = bool(filters.kinds) and len(organisation_ids) * len(filters.kinds) <= MAX_LINK_BRANCHES
    others = dataclasses.replace(filters, organisations=[], organisation_ids=frozenset(),
                                 kinds=() if by_kind else filters.kinds, date_from=None, date_to=None)
    # Only links, when they answer every filter: no event is read before the page's own. Not without a
    # kind: a test of event_published would let the planner read every published link of the organisation
    # in the kinds' index and sort them, where event_org_timeline stops after `limit`.
    on_links_alone = by_kind and others.is_empty
    prefix = "" if on_links_alone else "organisation_links__"

    def on_link(**conditions):
        return Q(**{prefix + name: value for name, value in conditions.items()})

    # Every condition on the link goes in one filter() call, so they all apply to the same join.
    condition = on_link(organisation_id=BRANCH_ORGANISATION)
    if by_kind:
        condition &= on_link(event_kind=BRANCH_KIND, event_published=True)
    if filters.date_from:
        condition &= on_link(event_date__gte=filters.date_from)
    if filters.date_to:
        condition &= on_link(event_date__lte=filters.date_to)
    if after:
        day, pk = after
        # The plain `<=` is what the index can seek to; the OR then settles ties on the day.
        condition &= on_link(event_date__lte=day) & (
            on_link(event_date__lt=day) | on_link(event_date=day, event_id__lt=pk)
        )
    if on_links_alone:
        branch = EventOrganisation.objects.filter(condition).order_by("-event_date", "-event_id")
        branch = branch.values_list("event_id", "event_date")[:limit]
    else:
        branch = (
            filtered_events(others, base=Event.objects.filter(condition))
            .order_by("-organisation_links__event_date", "-id")
            .values_list("id", "organisation_links__event_date")[:limit]
        )
    sql, params = branch.query.sql_with_params()
    slots = {value: params.index(value) for value in (BRANCH_ORGANISATION, BRANCH_KIND) if value in params}
    union, union_params = [], []
    for organisation_id in organisation_ids:
        for kind in filters.kinds if by_kind else (None,):
            values = list(params)
            values[slots[BRANCH_ORGANISATION]] = organisation_id
            if kind is not None:
                values[slots[BRANCH_KIND]] = kind
            union.append(f"({sql})")
            union_params += values
    return RawSQL(
        f"SELECT id FROM (SELECT DISTINCT id, day FROM ({' UNION ALL '.join(union)}) AS branches (id, day)"
        " ORDER BY day DESC, id DESC LIMIT %s) AS page",
        [*union_params, limit],
    )


def timeline_page(filters, *, cursor="", page_size=25, prefetch=True):
    """One page of the filtered timeline after `cursor`, with the cursor of the next page.

    Costs one query for the events plus, with `prefetch`, one per prefetched relation (organisations,
    people, sources), whatever the page size. Without it the caller prefetches what it needs (the HTML
    timeline only does so for cards it has not cached).
    """
    after, previous_month = None, None
    if cursor:
        after = decode_cursor(cursor)
        previous_month = after[0].replace(day=1)
    if reads_organisation_links(filters):
        rows = _through_organisation_links(filters, after, page_size + 1)
    else:
        events = filtered_events(filters)
        if after:
            day, pk = after
            events = events.filter(Q(date__lte=day), Q(date__lt=day) | Q(date=day, id__lt=pk))
        rows = list(events.select_related("lawsuit", "agreement")[: page_size + 1])
    if prefetch:
        prefetch_related_objects(rows, *card_prefetches())
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return Page(events=rows[:page_size], next_cursor=next_cursor, previous_month=previous_month)


def group_by_month(events, previous_month=None):
    """[(month, events, continues)] in page order; `continues` when the month began on an earlier page."""
    groups = []
    for event in events:
        if groups and groups[-1][0] == event.month:
            groups[-1][1].append(event)
        else:
            groups.append((event.month, [event], not groups and event.month == previous_month))
    return groups
