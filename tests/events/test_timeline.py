"""The public timeline: filters, HTMX partials, keyset paging, bad input, drafts hidden."""

import datetime

import pytest
from django.urls import reverse

from events.models import Event
from events.queries import encode_cursor
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db
TIMELINE = reverse("events:timeline")


def titles(response):
    return [e.title for _, events, _ in response.context["groups"] for e in events]


def test_timeline_shows_published_events_newest_first_grouped_by_month(client):
    EventFactory(title="Older", date=datetime.date(2024, 1, 5))
    EventFactory(title="Newer", date=datetime.date(2024, 3, 9))
    EventFactory(title="Newest", date=datetime.date(2024, 3, 20))
    response = client.get(TIMELINE)
    assert response.status_code == 200
    assert titles(response) == ["Newest", "Newer", "Older"]
    months = [month for month, _, _ in response.context["groups"]]
    assert months == [datetime.date(2024, 3, 1), datetime.date(2024, 1, 1)]
    assert b"March 2024" in response.content and b"January 2024" in response.content


def test_dates_are_shown_at_their_precision(client):
    EventFactory(title="Day", date=datetime.date(2024, 2, 14), date_precision="day")
    EventFactory(title="Month", date=datetime.date(2023, 7, 1), date_precision="month")
    EventFactory(title="Year", date=datetime.date(2022, 1, 1), date_precision="year")
    html = client.get(TIMELINE).content.decode()
    assert "14 Feb 2024" in html
    assert ">Jul 2023<" in html
    assert ">2022<" in html


def test_card_shows_kind_chips_and_sources_but_no_article_text(client, openai):
    person = PersonFactory(name="Sam Altman")
    EventFactory(title="Sora launches", kind="product_launch", organisations=[openai], people=[person],
                 sources=["https://example.com/sora"])
    html = client.get(TIMELINE).content.decode()
    assert "Product launch" in html
    assert f'href="{TIMELINE}?org=openai"' in html
    assert f'href="{TIMELINE}?person=sam-altman"' in html
    assert 'href="https://example.com/sora"' in html and "Example News" in html


def test_drafts_and_rejected_events_are_never_shown(client):
    EventFactory(title="Public")
    draft = EventFactory(title="Secret draft", status=Event.Status.DRAFT)
    rejected = EventFactory(title="Rejected one", status=Event.Status.REJECTED)
    response = client.get(TIMELINE)
    assert titles(response) == ["Public"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(rejected.get_absolute_url()).status_code == 404


def test_published_event_has_its_own_page(client):
    event = EventFactory(title="A ruling")
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    assert b"A ruling" in response.content


def test_filtering_by_one_organisation(client, openai):
    other = OrganisationFactory(name="Runway")
    EventFactory(title="OpenAI thing", organisations=[openai])
    EventFactory(title="Runway thing", organisations=[other])
    assert titles(client.get(TIMELINE, {"org": "openai"})) == ["OpenAI thing"]


def test_filtering_by_two_organisations_shows_events_of_either(client, openai, sag_aftra):
    EventFactory(title="OpenAI thing", organisations=[openai], date=datetime.date(2024, 1, 1))
    EventFactory(title="Union thing", organisations=[sag_aftra], date=datetime.date(2024, 1, 2))
    EventFactory(title="Unrelated", organisations=[OrganisationFactory()])
    response = client.get(TIMELINE + "?org=openai&org=sag-aftra")
    assert titles(response) == ["Union thing", "OpenAI thing"]


def test_event_with_both_organisations_is_listed_once(client, openai, sag_aftra):
    EventFactory(title="Both", organisations=[openai, sag_aftra])
    assert titles(client.get(TIMELINE + "?org=openai&org=sag-aftra")) == ["Both"]


def test_filtering_by_a_parent_includes_its_subsidiaries_and_says_so(client):
    comcast = OrganisationFactory(name="Comcast")
    nbcu = OrganisationFactory(name="NBCUniversal", parent=comcast)
    universal = OrganisationFactory(name="Universal Pictures", parent=nbcu)
    EventFactory(title="Universal sues", organisations=[universal])
    EventFactory(title="Comcast itself", organisations=[comcast])
    response = client.get(TIMELINE, {"org": "comcast"})
    assert sorted(titles(response)) == ["Comcast itself", "Universal sues"]
    assert "and their subsidiaries" in response.content.decode()
    exact = client.get(TIMELINE, {"org": "comcast", "exact": "1"})
    assert titles(exact) == ["Comcast itself"]
    assert "not their subsidiaries" in exact.content.decode()


def test_filtering_by_person_kind_lawsuit_and_agreement(client):
    person = PersonFactory(name="Paul Trillo")
    lawsuit = LawsuitFactory(case_name="Disney v. Midjourney")
    agreement = UnionAgreementFactory(name="2023 WGA MBA")
    EventFactory(title="With person", people=[person])
    EventFactory(title="Ruling", kind="ruling", lawsuit=lawsuit)
    EventFactory(title="Ratified", kind="ratification", agreement=agreement)
    assert titles(client.get(TIMELINE, {"person": "paul-trillo"})) == ["With person"]
    assert titles(client.get(TIMELINE, {"kind": "ruling"})) == ["Ruling"]
    assert titles(client.get(TIMELINE, {"lawsuit": lawsuit.slug})) == ["Ruling"]
    assert titles(client.get(TIMELINE, {"agreement": agreement.slug})) == ["Ratified"]


def test_filtering_by_dates_is_inclusive(client):
    for day in (1, 10, 20):
        EventFactory(title=f"Day {day}", date=datetime.date(2024, 5, day))
    response = client.get(TIMELINE, {"date_from": "2024-05-10", "date_to": "2024-05-20"})
    assert titles(response) == ["Day 20", "Day 10"]


def test_text_search_matches_title_summary_and_source_title(client):
    EventFactory(title="Sora reaches Hollywood", summary="")
    EventFactory(title="Other", summary="Talks about sora pricing")
    EventFactory(title="Unrelated", summary="Nothing")
    event = EventFactory(title="Third", summary="", sources=[])
    event.sources.create(url="https://example.com/x", title="Why Sora matters")
    assert sorted(titles(client.get(TIMELINE, {"q": "sora"}))) == ["Other", "Sora reaches Hollywood", "Third"]


def test_filters_combine(client, openai):
    EventFactory(title="Match", organisations=[openai], kind="deal", date=datetime.date(2024, 4, 1))
    EventFactory(title="Wrong kind", organisations=[openai], kind="ruling", date=datetime.date(2024, 4, 1))
    EventFactory(title="Too early", organisations=[openai], kind="deal", date=datetime.date(2023, 4, 1))
    response = client.get(TIMELINE, {"org": "openai", "kind": "deal", "date_from": "2024-01-01"})
    assert titles(response) == ["Match"]


def test_plain_request_gets_full_page_and_htmx_request_only_the_results(client, htmx_headers):
    EventFactory(title="Visible")
    full = client.get(TIMELINE)
    assert b"<html" in full.content and b'id="results"' in full.content and b"<form" in full.content
    partial = client.get(TIMELINE, **htmx_headers)
    assert b"<html" not in partial.content and b"<form" not in partial.content
    assert b'id="results"' in partial.content and b"Visible" in partial.content
    assert "HX-Request" in partial["Vary"]


def test_htmx_history_restore_gets_the_full_page(client, htmx_headers):
    response = client.get(TIMELINE, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **htmx_headers)
    assert b"<html" in response.content


def test_filter_form_reflects_the_url_so_a_copied_link_shows_the_same_view(client, openai):
    EventFactory(title="OpenAI thing", organisations=[openai], kind="deal")
    html = client.get(TIMELINE + "?org=openai&kind=deal&q=thing&date_from=2020-01-01").content.decode()
    assert '<option value="openai" selected>' in html
    assert '<input type="checkbox" name="kind" value="deal" checked>' in html
    assert 'value="thing"' in html and 'value="2020-01-01"' in html
    assert 'hx-push-url="true"' in html


def test_keyset_paging_covers_every_event_once(client, htmx_headers):
    created = [EventFactory(date=datetime.date(2024, 1, 1) + datetime.timedelta(days=i // 3)) for i in range(23)]
    seen, url, pages = [], TIMELINE + "?page_size=5", 0
    while url:
        response = client.get(url, **(htmx_headers if pages else {}))
        assert response.status_code == 200
        seen += [e.pk for _, events, _ in response.context["groups"] for e in events]
        url, pages = response.context["next_url"], pages + 1
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    expected = sorted(created, key=lambda e: (e.date, e.pk), reverse=True)
    assert seen == [e.pk for e in expected]


def test_next_page_is_a_fragment_that_keeps_the_filters(client, openai, htmx_headers):
    for _ in range(4):
        EventFactory(organisations=[openai])
    EventFactory(title="Not OpenAI")
    first = client.get(TIMELINE, {"org": "openai", "page_size": 2})
    assert "org=openai" in first.context["next_url"]
    second = client.get(first.context["next_url"], **htmx_headers)
    assert b'id="results"' not in second.content and b"<article" in second.content
    assert b"Not OpenAI" not in second.content


def test_a_month_split_across_pages_gets_one_heading(client, htmx_headers):
    for day in range(1, 5):
        EventFactory(date=datetime.date(2024, 6, day))
    first = client.get(TIMELINE, {"page_size": 2})
    second = client.get(first.context["next_url"], **htmx_headers)
    assert first.content.count(b"June 2024") >= 1
    assert b"June 2024</h2>" not in second.content


@pytest.mark.parametrize(
    "query, message",
    [
        ({"org": "no-such-org"}, "There is no organisation"),
        ({"person": "nobody-at-all"}, "There is no person"),
        ({"date_from": "yesterday"}, "Enter a valid date"),
        ({"date_from": "2024-05-01", "date_to": "2024-01-01"}, "before the start"),
        ({"page_size": "100000"}, "at most"),
        ({"page_size": "-3"}, "greater than or equal"),
        ({"cursor": "2024-01-01.5:forged"}, "damaged"),
        ({"kind": "<script>"}, "Select a valid choice"),
        ({"org": "../../etc/passwd"}, "not a valid organisation"),
    ],
)
def test_bad_filter_values_give_a_clear_message_not_a_500(client, query, message):
    EventFactory()
    response = client.get(TIMELINE, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"<script>" not in response.content


def test_a_cursor_from_an_event_still_works_after_new_events_arrive(client):
    events = [EventFactory(date=datetime.date(2024, 1, d)) for d in range(1, 6)]
    cursor = encode_cursor(events[3])
    EventFactory(date=datetime.date(2025, 1, 1), title="Brand new")
    response = client.get(TIMELINE, {"cursor": cursor})
    assert [e.pk for _, es, _ in response.context["groups"] for e in es] == [events[2].pk, events[1].pk, events[0].pk]


@pytest.mark.parametrize("page_size", [10, 50])
def test_queries_per_page_do_not_grow_with_the_page(client, django_assert_max_num_queries, page_size, openai):
    person = PersonFactory()
    lawsuit = LawsuitFactory()
    for _ in range(page_size + 1):
        EventFactory(organisations=[openai, OrganisationFactory()], people=[person], lawsuit=lawsuit)
    with django_assert_max_num_queries(9):
        response = client.get(TIMELINE, {"page_size": page_size, "org": "openai"})
    assert len(response.context["page"].events) == page_size


def test_timeline_refuses_writes(client):
    assert client.post(TIMELINE).status_code == 405
