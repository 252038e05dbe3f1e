"""What is cached over many events goes stale exactly when what it shows changes."""

import pytest
from django.urls import reverse

from events.queries import Filters, aggregate_cache_key
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db
TIMELINE = reverse("events:timeline")


def test_a_new_source_on_a_published_event_refreshes_pages_and_search_but_keeps_the_counts(client, openai):
    event = EventFactory(title="Studio deal", organisations=[openai])
    client.get(TIMELINE)
    counts_key = aggregate_cache_key("events:chart", Filters())
    search_key = aggregate_cache_key("events:chart", Filters(q="zebra"))

    event.sources.create(url="https://example.com/zebra", title="Zebra report")

    assert aggregate_cache_key("events:chart", Filters()) == counts_key
    assert aggregate_cache_key("events:chart", Filters(q="zebra")) != search_key
    assert b"Zebra report" in client.get(TIMELINE).content
    assert b"Studio deal" in client.get(TIMELINE, {"q": "zebra"}).content


def test_a_new_organisation_link_on_a_published_event_refreshes_the_counts(openai):
    event = EventFactory(title="Studio deal")
    counts_key = aggregate_cache_key("events:chart", Filters())
    event.organisation_links.create(organisation=openai)
    assert aggregate_cache_key("events:chart", Filters()) != counts_key


def test_drafts_change_no_public_cache(openai):
    draft = EventFactory(title="Draft", status="draft")
    counts_key = aggregate_cache_key("events:chart", Filters())
    search_key = aggregate_cache_key("events:chart", Filters(q="x"))
    draft.sources.create(url="https://example.com/d", title="Draft source")
    draft.organisation_links.create(organisation=openai)
    assert aggregate_cache_key("events:chart", Filters()) == counts_key
    assert aggregate_cache_key("events:chart", Filters(q="x")) == search_key
