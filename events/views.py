"""The public site: the timeline, its HTMX partials, and a page per organisation, person, lawsuit, agreement.

Views are thin: they validate the query with TimelineFilterForm and ask queries.py for a page.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .cards import attach_cards, popular_organisation_options
from .charts import chart_html
from .feeds import describe
from .forms import TimelineFilterForm
from .models import Event, Lawsuit, LawsuitParty, Organisation, Person, UnionAgreement
from .outputs import output_query
from .queries import (
    FilterError,
    Filters,
    canonical_query,
    co_occurring_organisations,
    group_by_month,
    organisation_coverage,
    resolve_filters,
    suggest_organisations,
    timeline_page,
    with_subsidiaries,
)
from .versions import current_versions

RESULTS_TIMEOUT = 6 * 3600


def _is_partial(request):
    """HTMX swaps only the results, except when it restores history and needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_context(filters, *, versions, cursor="", page_size=None, query=None):
    """The context of a timeline page: its events grouped by month and the link to the next page."""
    size = page_size or settings.DAILIES_PAGE_SIZE
    page = timeline_page(filters, cursor=cursor, page_size=size, prefetch=False)
    attach_cards(page.events, versions.cards)  # cached card HTML; relations are fetched only for cards not cached yet
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
        page_context = _page_context(filters, query=query, versions=versions)
        html = render_to_string("events/timeline.html#page", page_context, request)
        cache.set(key, html, RESULTS_TIMEOUT)
    context.update(
        filters=filters,
        chart=chart_html(filters, subject=subject, version=versions.counts),
        page_html=mark_safe(html),  # noqa: S308 (our own template)
        output_query=output_query(query),
    )
    return render(request, template, context)


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


@require_GET
@vary_on_headers("HX-Request")
def timeline(request):
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
        return HttpResponse(cached)
    context = {"form": form, "errors": []}
    status = 200
    filters = None
    if valid:
        try:
            filters = resolve_filters(form.cleaned_data)
        except FilterError as error:
            context["errors"].append(str(error))
    else:
        for field, messages in form.errors.items():
            label = form.fields[field].label or field if field in form.fields else ""
            context["errors"].extend(f"{label}: {m}" if label else m for m in messages)
    if filters is not None and cached is None:
        try:
            context.update(
                _page_context(
                    filters,
                    cursor=form.cleaned_data["cursor"],
                    page_size=form.cleaned_data["page_size"],
                    query=query,
                    versions=versions,
                )
            )
        except FilterError as error:
            context["errors"].append(str(error))
            filters = None
    if filters is not None and cached is None and fragment == "results":
        context["chart"] = chart_html(filters, subject=describe(filters), version=versions.counts)
    if filters is None:
        status = 400
        filters = Filters()
    context["filters"] = filters
    if cached is None:
        if status != 200:
            fragment = "results"  # errors show where the results go, even for a "load more" request
        cached = render_to_string(f"events/timeline.html#{fragment}", context, request)
        if status == 200 and key:
            cache.set(key, cached, RESULTS_TIMEOUT)
    if partial:
        return HttpResponse(cached, status=status)
    context.update(filter_choices(filters), results_html=mark_safe(cached))  # noqa: S308 (our template)
    context.setdefault("output_query", output_query(query) if status == 200 else "")
    return render(request, "events/timeline.html", context, status=status)


@require_GET
def event_detail(request, slug):
    event = get_object_or_404(Event.objects.published().for_cards(), slug=slug)
    return render(request, "events/event_detail.html", {"event": event})


ORGANISATIONS_PER_PAGE = 100


@require_GET
def organisation_list(request):
    """Every organisation by name, a hundred a page, with its number of published events (cached)."""
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        number = 1
    start = (number - 1) * ORGANISATIONS_PER_PAGE
    rows = list(
        Organisation.objects.select_related("parent").order_by("name")[start : start + ORGANISATIONS_PER_PAGE + 1]
    )
    counts = organisation_coverage(max_age=300)["counts"]
    for organisation in rows:
        organisation.event_count = counts.get(organisation.pk, 0)
    context = {
        "organisations": rows[:ORGANISATIONS_PER_PAGE],
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if len(rows) > ORGANISATIONS_PER_PAGE else None,
    }
    return render(request, "events/organisation_list.html", context)


@require_GET
def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    subsidiaries = list(organisation.subsidiaries.order_by("name"))
    filters = Filters(organisations=[organisation], organisation_ids=with_subsidiaries({organisation.pk}))
    context = {
        "organisation": organisation,
        "subsidiaries": subsidiaries,
        "co_occurring": co_occurring_organisations(filters.organisation_ids),
    }
    return _entity_page(
        request, "events/organisation_detail.html", context, filters, organisation.name, org=organisation.slug
    )


@require_GET
def organisation_suggest(request):
    """The type-ahead of the organisation filter: a few matching names as an HTML fragment for HTMX.

    Takes `q` (or `org_search`, the name of the timeline's search input, which htmx sends as is) and
    leaves out the organisations already chosen (`org`).
    """
    text = (request.GET.get("q") or request.GET.get("org_search") or "").strip()[:100]
    suggestions = suggest_organisations(text, exclude=request.GET.getlist("org"))
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
    lawsuits = Lawsuit.objects.prefetch_related(
        Prefetch("parties", queryset=LawsuitParty.objects.select_related("organisation", "person"))
    )
    return render(request, "events/lawsuit_list.html", {"lawsuits": lawsuits})


@require_GET
def lawsuit_detail(request, slug):
    lawsuit = get_object_or_404(Lawsuit, slug=slug)
    context = {"lawsuit": lawsuit, "parties": lawsuit.parties.select_related("organisation", "person")}
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
