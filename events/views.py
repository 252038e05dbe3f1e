"""The public site: the timeline, its HTMX partials, and a page per organisation, person, lawsuit, agreement.

Views are thin: they validate the query with TimelineFilterForm and ask queries.py for a page.
"""

import hashlib
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dates
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from . import services
from .cards import attach_cards, link_cards_back, popular_organisation_options, slug_url
from .charts import chart_html
from .entities import counts_with_subsidiaries, lawsuit_parties, organisation_lawsuits, parties_of_lawsuits
from .feeds import describe
from .forms import TimelineFilterForm
from .models import Event, Lawsuit, Organisation, Person, UnionAgreement
from .outputs import output_query
from .queries import (
    FilterError,
    Filters,
    canonical_query,
    co_occurring_organisations,
    group_by_month,
    near_names,
    organisation_coverage,
    related_events,
    resolve_filters,
    suggest_names,
    timeline_page,
    timeline_summary,
    with_subsidiaries,
)
from .search import suggest_search
from .versions import current_versions

RESULTS_TIMEOUT = 6 * 3600


def _is_partial(request):
    """HTMX swaps only the results, except when it restores history and needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_context(filters, *, versions, cursor="", page_size=None, query=None, back_url=None):
    """The context of a timeline page: its events grouped by month and the link to the next page.

    `back_url`: the page the cards' links to their events should lead back to (default: the timeline
    with `query`)."""
    size = page_size or settings.DAILIES_PAGE_SIZE
    page = timeline_page(filters, cursor=cursor, page_size=size, prefetch=False)
    attach_cards(page.events, versions.cards)  # cached card HTML; relations are fetched only for cards not cached yet
    if back_url is None and query:
        back_url = _timeline_url(query)
    if back_url:
        link_cards_back(page.events, back_url)
    next_url = None
    if page.next_cursor:
        params = query.copy() if query is not None else QueryDict(mutable=True)
        params._mutable = True
        params["cursor"] = page.next_cursor
        next_url = f"{reverse('events:timeline')}?{params.urlencode()}"
    return {
        "page": page,
        "groups": group_by_month(page.events, page.previous_month),
        "next_url": next_url,
        # The same filters for the feeds, exports and the chart's links (no cursor, no page size).
        "output_query": output_query(query) if query is not None else "",
    }


def _entity_page(request, template, context, filters, subject, **param):
    """An entity page: its chart and the first page of its timeline (cached HTML), filtered by `param`,
    e.g. `person="sam-altman"`; "load more" continues on the timeline with that filter."""
    query = QueryDict(mutable=True)
    query.update(param)
    versions = current_versions()
    key = _results_key("entity", query, versions)
    html = cache.get(key)
    if html is None:
        html = _entity_results(request, filters, query, versions, key)
    context.update(
        filters=filters,
        chart=chart_html(filters, subject=subject, version=versions.counts),
        page_html=mark_safe(html),  # noqa: S308 (our own template)
        output_query=output_query(query),
    )
    return render(request, template, context)


def _entity_results(request, filters, query, versions, key):
    """The first page of an entity's timeline, rendered now and cached under `key` (its _results_key)."""
    page_context = _page_context(filters, query=query, versions=versions, back_url=request.path)
    html = render_to_string("events/timeline.html#page", page_context, request)
    cache.set(key, html, RESULTS_TIMEOUT)
    return html


def filter_choices(filters):
    """The organisations and kinds offered by the filter form.

    The plain select (the no-JavaScript path) lists the most covered organisations and the chosen ones,
    not all of them: thousands of <option>s weighed 100 KB a page. "All organisations…" links to the
    list, whose rows link to their filtered timeline; the type-ahead reaches every organisation.
    """
    chosen = {o.slug for o in filters.organisations}
    return {
        "organisation_options": popular_organisation_options(exclude=chosen),
        "kinds": Event.Kind.choices,
    }


def _results_key(fragment, params, versions):
    """The cache key of a results fragment for these query parameters.

    Pages are the same for everyone (no per-reader content in the fragment), so a fragment is keyed by
    the query and by the `versions` (events/versions.py) that every change to published events, their
    sources and links, or the names shown on cards moves: a cached fragment is never stale, and old keys
    expire unread.
    """
    # Parameter order does not change the page; the order of repeated values (organisations) does.
    normalised = urlencode(sorted(params.lists()), doseq=True)
    digest = hashlib.sha1(f"{fragment}?{normalised}".encode()).hexdigest()
    return f"events:results:{versions.pages}:{versions.cards}:{digest}"


def _has_empty_values(params):
    return any(value == "" for _, values in params.lists() for value in values)


def _without_empty_values(params):
    query = QueryDict(mutable=True)
    for name, values in params.lists():
        kept = [value for value in values if value != ""]
        if kept:
            query.setlist(name, kept)
    return query


def _timeline_url(query):
    encoded = query.urlencode() if hasattr(query, "urlencode") else query
    return reverse("events:timeline") + (f"?{encoded}" if encoded else "")


def _removal_links(filters):
    """The timeline without each single-valued filter: the chips' "remove" links (work without JS)."""
    links = {}
    for name in ("person", "lawsuit", "agreement"):
        if getattr(filters, name):
            query = filters.as_query()
            query.pop(name)
            links[name] = _timeline_url(query)
    return links


def _form_context(filters, form):
    return {"form": form, "filters": filters, "removal_links": _removal_links(filters), **filter_choices(filters)}


@require_GET
@vary_on_headers("HX-Request")
def timeline(request):
    """The timeline, its results fragment (HTMX) and its "load more" fragment.

    A filter value that cannot be used is left out on its own: the page says so (status 400), shows the
    results of the other filters, and its form and URL (HX-Push-Url) hold what was applied, so the form,
    the URL and the results never disagree.
    """
    if not request.htmx and _has_empty_values(request.GET):
        # The plain form sends every field; the address a reader copies holds only the filters in use.
        return redirect(_timeline_url(_without_empty_values(request.GET)))
    partial = _is_partial(request)
    versions = current_versions()
    form = TimelineFilterForm(request.GET)
    valid = form.is_valid()
    # The page is keyed by the validated filters in one spelling, never by the raw query string: unknown
    # parameters make no new cache entries (queries.canonical_query). Invalid filters are not cached.
    query = canonical_query(form.cleaned_data) if valid else QueryDict(mutable=True)
    cursor = form.cleaned_data.get("cursor", "") if valid else ""
    # A "load more" fragment is the next page alone; everything else shows the results with the chart.
    fragment = "page" if partial and cursor else "results"
    key = None
    if valid:
        keyed = query.copy()
        if cursor:
            keyed["cursor"] = cursor
        # A query too long to be a reader's is answered but not cached.
        key = _results_key(fragment, keyed, versions) if len(keyed.urlencode()) <= 2000 else None
    cached = cache.get(key) if key else None
    if cached is not None and partial:
        return _fragment_response(cached, 200, push=fragment == "results" and _timeline_url(query))
    problems = form.problems()
    usable = form.usable_data()
    filters = resolve_filters(usable, problems)
    context = {"errors": problems, "filters": filters}
    if not valid or problems:
        # Links and the pushed URL hold what is applied, in the same spelling as canonical_query.
        query = filters.as_query()
        if usable["page_size"] != settings.DAILIES_PAGE_SIZE:
            query["page_size"] = str(usable["page_size"])
    if cached is None:
        try:
            page_context = _page_context(
                filters, cursor=usable.get("cursor", ""), page_size=usable["page_size"], query=query,
                versions=versions,
            )
        except FilterError as error:  # a damaged cursor: the first page instead
            problems.append(str(error))
            page_context = _page_context(filters, page_size=usable["page_size"], query=query, versions=versions)
        context.update(page_context)
    status = 400 if problems else 200
    if status != 200:
        fragment = "results"  # errors show where the results go, even for a "load more" request
    if cached is None:
        if fragment == "results":
            context["chart"] = chart_html(filters, subject=describe(filters), version=versions.counts)
            context["summary"] = timeline_summary(filters, version=versions.pages)
            if filters.q and not context["summary"]["count"]:
                pages = {"org": "events:organisation", "person": "events:person"}
                context["did_you_mean"] = [
                    (name, _timeline_url(f"{param}={slug}"), reverse(pages[param], args=[slug]))
                    for param, slug, name in near_names(filters.q)
                ]
                corrected = suggest_search(filters.q, filters.search_terms)
                if corrected:
                    context["did_you_mean_search"] = (corrected, _timeline_url(urlencode({"q": corrected})))
        cached = render_to_string(f"events/timeline.html#{fragment}", context, request)
        if status == 200 and key:
            cache.set(key, cached, RESULTS_TIMEOUT)
    if partial:
        html = cached
        if status != 200:
            # The form loses what was not applied too: it is swapped in beside the results.
            form_context = {**_form_context(filters, form), "oob": True}
            html += render_to_string("events/timeline.html#filters", form_context, request)
        return _fragment_response(html, status, push=fragment == "results" and _timeline_url(query))
    context.update(_form_context(filters, form), results_html=mark_safe(cached))  # noqa: S308 (our template)
    context["output_query"] = output_query(query)
    return render(request, "events/timeline.html", context, status=status)


def _fragment_response(html, status, *, push):
    """An HTMX fragment; `push` is the URL of the filters it shows, which htmx puts in the address bar."""
    response = HttpResponse(html, status=status)
    if push:
        response["HX-Push-Url"] = push
    return response


@require_GET
def about(request):
    """What Dailies covers, how events are chosen and checked, and how to report an error."""
    stats = timeline_summary(Filters(), version=current_versions().pages)
    return render(request, "events/about.html", {"stats": {"events": stats["count"], "latest": stats["latest"]}})


BACK_SECTIONS = {"organisations": "the organisation", "people": "the person", "lawsuits": "the lawsuit",
                 "agreements": "the agreement"}
MAX_BACK_URL = 2000


def _back_link(url):
    """(url, label) when `url` is a timeline or an entity page of this site, as a path (with its query):
    else None. Whatever else it holds (a scheme, a host, `//`, a backslash) makes it no way back."""
    if not url or len(url) > MAX_BACK_URL or "\\" in url or not url.startswith("/") or url.startswith("//"):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    timeline_path = reverse("events:timeline")
    if parts.path == timeline_path:
        label = "the filtered timeline" if parts.query else "the timeline"
    else:
        segments = parts.path.strip("/").split("/")
        if len(segments) != 2 or segments[0] not in BACK_SECTIONS or not segments[1]:
            return None
        label = BACK_SECTIONS[segments[0]]
    return parts.path + (f"?{parts.query}" if parts.query else ""), label


def _back_to_the_timeline(request):
    """Where "back" goes from an event page: the page the reader came from, filters and all. The card they
    clicked says so in `?from=` (see _link_cards_back); else the Referer header, when it is one of our pages
    (our same-origin policy sends it whole); else the whole timeline."""
    found = _back_link(request.GET.get("from", ""))
    if found:
        return found
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host():
        found = _back_link(referer.path + (f"?{referer.query}" if referer.query else ""))
        if found:
            return found
    return reverse("events:timeline"), "the timeline"


@require_GET
def event_detail(request, slug):
    """An event with its sources open (primary first, marked), its related events, and link previews."""
    event = get_object_or_404(Event.objects.published().for_cards(), slug=slug)
    back_url, back_label = _back_to_the_timeline(request)
    context = {
        "event": event,
        "related": related_events(event),
        "back_url": back_url,
        "back_label": back_label,
        # Related events lead back to the same place; the canonical URL stays the bare one.
        "from_query": urlencode({"from": back_url}) if back_url != reverse("events:timeline") else "",
        "page_url": request.build_absolute_uri(event.get_absolute_url()),
    }
    return render(request, "events/event_detail.html", context)


ORGANISATIONS_PER_PAGE = 100
MAX_ORGANISATION_PAGE = 100_000
# The list's counts come from organisation_coverage(max_age=300), which after a change may serve counts up
# to five minutes old: a rendered page is kept no longer, so the counts lag as they did before it was cached.
ORGANISATION_LIST_TIMEOUT = 300
MONTHS_3 = dates.MONTHS_3


@require_GET
def organisation_list(request):
    """Every organisation by name, a hundred a page, with its number of published events.

    The rows are the same for every reader: rendered once per page and kept until a name changes (cards
    version) or the counts do (counts version), for at most ORGANISATION_LIST_TIMEOUT.
    """
    raw = request.GET.get("page", "1")
    # A page past the last is empty, but a number PostgreSQL cannot hold as an offset is a 500: refuse it.
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ORGANISATION_PAGE):
        return HttpResponseBadRequest(
            f"page must be a whole number from 1 to {MAX_ORGANISATION_PAGE}.", content_type="text/plain; charset=utf-8"
        )
    number = int(raw)
    versions = current_versions()
    key = f"events:organisations:{versions.cards}:{versions.counts}:{number}"
    rows_html = cache.get(key)
    if rows_html is None:
        rows_html = render_to_string("events/_organisation_rows.html", _organisation_rows(number), request)
        cache.set(key, rows_html, ORGANISATION_LIST_TIMEOUT)
    return render(request, "events/organisation_list.html", {"rows_html": mark_safe(rows_html)})  # noqa: S308


def _organisation_rows(number):
    """The context of page `number` of the organisations list: three queries, whatever its rows."""
    start = (number - 1) * ORGANISATIONS_PER_PAGE
    rows = list(
        Organisation.objects.select_related("parent").order_by("name")[start : start + ORGANISATIONS_PER_PAGE + 1]
    )
    organisations = rows[:ORGANISATIONS_PER_PAGE]
    counts_with_subsidiaries(organisations, organisation_coverage(max_age=300)["counts"])
    organisation_url = slug_url("events:organisation")
    kinds = dict(Organisation.Kind.choices)
    for organisation in organisations:
        organisation.url = organisation_url(organisation.slug)
        organisation.parent_url = organisation_url(organisation.parent.slug) if organisation.parent else ""
        organisation.kind_label = kinds.get(organisation.kind, organisation.kind)
    return {
        "organisations": organisations,
        "timeline_url": reverse("events:timeline"),
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(rows) > ORGANISATIONS_PER_PAGE else None,
    }


def _organisation_key(slug, versions):
    """The cache key of what an organisation page shows every reader above its follow line: its names,
    parent and subsidiaries, lawsuits (their parties move the pages version: signals.py), the
    organisations it appears with and its chart."""
    return f"events:organisation:{versions.pages}:{versions.cards}:{versions.counts}:{slug}"


def _organisation_filters(organisation):
    return Filters(organisations=[organisation], organisation_ids=with_subsidiaries({organisation.pk}))


def _lawsuit_rows(lawsuits):
    """The organisation's lawsuits as plain values for its page: link, name and one line of details each,
    made here rather than by reverse(), filters and conditions per row in the template (a popular
    organisation is party to a few hundred suits; each template variable of a row costs ~3 us a suit)."""
    lawsuit_url = slug_url("events:lawsuit")
    statuses = dict(Lawsuit.Status.choices)
    rows = []
    for lawsuit, sides in lawsuits:
        details = [", ".join(sides).lower()]
        if lawsuit.filed_on:
            filed = lawsuit.filed_on  # as the date filter's "j M Y"
            details.append(f"filed {filed.day} {MONTHS_3[filed.month].title()} {filed.year:04d}")
        details.append(str(statuses.get(lawsuit.status, lawsuit.status)).lower())
        rows.append({"url": lawsuit_url(lawsuit.slug), "case_name": lawsuit.case_name, "details": " · ".join(details)})
    return rows


def _organisation_about(request, organisation, filters, versions):
    """The HTML of templates/events/_organisation_about.html: no per-reader content."""
    organisation_url = slug_url("events:organisation")
    subsidiaries = list(organisation.subsidiaries.order_by("name"))
    co_occurring = co_occurring_organisations(filters.organisation_ids)
    for other in [*subsidiaries, *co_occurring]:
        other.url = organisation_url(other.slug)
    context = {
        "organisation": organisation,
        "subsidiaries": subsidiaries,
        "co_occurring": co_occurring,
        "lawsuits": _lawsuit_rows(organisation_lawsuits(filters.organisation_ids)),
        "chart": chart_html(filters, subject=organisation.name, version=versions.counts),
    }
    return render_to_string("events/_organisation_about.html", context, request)


@require_GET
def organisation_detail(request, slug):
    """An organisation, its lawsuits, the organisations it appears with, its chart and its timeline.

    Both parts every reader sees alike are cached, keyed by the versions that move when anything they show
    changes: on a visit with both cached, two cache round trips and no query. The page around them (the
    follow line, base.html's per-reader parts) is rendered on every visit.
    """
    versions = current_versions()
    query = QueryDict(mutable=True)
    query["org"] = slug
    about_key, page_key = _organisation_key(slug, versions), _results_key("entity", query, versions)
    found = cache.get_many([about_key, page_key])
    about, page_html = found.get(about_key), found.get(page_key)
    if about is None or page_html is None:
        organisation = Organisation.objects.select_related("parent").filter(slug=slug).first()
        if organisation is None:
            survivor = services.merged_organisation_redirect(slug)  # merged away: its URL lives on, permanently
            if survivor is None:
                raise Http404("No such organisation.")
            return HttpResponsePermanentRedirect(survivor.get_absolute_url())
        filters = _organisation_filters(organisation)
        if about is None:
            about = (organisation.name, _organisation_about(request, organisation, filters, versions))
            cache.set(about_key, about, RESULTS_TIMEOUT)
        if page_html is None:
            page_html = _entity_results(request, filters, query, versions, page_key)
    name, about_html = about
    context = {
        "name": name,
        "about_html": mark_safe(about_html),  # noqa: S308 (our own template)
        "page_html": mark_safe(page_html),  # noqa: S308
        "output_query": output_query(query),
    }
    return render(request, "events/organisation_detail.html", context)


@require_GET
def organisation_suggest(request):
    """The type-ahead of the filter form: organisations and people matching the text, best first, as
    the options of an ARIA listbox (static/js/timeline.js makes the search box its combobox).

    Takes `q` (or `org_search`, the name of the timeline's search input, which htmx sends as is) and
    leaves out the organisations (`org`) and person (`person`) already chosen.
    """
    text = (request.GET.get("q") or request.GET.get("org_search") or "").strip()[:100]
    suggestions = suggest_names(
        text, exclude_organisations=request.GET.getlist("org"), exclude_people=request.GET.getlist("person")
    )
    return render(request, "events/_org_suggestions.html", {"suggestions": suggestions, "text": text})


@require_GET
def person_detail(request, slug):
    person = get_object_or_404(Person, slug=slug)
    context = {"person": person, "affiliations": person.affiliations.select_related("organisation")}
    return _entity_page(
        request, "events/person_detail.html", context, Filters(person=person), person.name, person=person.slug
    )


@require_GET
def lawsuit_list(request):
    lawsuits = list(Lawsuit.objects.all())
    parties = parties_of_lawsuits(lawsuits)
    for lawsuit in lawsuits:
        lawsuit.all_parties = parties[lawsuit.pk]
    return render(request, "events/lawsuit_list.html", {"lawsuits": lawsuits})


def _docket_search_url(lawsuit):
    """A search of CourtListener (which covers the U.S. courts) for the docket number, when the suit has no
    CourtListener docket of its own yet: the reader still gets one click from the page to the filings."""
    if lawsuit.courtlistener_url or not lawsuit.docket_number or not lawsuit.court.startswith("U.S."):
        return ""
    return "https://www.courtlistener.com/?" + urlencode({"type": "r", "q": f'"{lawsuit.docket_number}"'})


@require_GET
def lawsuit_detail(request, slug):
    lawsuit = get_object_or_404(Lawsuit, slug=slug)
    context = {
        "lawsuit": lawsuit,
        "parties": lawsuit_parties(lawsuit),
        "docket_search_url": _docket_search_url(lawsuit),
    }
    return _entity_page(
        request, "events/lawsuit_detail.html", context, Filters(lawsuit=lawsuit), lawsuit.case_name,
        lawsuit=lawsuit.slug,
    )


@require_GET
def agreement_list(request):
    agreements = UnionAgreement.objects.select_related("union").prefetch_related("counterparties")
    return render(request, "events/agreement_list.html", {"agreements": agreements})


@require_GET
def agreement_detail(request, slug):
    agreement = get_object_or_404(
        UnionAgreement.objects.select_related("union", "supersedes").prefetch_related("counterparties", "provisions"),
        slug=slug,
    )
    context = {"agreement": agreement, "superseded_by": UnionAgreement.objects.filter(supersedes=agreement).first()}
    return _entity_page(
        request, "events/agreement_detail.html", context, Filters(agreement=agreement), agreement.name,
        agreement=agreement.slug,
    )
