"""Atom (`/feed.atom`) and RSS 2.0 (`/feed.rss`) feeds of any filtered timeline, with Django's syndication.

They take the timeline's query parameters (`?org=openai&kind=lawsuit_filed`) through the same form and
filter code as the page, and list its first page. An entry links to the event's page on Dailies, which
lists its sources (primary first), and is identified by that URL, which never changes when sources are added.
"""

import dataclasses
import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.views.decorators.http import require_GET

from .models import EventOrganisation
from .outputs import describe, output_query, read_filters  # noqa: F401 (describe: re-exported)
from .queries import FilterError, Filters, timeline_page
from .text import xml_safe


@dataclasses.dataclass
class FeedScope:
    """What one feed request asked for: the filters, the page size and the request (for absolute URLs)."""

    filters: Filters
    page_size: int
    query: str
    request: object


class EventRssFeed(Feed):
    feed_type = Rss201rev2Feed
    description = "A sourced timeline of where AI meets the film and TV industry."

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except FilterError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")

    def get_object(self, request, *args, **kwargs):
        filters, cleaned = read_filters(request.GET)
        return FeedScope(filters, cleaned["page_size"], output_query(request.GET), request)

    def title(self, scope):
        scope_text = describe(scope.filters)
        return xml_safe(f"Dailies: {scope_text}") if scope_text else "Dailies: AI in film and TV"

    def link(self, scope):
        return reverse("events:timeline") + (f"?{scope.query}" if scope.query else "")

    def feed_url(self, scope):
        return scope.request.get_full_path()

    def items(self, scope):
        # An entry shows its organisations as categories: one flat query for the page's, not Django's
        # prefetching of links, people and sources (a queryset and models per event and relation).
        events = timeline_page(scope.filters, page_size=scope.page_size, prefetch=False).events
        names = {event.pk: [] for event in events}
        links = EventOrganisation.objects.filter(event_id__in=list(names)).order_by("id")
        for event_id, name in links.values_list("event_id", "organisation__name"):
            names[event_id].append(name)
        for event in events:
            event.organisation_names = names[event.pk]
        return events

    # Text goes through xml_safe: one control character stored before text was cleaned on the way in
    # would make the whole document ill-formed (and Django's XML writer raise).
    def item_title(self, event):
        return xml_safe(event.title)

    def item_description(self, event):
        # RSS <description> and Atom <summary type="html"> are read as HTML by feed readers; our summaries
        # are plain text, so they are escaped once here (the framework then escapes the XML).
        return escape(xml_safe(event.summary))

    def item_link(self, event):
        # Our event page, which lists every source with the primary one first: a reader can check it.
        return event.get_absolute_url()

    def item_guid(self, event):
        return self._scope_request.build_absolute_uri(event.get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, event):
        return datetime.datetime.combine(event.date, datetime.time(), tzinfo=datetime.UTC)

    def item_updateddate(self, event):
        return event.updated_at

    def item_categories(self, event):
        return [xml_safe(name) for name in event.organisation_names]

    def get_feed(self, scope, request):
        # item_guid needs the request for an absolute URL, and Feed passes only the item to item_* methods;
        # safe because the views below make a new Feed for every request.
        self._scope_request = request
        return super().get_feed(scope, request)


class EventAtomFeed(EventRssFeed):
    feed_type = Atom1Feed
    subtitle = EventRssFeed.description


@require_GET
def atom_feed(request):
    return EventAtomFeed()(request)


@require_GET
def rss_feed(request):
    return EventRssFeed()(request)
