"""Counts over published events read from the tables PostgreSQL keeps (migration 0011), not from events.

A chart is counts per (month, kind). For the whole timeline, one organisation (with or without its
subsidiaries), one person, lawsuit or agreement, with or without kinds and a date range, they are rows
of events_monthly_count: at most months x kinds of them, whatever the number of events. A date range
that starts or ends inside a month reads those days from events_daily_count (the whole timeline,
migration 0013), an organisation's links by (organisation, event_date), or the few events of a person,
lawsuit or agreement. A search of one word reads the rows of its lexeme in events_search_count
(migration 0018) when no other lexeme starts as it does. Several organisations (with kinds and dates) sum
their kept rows less the events counted in more than one, read from the links (migration 0019), while that
overlap is small. Other filters (a person and an organisation, a search of several words, a big overlap)
are counted from the events with a bound: the newest MAX_COUNTED matching events, and the chart says so
when it is cut. The organisation page's
"often together with" is rows of events_cooccurrence_count.

SQLite (the demo) has no count tables: there everything is counted from the events, which is fine at
the demo's size.
"""

import dataclasses
import datetime
import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth

from .models import Event, Organisation
from .queries import (
    Filters,
    aggregate_cache_key,
    filtered_events,
    organisation_links_page,
    organisation_tree,
    reads_organisation_links,
    search_words,
    with_subsidiaries,
)

# A chart (or summary) over more matching events than this counts the newest this many: a bounded query.
# Each row costs ~5-45 us (a text search rechecks each event's document), so this stays small.
MAX_COUNTED = 1_000


@dataclasses.dataclass
class MonthlyCounts:
    counts: dict  # {(month, kind): number of events}
    cut: bool = False  # True when only the newest MAX_COUNTED matching events were counted
    latest: datetime.datetime | None = None  # the newest updated_at among them (bounded counts only)


def count_by_month(events):
    """{(month, kind): count} for a queryset of events, in one query over the events."""
    rows = (
        events.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month", "kind")
        .annotate(count=Count("id"))
        .values_list("month", "kind", "count")
    )
    return {(_as_date(month), kind): count for month, kind, count in rows}


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def has_count_tables():
    return connection.vendor == "postgresql"


def rebuild_counts():
    """Recount the kept tables from the events themselves.

    Needed after anything that bypasses row triggers: a bulk load, or a TRUNCATE (Django's flush, which
    the test runner uses between transactional tests).
    """
    if has_count_tables():
        with connection.cursor() as cursor:
            cursor.execute("SELECT events_rebuild_counts()")
            cursor.execute("SELECT events_rebuild_search_counts()")


def organisation_root(organisation_ids):
    """The organisation whose subtree (itself and everything under it) is exactly `organisation_ids`."""
    parent_of = {child: parent for parent, children in organisation_tree().items() for child in children}
    ids = frozenset(organisation_ids)
    tops = [pk for pk in ids if parent_of.get(pk) not in ids]
    if len(tops) == 1 and with_subsidiaries(tops) == ids:
        return tops[0]
    return None


def scope_of(filters):
    """('a' | 'o' | 'x' | 'p' | 'l' | 'g', id) when one row set of events_monthly_count answers `filters`
    (kind and dates aside), ('w', lexeme) when events_search_count's rows of one lexeme do (a search of
    one word, nothing else but kinds and dates), else None."""
    if filters.q and search_words(filters.q):
        if filters.organisation_ids or filters.person or filters.lawsuit or filters.agreement:
            return None
        lexeme = search_lexeme(filters)
        return None if lexeme is None else ("w", lexeme)
    scopes = []
    if filters.organisation_ids:
        ids = frozenset(filters.organisation_ids)
        root = organisation_root(ids) if filters.include_subsidiaries else None
        if root is not None:
            scopes.append(("o", root))
        elif len(ids) == 1:
            scopes.append(("x", next(iter(ids))))
        else:
            return None
    if filters.person:
        scopes.append(("p", filters.person.pk))
    if filters.lawsuit:
        scopes.append(("l", filters.lawsuit.pk))
    if filters.agreement:
        scopes.append(("g", filters.agreement.pk))
    if len(scopes) > 1:
        return None
    return scopes[0] if scopes else ("a", 0)


# The lexeme a one-word search asks for as a prefix ('strike':*), from PostgreSQL's own parsing of it.
PREFIX_LEXEME = r"^'([^']+)':\*$"


def search_lexeme(filters):
    """The lexeme whose kept rows count exactly the events a one-word search matches, or None.

    The search matches its word as a prefix of any lexeme of an event's document (events.search), so the
    kept rows of one lexeme count it only when no other lexeme of a published event starts with that
    prefix ("strike" while no "striker"): one query, which reads the rows of at most the first such lexeme
    and one more. A search of several words, or of a word widened by its corrections, is counted with a
    bound instead (_bounded)."""
    terms = filters.search_terms or tuple((word,) for word in search_words(filters.q))
    if len(terms) != 1 or len(terms[0]) != 1:
        return None
    if "_search_lexeme" in vars(filters):  # the chart and the summary of one request ask alike
        return vars(filters)["_search_lexeme"]
    vars(filters)["_search_lexeme"] = lexeme = _one_lexeme_starting(terms[0][0])
    return lexeme


def _one_lexeme_starting(word):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.prefix, ARRAY(SELECT DISTINCT c.lexeme FROM events_search_count c"
            " WHERE c.lexeme >= q.prefix AND c.lexeme < q.prefix || chr(1114111) AND c.n > 0 LIMIT 2)"
            " FROM (SELECT substring(to_tsquery('english', %s)::text FROM %s) COLLATE \"C\" AS prefix) AS q",
            [f"{word}:*", PREFIX_LEXEME],
        )
        prefix, lexemes = cursor.fetchone()
    if prefix is None or len(lexemes) > 1:
        return None
    return lexemes[0] if lexemes else prefix  # no lexeme: nothing matches, and its rows say so


def _month_start(day):
    return day.replace(day=1)


def _next_month(day):
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_end(day):
    return _next_month(day) - datetime.timedelta(days=1)


def _split_dates(date_from, date_to):
    """(first whole month, last whole month, [(from, to)] of the days outside whole months) for an
    inclusive date range; None for an open end."""
    first = last = None
    edges = []
    if date_from is not None:
        first = date_from if date_from.day == 1 else _next_month(date_from)
        if date_from.day != 1:
            edges.append((date_from, _month_end(date_from) if date_to is None else min(_month_end(date_from), date_to)))
    if date_to is not None:
        whole = date_to == _month_end(date_to)
        last = _month_start(date_to) if whole else _month_start(_month_start(date_to) - datetime.timedelta(days=1))
        if not whole:
            start = _month_start(date_to) if date_from is None else max(_month_start(date_to), date_from)
            if not edges or edges[0][1] < start:
                edges.append((start, date_to))
    return first, last, edges


def _kept_row_conditions(kinds, first, last):
    """(SQL, params) narrowing kept monthly rows to `kinds` (any when empty) and the whole months from
    `first` to `last` (None: open)."""
    sql, params = "", []
    if kinds:
        sql += " AND kind = ANY (%s)"
        params.append(list(kinds))
    if first is not None:
        sql += " AND month >= %s"
        params.append(first)
    if last is not None:
        sql += " AND month <= %s"
        params.append(last)
    return sql, params


def _table_rows(scope, scope_id, filters, *, totals=False):
    """[(month, kind, n, changed_at)] of the scope's events within the filters' kinds and dates, from kept
    rows: whole months from events_monthly_count, the days of a month cut by the date range from
    events_daily_count (whole timeline), the organisation links' (organisation, event_date) index (an
    organisation), or the events (a person, lawsuit or agreement: a few thousand events at most).

    The whole months' rows come without `changed_at` (a chart does not show it, and reading 1,700
    timestamps cost more than the query), or with `totals` summed in PostgreSQL into one row
    (None, None, count, latest change).
    """
    first, last, edges = _split_dates(filters.date_from, filters.date_to)
    columns = "NULL::date, NULL, coalesce(sum(n), 0)::int, max(changed_at)" if totals else (
        "month, kind, n, NULL::timestamptz"
    )
    if scope == "w":
        sql, params = f"SELECT {columns} FROM events_search_count WHERE lexeme = %s AND n > 0", [scope_id]
    else:
        sql = f"SELECT {columns} FROM events_monthly_count WHERE scope = %s AND scope_id = %s AND n > 0"
        params = [scope, scope_id]
    conditions, more = _kept_row_conditions(filters.kinds, first, last)
    sql, params = sql + conditions, params + more
    rows = []
    with connection.cursor() as cursor:
        if first is None or last is None or first <= last:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for start, end in edges:
            rows += _edge_rows(cursor, scope, scope_id, dataclasses.replace(filters, date_from=start, date_to=end))
    return rows


def _edge_rows(cursor, scope, scope_id, part):
    """[(month, kind, n, changed_at)] of the scope's events on a few days of one month (`part`'s dates)."""
    kinds = list(part.kinds)
    if scope == "a":
        cursor.execute(
            "SELECT date_trunc('month', day)::date, kind, sum(n)::int, max(changed_at) FROM events_daily_count"
            " WHERE day BETWEEN %s AND %s AND n > 0" + (" AND kind = ANY (%s)" if kinds else "") + " GROUP BY 1, 2",
            [part.date_from, part.date_to, *([kinds] if kinds else [])],
        )
        return cursor.fetchall()
    if scope in ("o", "x"):
        organisations = sorted(part.organisation_ids) if scope == "o" else [scope_id]
        cursor.execute(
            "SELECT date_trunc('month', e.date)::date, e.kind, count(*), max(e.updated_at) FROM events_event e"
            " WHERE e.status = 'published' AND e.date BETWEEN %s AND %s"
            + (" AND e.kind = ANY (%s)" if kinds else "")
            + " AND e.id IN (SELECT l.event_id FROM events_eventorganisation l"
            " WHERE l.organisation_id = ANY (%s) AND l.event_date BETWEEN %s AND %s) GROUP BY 1, 2",
            [part.date_from, part.date_to, *([kinds] if kinds else []), organisations, part.date_from, part.date_to],
        )
        return cursor.fetchall()
    rows = (
        filtered_events(part).order_by().annotate(month=TruncMonth("date")).values("month", "kind")
        .annotate(n=Count("id"), changed=Max("updated_at")).values_list("month", "kind", "n", "changed")
    )
    return [(_as_date(month), kind, n, changed) for month, kind, n, changed in rows]


def organisation_parts(filters):
    """('o' | 'x', [ids]) when `filters` are several organisations (kinds and dates aside) whose events are
    the union of two or more kept row sets: with subsidiaries, the subtrees of the organisations with no
    parent among them ('o' rows; together exactly `organisation_ids`), without, each organisation ('x').
    None for anything else (one row set: scope_of; a person, lawsuit, agreement or search besides)."""
    if not filters.organisation_ids or filters.person or filters.lawsuit or filters.agreement:
        return None
    if filters.q and search_words(filters.q):
        return None
    ids = frozenset(filters.organisation_ids)
    if not filters.include_subsidiaries:
        return ("x", sorted(ids)) if len(ids) > 1 else None
    parent_of = {child: parent for parent, children in organisation_tree().items() for child in children}
    tops = sorted(pk for pk in ids if parent_of.get(pk) not in ids)
    if len(tops) < 2 or with_subsidiaries(tops) != ids:
        return None
    return ("o", tops)


# The union of several row sets is their sum less the events counted in more than one, which are found by
# reading the links of every part but the largest (each such event is linked to one of those): exact
# counts while those parts hold at most this many matching events (a link read and its event's links
# probed, ~4 us each at 200,000 events); past it the newest MAX_COUNTED events are counted instead
# (_bounded, through the links' index: ~8 ms whatever the organisations).
MAX_OVERLAP_READ = 2_000


def _across_parts(filters):
    """MonthlyCounts of several organisations (organisation_parts) from their kept rows, exact; None when
    they are not such a filter or the overlap is too big to read (see MAX_OVERLAP_READ). Cached like
    _bounded, so the chart and the summary of one page share it."""
    parts = organisation_parts(filters)
    if parts is None:
        return None
    key = aggregate_cache_key("events:part-counts", filters)
    found = cache.get(key)
    if isinstance(found, MonthlyCounts):
        return found
    found = _count_across_parts(*parts, filters)
    if found is not None:
        cache.set(key, found, 6 * 3600)
    return found


def _count_across_parts(scope, part_ids, filters):
    first, last, edges = _split_dates(filters.date_from, filters.date_to)
    kinds = list(filters.kinds)
    counts, latest = {}, []
    with connection.cursor() as cursor:
        if first is None or last is None or first <= last:
            # Whole months: the parts' kept rows, first each part's total with its latest change (the
            # summary's) to know the largest and whether the overlap is small enough to read, then summed
            # per (month, kind).
            where = " FROM events_monthly_count WHERE scope = %s AND scope_id = ANY (%s) AND n > 0"
            conditions, more = _kept_row_conditions(kinds, first, last)
            where, params = where + conditions, [scope, part_ids, *more]
            cursor.execute("SELECT scope_id, sum(n), max(changed_at)" + where + " GROUP BY scope_id", params)
            sizes = {}
            for part, n, changed in cursor.fetchall():
                sizes[part] = n
                latest.append(changed)
            read = sorted(sizes, key=lambda part: (sizes[part], part))[:-1]
            if sum(sizes[part] for part in read) > MAX_OVERLAP_READ:
                return None
            sql = "SELECT month, kind, n" + where
            if read:  # less the events counted in more than one part, in the same query
                overlap, overlap_params = _overlap_sql(scope, part_ids, read, filters, first, last)
                sql, params = f"{sql} UNION ALL {overlap}", [*params, *overlap_params]
            cursor.execute(f"SELECT month, kind, sum(n)::int FROM ({sql}) AS parts GROUP BY 1, 2", params)
            counts = {(month, kind): n for month, kind, n in cursor.fetchall()}
        for start, end in edges:
            # The days outside whole months are counted from the links of every part at once (distinct events).
            part = dataclasses.replace(filters, date_from=start, date_to=end)
            for month, kind, n, changed in _edge_rows(cursor, "o", None, part):
                counts[(month, kind)] = counts.get((month, kind), 0) + n
                latest.append(changed)
    counts = {month_kind: n for month_kind, n in counts.items() if n}
    return MonthlyCounts(counts, latest=max((stamp for stamp in latest if stamp), default=None))


def _overlap_sql(scope, part_ids, read, filters, first, last):
    """(sql, params) of rows (month, kind, -n): n times more than once that the published events of the
    filters' kinds, in whole months from `first` to `last`, linked to organisations of several parts, were
    counted in a month and kind. From the links of the parts in `read`, each event's links probed by
    (event, organisation)."""
    ids = sorted(filters.organisation_ids)
    if scope == "o":
        part_of = {pk: top for top in part_ids for pk in with_subsidiaries([top])}
        part_by_id = [part_of[pk] for pk in ids]
        read_ids = sorted(pk for pk, top in part_of.items() if top in set(read))
    else:
        part_by_id, read_ids = ids, sorted(read)
    conditions, params = "", [read_ids]
    if filters.kinds:
        conditions += " AND s.event_kind = ANY (%s)"
        params.append(list(filters.kinds))
    if first is not None:
        conditions += " AND s.event_date >= %s"
        params.append(first)
    if last is not None:
        conditions += " AND s.event_date <= %s"
        params.append(_month_end(last))
    sql = (
        "SELECT date_trunc('month', e.event_date)::date, e.event_kind, 1 - linked.parts"
        " FROM (SELECT DISTINCT s.event_id, s.event_date, s.event_kind FROM events_eventorganisation s"
        "       WHERE s.organisation_id = ANY (%s::bigint[]) AND s.event_published" + conditions + ") AS e"
        # LATERAL: each event's few links by the (event, organisation) index, never a join over every link.
        " CROSS JOIN LATERAL (SELECT count(DISTINCT (%s::bigint[])[array_position(%s::bigint[], l.organisation_id)])"
        "       AS parts FROM events_eventorganisation l"
        "       WHERE l.event_id = e.event_id AND l.organisation_id = ANY (%s::bigint[])) AS linked"
        " WHERE linked.parts > 1"
    )
    return sql, [*params, part_by_id, ids, ids]


def _from_tables(scope, scope_id, filters):
    counts = {}
    for month, kind, n, _ in _table_rows(scope, scope_id, filters):
        counts[(month, kind)] = counts.get((month, kind), 0) + n
    return counts


# A search's bounded count first walks the newest events down the timeline index, at most about this many
# (whole months of them), and falls back to the search index only for what it did not find there.
SEARCH_WALK = 20_000
SEARCH_SAMPLE = 400  # the newest events in which a search's words are looked for first, to tell common from rare
SEARCH_COMMON = 20  # common: in one of these many events or more (the walk then finds 1,000 within ~20,000)


def _bounded(filters):
    """Counts of the newest MAX_COUNTED matching events, in one query that stops there (two for a search:
    see _walk_cutoff); cached (under the filters' counts or pages version) so the chart and the summary of
    one page share it."""
    key = aggregate_cache_key("events:bounded-counts", filters)
    found = cache.get(key)
    if isinstance(found, MonthlyCounts):
        return found
    cutoff = _walk_cutoff(filters)
    if cutoff is None:
        counts, fetched, latest = _newest_counts(filters, MAX_COUNTED)
        found = MonthlyCounts(counts, cut=fetched > MAX_COUNTED, latest=latest)
    else:
        # A word in one event of ten: the search index's plan fetches and sorts every match (120,000 at a
        # million events) to keep 1,000, where walking the newest events finds them among ~10,000. A rare
        # word is the other way round, so the walk stops at the cutoff and the index finds the older ones.
        recent, fetched, latest = _newest_counts(dataclasses.replace(filters, date_from=cutoff), MAX_COUNTED,
                                                 walk=True)  # the older part keeps the filters' own date_from
        found = MonthlyCounts(recent, cut=fetched > MAX_COUNTED, latest=latest)
        if fetched <= MAX_COUNTED:  # all the recent matches fit: the rest come from older months
            older = dataclasses.replace(filters, date_to=cutoff - datetime.timedelta(days=1))
            keep = MAX_COUNTED - fetched
            counts, more, older_latest = _newest_counts(older, keep)
            for month_kind, n in counts.items():
                recent[month_kind] = recent.get(month_kind, 0) + n
            stamps = [stamp for stamp in (latest, older_latest) if stamp]
            found = MonthlyCounts(recent, cut=more > keep, latest=max(stamps, default=None))
    cache.set(key, found, 6 * 3600)
    return found


# How a search is counted (walk the newest events, or ask the search index) is a plan, not a result: the
# counts are the newest MAX_COUNTED matches either way. So the plan is kept apart from the counts, under the
# words and dates alone, and outlives publications: the count after one reads the events once, not three times.
SEARCH_PLAN_TIMEOUT = 3600


def _walk_cutoff(filters):
    """For a search whose words are common (in one of the newest SEARCH_SAMPLE events of its dates in
    SEARCH_COMMON or more): the first day of the month from which on the newest SEARCH_WALK published events
    of its dates lie, read from the kept monthly counts. None where the search index alone is the better
    plan: a rare word's matches are few, and walking events past it costs a check of each event's search
    document (~5-20 us). Cached for SEARCH_PLAN_TIMEOUT under the words and dates: a plan a little out of
    date costs time, never a wrong count."""
    if not (filters.q and has_count_tables()):
        return None
    key = search_plan_key(filters)
    found = cache.get(key)
    if not isinstance(found, tuple):
        found = (_plan_search_walk(filters),)
        cache.set(key, found, SEARCH_PLAN_TIMEOUT)
    return found[0]


def search_plan_key(filters):
    plan = repr((filters.search_terms or filters.q, filters.date_from, filters.date_to))
    return "events:search-plan:" + hashlib.sha1(plan.encode()).hexdigest()


def _plan_search_walk(filters):
    """_walk_cutoff's answer, in one query: the search's matches among the newest SEARCH_SAMPLE events of
    its dates, and the month from which on its newest SEARCH_WALK events lie."""
    from .search import search_condition

    dated = Filters(date_from=filters.date_from, date_to=filters.date_to)
    recent = filtered_events(dated).values("id")[:SEARCH_SAMPLE]
    sample = Event.objects.filter(pk__in=recent).filter(
        search_condition(filters.q, terms=filters.search_terms or None)
    ).values("id")
    sample_sql, sample_params = sample.query.sql_with_params()
    months, months_params = "", []
    if filters.date_to:
        months, months_params = " AND month <= %s", [filters.date_to]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({sample_sql}) AS sample),"
            " (SELECT month FROM (SELECT month, sum(total) OVER (ORDER BY month DESC) AS running FROM"
            " (SELECT month, sum(n) AS total FROM events_monthly_count WHERE scope = 'a' AND scope_id = 0"
            f"{months} GROUP BY month) AS months) AS newest WHERE running >= %s ORDER BY month DESC LIMIT 1)",
            [*sample_params, *months_params, SEARCH_WALK],
        )
        matches, cutoff = cursor.fetchone()
    if matches * SEARCH_COMMON < SEARCH_SAMPLE:
        return None
    if cutoff is None or (filters.date_from and cutoff <= filters.date_from):
        return None  # the dates hold fewer events than a walk: the search index reads them all anyway
    return cutoff


def _newest_counts(filters, keep, *, walk=False):
    """({(month, kind): n} of the newest `keep` (0 or more) matching events, how many matched up to keep + 1, the newest
    updated_at among those counted), in one query. `walk`: read the events down the timeline's keyset index
    (bitmap scans, sequential scans and sorts off for this query), which stops once it has found keep + 1."""
    if reads_organisation_links(filters) and not filters.q:
        # Through the organisations' links, as the timeline's page: the newest matches of each organisation
        # (and kind) from its links alone, where walking the events to test their links read thousands.
        newest = Event.objects.filter(pk__in=organisation_links_page(filters, None, keep + 1)).order_by("-date", "-id")
    else:
        newest = filtered_events(filters)
    newest = newest.values_list("date", "kind", "updated_at")[: keep + 1]
    sql, params = newest.query.sql_with_params()
    with connection.cursor() as cursor:
        if walk:
            # Only the keyset index walk stops early; the planner, misjudging how many events a word matches,
            # would rather fetch every match and sort them.
            cursor.execute("SET enable_bitmapscan = off; SET enable_seqscan = off; SET enable_sort = off")
        try:
            cursor.execute(
                "SELECT date_trunc('month', day)::date, kind, count(*) FILTER (WHERE rank <= %s), max(rank),"
                " max(changed) FILTER (WHERE rank <= %s)"
                " FROM (SELECT day, kind, changed, row_number() OVER () AS rank"
                f" FROM ({sql}) AS page (day, kind, changed)) AS ranked GROUP BY 1, 2",
                [keep, keep, *params],
            )
            rows = cursor.fetchall()
        finally:
            if walk:
                cursor.execute("RESET enable_bitmapscan; RESET enable_seqscan; RESET enable_sort")
    counts = {(_as_date(month), kind): n for month, kind, n, *_ in rows if n}
    fetched = max((rank for _, _, _, rank, _ in rows), default=0)
    latest = max((changed for *_, changed in rows if changed), default=None)
    return counts, fetched, latest


def monthly_counts(filters):
    """MonthlyCounts of the published events matching `filters`: from the count tables when they answer
    (PostgreSQL; O(months x kinds) rows), else counted from the events (bounded on PostgreSQL)."""
    if not has_count_tables():
        return MonthlyCounts(count_by_month(filtered_events(filters)))
    scope = scope_of(filters)
    if scope is None:
        found = _across_parts(filters)
        return _bounded(filters) if found is None else found
    return MonthlyCounts(_from_tables(*scope, filters))


def summary(filters):
    """{"count", "latest", "cut"}: how many published events match `filters` and the latest change to
    one of them (updated_at, or when one was unpublished), from the count tables when they answer; else
    from the newest MAX_COUNTED matching events (`cut` when there are more: the count is a floor)."""
    scope = scope_of(filters) if has_count_tables() else None
    if scope is not None:
        rows = _table_rows(*scope, filters, totals=True)
        count = sum(n for _, _, n, _ in rows)
        latest = max((changed for *_, changed in rows if changed), default=None)
        return {"count": count, "latest": latest, "cut": False}
    if has_count_tables():
        found = _across_parts(filters)
        if found is None:
            found = _bounded(filters)
        return {"count": sum(found.counts.values()), "latest": found.latest, "cut": found.cut}
    found = filtered_events(filters).order_by().aggregate(count=Count("id"), latest=Max("updated_at"))
    return {**found, "cut": False}


def organisation_totals():
    """[(id, slug, name, published events linked to it)] of every organisation with any, from one kept
    row per organisation (PostgreSQL), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, o.slug, o.name, m.n FROM events_monthly_count m"
            " JOIN events_organisation o ON o.id = m.scope_id WHERE m.scope = 't' AND m.n > 0"
        )
        return cursor.fetchall()


def subtree_totals(organisation_ids):
    """{organisation id: published events of it and its subsidiaries, each once}, summed from the kept
    with-subsidiaries rows in one query; None where there are no count tables (SQLite)."""
    if not has_count_tables():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope_id, sum(n) FROM events_monthly_count WHERE scope = 'o' AND scope_id = ANY (%s)"
            " GROUP BY scope_id",
            [list(organisation_ids)],
        )
        return {pk: int(n) for pk, n in cursor.fetchall()}


def co_occurring(organisation_ids, limit):
    """The organisations sharing most published events with one organisation's subtree, from
    events_cooccurrence_count; None when the count table cannot answer (SQLite, or not one subtree)."""
    if not has_count_tables():
        return None
    ids = frozenset(organisation_ids)
    root = organisation_root(ids)
    if root is None:
        return None
    return list(
        Organisation.objects.raw(
            "SELECT o.id, o.slug, o.name, c.n AS shared FROM events_cooccurrence_count c"
            " JOIN events_organisation o ON o.id = c.other_id"
            " WHERE c.organisation_id = %s AND c.n > 0 AND NOT (c.other_id = ANY (%s))"
            " ORDER BY c.n DESC, o.name LIMIT %s",
            [root, sorted(ids), limit],
        )
    )


def lawsuit_roles(organisation_ids):
    """{lawsuit id: {"plaintiff", "defendant"}}: the roles in which `organisation_ids` appear on published
    events of each suit, from events_lawsuit_party_count (migration 0015): a few rows per organisation,
    not every link of the organisations. None where there are no count tables (SQLite)."""
    if not has_count_tables():
        return None
    roles = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lawsuit_id, role FROM events_lawsuit_party_count WHERE organisation_id = ANY (%s) AND n > 0",
            [sorted(organisation_ids)],
        )
        for lawsuit_id, role in cursor.fetchall():
            roles.setdefault(lawsuit_id, set()).add(role)
    return roles
