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


def _cached_pages():
    """The keys of the results fragments this test process has cached."""
    from django.conf import settings
    from django.core.cache import cache

    redis = cache._cache.get_client(write=False)
    return sorted(redis.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*events:results:*", count=1000))


def test_unknown_parameters_make_no_new_cache_entries(client, htmx_headers, openai):
    EventFactory(title="Studio deal", organisations=[openai])
    client.get(TIMELINE, {"org": "openai"}, **htmx_headers)
    first = _cached_pages()
    for junk in ({"utm_source": "x"}, {"fbclid": "1", "utm_x": "2"}, {"page_size": "25"}, {"exact": ""}):
        response = client.get(TIMELINE, {"org": "openai", **junk}, **htmx_headers)
        assert response.status_code == 200
    assert _cached_pages() == first and len(first) == 1


def test_the_same_filters_spelled_differently_share_one_cache_entry(client, htmx_headers, openai, sag_aftra):
    EventFactory(title="Studio deal", organisations=[openai, sag_aftra], kind="deal")
    client.get(TIMELINE + "?org=openai&org=sag-aftra&kind=deal", **htmx_headers)
    client.get(TIMELINE + "?kind=deal&org=OpenAI,sag-aftra", **htmx_headers)
    client.get(TIMELINE + "?org=openai&org=sag-aftra&org=openai&kind=deal&q=", **htmx_headers)
    assert len(_cached_pages()) == 1


def test_links_on_a_cached_page_carry_only_the_filters(client, openai):
    EventFactory.create_batch(3, organisations=[openai])
    response = client.get(TIMELINE, {"org": "openai", "utm_campaign": "spring", "page_size": "2"})
    body = response.content.decode()
    assert "utm_campaign" not in body
    assert "page_size=2" in body  # the "load more" link keeps the page size asked for


def test_invalid_filters_are_answered_but_not_cached(client, htmx_headers):
    assert client.get(TIMELINE, {"kind": "no-such-kind"}, **htmx_headers).status_code == 400
    assert client.get(TIMELINE, {"org": "nobody-at-all"}, **htmx_headers).status_code == 400
    assert _cached_pages() == []


def test_the_cache_stores_no_value_over_its_size_bound():
    from django.core.cache import cache

    cache.set("events:test:small", "x" * 1000, 60)
    cache.set("events:test:huge", "x" * (cache.max_entry_bytes + 1), 60)
    cache.set_many({"events:test:huge-too": "y" * (cache.max_entry_bytes + 1), "events:test:ok": "y"}, 60)
    assert cache.get("events:test:small") == "x" * 1000
    assert cache.get("events:test:huge") is None
    assert cache.get_many(["events:test:huge-too", "events:test:ok"]) == {"events:test:ok": "y"}
