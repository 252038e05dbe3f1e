"""The timeline as data: JSON (`/api/events`), CSV (`/export.csv`) and iCalendar (`/calendar.ics`).

Every output reads the timeline's query parameters through the same TimelineFilterForm and
`resolve_filters`, and pages with the same keyset (`timeline_page`), so a filter means the same thing
everywhere. The JSON schema is documented in docs/api.md; change both together.
"""

import csv
import dataclasses
import datetime
import re
from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .cards import card_parts, parts_from_prefetched, slug_url
from .dates import in_window
from .forms import TimelineFilterForm
from .models import Event, EventOrganisation, EventPerson, Role, Source, UnionAgreement, source_order, web_url
from .queries import FilterError, filtered_events, resolve_filters, timeline_page

# The parameters that select events; everything else (cursor, page_size, org_search...) is not a filter.
FILTER_PARAMS = ("org", "exact", "person", "kind", "lawsuit", "agreement", "date_from", "date_to", "q")
CSV_CHUNK = 500
# An iCal file is built in memory; past events beyond this many (newest kept) are left out.
MAX_CALENDAR_EVENTS = 2000
CSV_COLUMNS = [
    "id", "slug", "date", "precision", "kind", "title", "summary", "organisations", "people",
    "lawsuit", "agreement", "source_url", "source_title", "url",
    # Every source and role, one per line within the cell; source_url/source_title above are the first
    # (primary first, then the earliest dated: models.source_order).
    "organisation_roles", "people_roles", "source_urls", "source_titles", "primary_source_urls",
]
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_AFTER_SEPARATOR = re.compile(r"([;,\t] *)([=+\-@])")


# --- The shared front door: query parameters to Filters -------------------------------------------

def read_filters(params):
    """(Filters, cleaned form data) from timeline query parameters; FilterError says what is wrong."""
    form = TimelineFilterForm(params)
    if not form.is_valid():
        raise FilterError(" ".join(form.problems()))
    return resolve_filters(form.cleaned_data), form.cleaned_data


def output_query(params):
    """The filter parameters of `params` alone, URL-encoded, for links to the same view in other formats."""
    query = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        values = [v for v in params.getlist(name) if v != ""]
        if values:
            query.setlist(name, values)
    return query.urlencode()


def describe(filters):
    """`events of OpenAI, kind Lawsuit filed`: what a feed, a calendar or a chart of `filters` holds."""
    parts = []
    if filters.organisations:
        parts.append("events of " + ", ".join(o.name for o in filters.organisations))
    if filters.person:
        parts.append(f"with {filters.person.name}")
    if filters.lawsuit:
        parts.append(f"in {filters.lawsuit.case_name}")
    if filters.agreement:
        parts.append(f"about {filters.agreement.name}")
    if filters.kinds:
        labels = ", ".join(Event.Kind(k).label for k in filters.kinds)
        parts.append(("kind " if len(filters.kinds) == 1 else "kinds ") + labels)
    if filters.date_from or filters.date_to:
        parts.append(f"from {filters.date_from or '…'} to {filters.date_to or '…'}")
    if filters.q:
        parts.append(f"matching “{filters.q}”")
    return ", ".join(parts)


def iter_events(filters, *, chunk_size=CSV_CHUNK, limit=None):
    """Every event matching `filters`, newest first, fetched a keyset page at a time (never all at once)."""
    cursor, seen = "", 0
    while True:
        size = chunk_size if limit is None else min(chunk_size, limit - seen)
        if size <= 0:
            return
        page = timeline_page(filters, cursor=cursor, page_size=size)
        yield from page.events
        seen += len(page.events)
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def output_filename(filters, extension):
    """`dailies-events-of-openai-kind-lawsuit-filed.ics`: a download named for its filters."""
    scope = slugify(describe(filters))[:80].strip("-")
    return f"dailies-{scope or 'events'}.{extension}"


# --- JSON ------------------------------------------------------------------------------------------

def _named(row, name_field):
    return {"slug": row.slug, name_field: getattr(row, name_field)} if row else None


def event_as_json(event, request, parts=None, event_url=None):
    """One event in the documented API schema (docs/api.md). `parts`: its cards.CardParts (card_parts()),
    else read from what `for_cards()` prefetched; `event_url`: slug -> absolute URL (event_urls())."""
    parts = parts or parts_from_prefetched(event)
    return {
        "id": event.pk,
        "slug": event.slug,
        "date": event.date.isoformat(),
        "precision": event.date_precision,
        "kind": event.kind,
        "title": event.title,
        "summary": event.summary,
        "organisations": [{"slug": slug, "name": name, "role": role} for slug, name, role in parts.organisations],
        "people": [{"slug": slug, "name": name, "role": role} for slug, name, role in parts.people],
        "lawsuit": _named(event.lawsuit, "case_name"),
        "agreement": _named(event.agreement, "name"),
        "sources": [
            {
                "url": web_url(url) or None,  # never a javascript: or data: link
                "title": title,
                "publisher": publisher,
                "published_on": published_on.isoformat() if published_on else None,
            }
            for url, title, publisher, published_on, _ in parts.sources
        ],
        "url": event_url(event.slug) if event_url else request.build_absolute_uri(event.get_absolute_url()),
    }


def event_urls(request):
    """slug -> the absolute URL of that event's page, with one reverse() and build_absolute_uri() for all."""
    path = slug_url("events:event")
    origin = request.build_absolute_uri("/")[:-1]

    def url(slug):
        return origin + path(slug)

    return url


@require_GET
def api_events(request):
    try:
        filters, cleaned = read_filters(request.GET)
        page = timeline_page(filters, cursor=cleaned["cursor"], page_size=cleaned["page_size"], prefetch=False)
    except FilterError as error:
        return JsonResponse({"error": str(error)}, status=400)
    next_url = None
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(f"{reverse('events:api_events')}?{query.urlencode()}")
    # Three flat queries for the page's links and sources: Django's prefetching built a queryset and models
    # per event and relation, half of a request's time.
    parts, url = card_parts(page.events), event_urls(request)
    events = [event_as_json(event, request, parts[event.pk], url) for event in page.events]
    return JsonResponse({"events": events, "next": next_url})


# --- CSV -------------------------------------------------------------------------------------------

def spreadsheet_safe(value):
    """The cell as text, with an apostrophe before anything a spreadsheet would read as a formula: at the
    start, and after a `;` or `,` (a spreadsheet set to split on it opens `harmless;=cmd|...` as a formula)."""
    text = "" if value is None else str(value)
    text = FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(events, event_url):
    """The CSV rows of a page of events: three flat queries for their organisations, people and
    sources (an export runs to thousands of rows, where model prefetching costs ~100 µs a row)."""
    ids = [event.pk for event in events]
    organisations, people, sources = defaultdict(list), defaultdict(list), defaultdict(list)
    role_labels = dict(Role.choices)
    links = EventOrganisation.objects.filter(event_id__in=ids).order_by("id")
    for event_id, name, role in links.values_list("event_id", "organisation__name", "role"):
        organisations[event_id].append((name, role_labels.get(role, role)))
    for event_id, name, role in EventPerson.objects.filter(event_id__in=ids).order_by("id").values_list(
        "event_id", "person__name", "role"
    ):
        people[event_id].append((name, role_labels.get(role, role)))
    rows = Source.objects.public().filter(event_id__in=ids).order_by("event_id", *source_order())
    for event_id, url, title, primary in rows.values_list("event_id", "url", "title", "is_primary"):
        sources[event_id].append((web_url(url), title, primary))
    for event in events:
        source_url, source_title, _ = sources[event.pk][0] if sources[event.pk] else ("", "", False)
        cells = [
            event.pk,
            event.slug,
            event.date.isoformat(),
            event.date_precision,
            event.kind,
            event.title,
            event.summary,
            "; ".join(name for name, _ in organisations[event.pk]),
            "; ".join(name for name, _ in people[event.pk]),
            event.lawsuit.case_name if event.lawsuit else "",
            event.agreement.name if event.agreement else "",
            source_url,
            source_title,
            event_url(event.slug),
            "\n".join(f"{name}: {role}" for name, role in organisations[event.pk]),
            "\n".join(f"{name}: {role}" for name, role in people[event.pk]),
            "\n".join(url for url, _, _ in sources[event.pk]),
            "\n".join(title for _, title, _ in sources[event.pk]),
            "\n".join(url for url, _, primary in sources[event.pk] if primary),
        ]
        yield [spreadsheet_safe(c) for c in cells]


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def csv_lines(filters, request):
    writer = csv.writer(_Echo())
    # One reverse() for the whole export; each row fills in its slug.
    placeholder = "event-slug-placeholder"
    template = request.build_absolute_uri(reverse("events:event", args=[placeholder]))
    prefix, suffix = template.split(placeholder)
    yield writer.writerow(CSV_COLUMNS)
    cursor = ""
    while True:
        page = timeline_page(filters, cursor=cursor, page_size=CSV_CHUNK, prefetch=False)
        yield "".join(writer.writerow(row) for row in csv_rows(page.events, lambda slug: prefix + slug + suffix))
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@require_GET
def export_csv(request):
    try:
        filters, _ = read_filters(request.GET)
    except FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(csv_lines(filters, request), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{output_filename(filters, "csv")}"'
    return response


# --- iCalendar -------------------------------------------------------------------------------------

def calendar_agreements(filters, today):
    """Agreements whose coming dates (taking effect, expiring) belong in the calendar of `filters`.

    An agreement matches an organisation filter through its union or a counterparty; the other event
    filters (person, kind, lawsuit, search) keep the agreements that have a matching event.
    """
    agreements = UnionAgreement.objects.filter(Q(expires_on__gte=today) | Q(effective_on__gte=today))
    if filters.agreement:
        agreements = agreements.filter(pk=filters.agreement.pk)
    if filters.organisation_ids:
        counterparty = UnionAgreement.counterparties.through.objects.filter(
            unionagreement=OuterRef("pk"), organisation_id__in=filters.organisation_ids
        )
        agreements = agreements.filter(Q(union_id__in=filters.organisation_ids) | Exists(counterparty))
    if filters.person or filters.kinds or filters.lawsuit or filters.q:
        undated = dataclasses.replace(filters, date_from=None, date_to=None)
        agreements = agreements.filter(Exists(filtered_events(undated).filter(agreement=OuterRef("pk"))))
    start, end = filters.date_from, filters.date_to
    if start:
        agreements = agreements.filter(Q(expires_on__gte=start) | Q(effective_on__gte=start))
    if end:
        agreements = agreements.filter(Q(expires_on__lte=end) | Q(effective_on__lte=end))
    return agreements.select_related("union").order_by("expires_on", "pk")


def _all_day(uid, day, summary, description, url, stamp):
    if not in_window(day):  # stored before the window was enforced; 9999-12-31 has no next day
        return None
    entry = CalendarEvent()
    entry.add("uid", uid)
    entry.add("dtstamp", stamp)
    entry.add("dtstart", day)
    entry.add("dtend", day + datetime.timedelta(days=1))
    entry.add("summary", summary)
    if description:
        entry.add("description", description)
    entry.add("url", url)
    return entry


def build_calendar(filters, request, *, include_past=False):
    """The iCal calendar of `filters`: coming agreement dates and dated events, past ones on request.

    UIDs are built from primary keys, so a calendar client updates an entry rather than duplicating it.
    """
    today = timezone.localdate()
    host = getattr(settings, "DAILIES_ICAL_UID_DOMAIN", "dailies")
    calendar = Calendar()
    calendar.add("prodid", "-//Dailies//AI in film and TV//EN")
    calendar.add("version", "2.0")
    scope = describe(filters)
    calendar.add("x-wr-calname", f"Dailies: {scope}" if scope else "Dailies: AI in film and TV")
    holds = "agreements taking effect or expiring, and dated events"
    calendar.add("x-wr-caldesc", (
        f"Coming dates ({holds}) from {today:%d %B %Y}" if not include_past else f"All dates ({holds})"
    ) + (f" for {scope}." if scope else ".") + (
        "" if include_past else " Past events are left out; add include_past=1 to the address to keep them."
    ))
    for agreement in calendar_agreements(filters, today):
        url = request.build_absolute_uri(agreement.get_absolute_url())
        for field, what in (("effective_on", "takes effect"), ("expires_on", "expires")):
            day = getattr(agreement, field)
            if day and day >= today and (not filters.date_from or day >= filters.date_from) and (
                not filters.date_to or day <= filters.date_to
            ):
                entry = _all_day(
                    f"agreement-{agreement.pk}-{field}@{host}", day, f"{agreement.name} {what}",
                    f"{agreement.union.name}. {agreement.summary}".strip(), url, agreement.updated_at,
                )
                if entry is not None:
                    calendar.add_component(entry)
    events = filters if include_past else _from_today(filters, today)
    for event in iter_events(events, limit=MAX_CALENDAR_EVENTS):
        description = event.summary
        if event.date_precision != Event.Precision.DAY:
            description = f"(Date known to the {event.date_precision}.) {description}"
        entry = _all_day(
            f"event-{event.pk}@{host}", event.date, event.title, description,
            request.build_absolute_uri(event.get_absolute_url()), event.updated_at,
        )
        if entry is not None:
            calendar.add_component(entry)
    return calendar


def _from_today(filters, today):
    """The same filters, moved on to start no earlier than today: scheduled events only."""
    start = max(filters.date_from, today) if filters.date_from else today
    return dataclasses.replace(filters, date_from=start)


@require_GET
def calendar_ics(request):
    try:
        filters, _ = read_filters(request.GET)
    except FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    include_past = request.GET.get("include_past") in {"1", "true", "on", "yes"}
    calendar = build_calendar(filters, request, include_past=include_past)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{output_filename(filters, "ics")}"'
    return response
