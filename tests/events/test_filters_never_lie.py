"""Filters that never lie: the form, the URL and the results always say the same thing.

A bad value is left out on its own and the page says so; the others still apply, with or without
JavaScript; URLs carry no empty parameters; several kinds at once; person and other single filters are
removable chips; the page says how many events match and when they last changed.
"""

import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import EventFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db
TIMELINE = reverse("events:timeline")


def titles(response):
    return [e.title for _, events, _ in response.context["groups"] for e in events]


def test_a_bad_date_is_left_out_alone_and_a_valid_organisation_still_applies(client, openai):
    EventFactory(title="OpenAI thing", organisations=[openai])
    EventFactory(title="Other thing")
    response = client.get(TIMELINE, {"org": "openai", "date_from": "yesterday"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "From: Enter a valid date." in html and "left out" in html
    assert titles(response) == ["OpenAI thing"]
    assert '<option value="openai" selected>' in html  # the form shows what is applied
    assert 'data-slug="openai"' in html
    assert 'name="date_from" id="id_date_from" value=""' in html


def test_an_unknown_kind_drops_only_itself_among_several(client):
    EventFactory(title="Ruling", kind="ruling")
    EventFactory(title="Deal", kind="deal")
    response = client.get(TIMELINE, {"kind": ["ruling", "nonsense"]})
    assert response.status_code == 400
    assert "is not a kind of event" in response.content.decode()
    assert titles(response) == ["Ruling"]


def test_several_kinds_at_once(client):
    day = datetime.date(2024, 3, 1)
    EventFactory(title="Filed", kind="lawsuit_filed", date=day)
    EventFactory(title="Ruled", kind="ruling", date=day - datetime.timedelta(days=1))
    EventFactory(title="Settled", kind="settlement", date=day - datetime.timedelta(days=2))
    EventFactory(title="A deal", kind="deal", date=day - datetime.timedelta(days=3))
    response = client.get(TIMELINE, {"kind": ["lawsuit_filed", "ruling", "settlement"]})
    assert titles(response) == ["Filed", "Ruled", "Settled"]
    html = response.content.decode()
    for kind in ("lawsuit_filed", "ruling", "settlement"):
        assert f'<input type="checkbox" name="kind" value="{kind}" checked>' in html
    assert '<input type="checkbox" name="kind" value="deal">' in html
    # The same filter in the feeds: a comma-separated list is read the same way.
    assert titles(client.get(TIMELINE, {"kind": "ruling,settlement"})) == ["Ruled", "Settled"]
    assert "/feed.atom?kind=lawsuit_filed&amp;kind=ruling&amp;kind=settlement" in html


def test_to_before_from_with_htmx_swaps_the_error_the_form_and_pushes_the_url_applied(client, htmx_headers):
    EventFactory(title="Late", date=datetime.date(2024, 6, 1))
    EventFactory(title="Early", date=datetime.date(2023, 6, 1))
    response = client.get(TIMELINE, {"date_from": "2024-01-01", "date_to": "2023-01-01", "q": ""}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The end date is before the start date." in html
    assert titles(response) == ["Late"]  # From still applies
    # The form comes along, out of band, without the To that was left out.
    assert re.search(r'<form id="filters"[^>]*hx-swap-oob="true"', html)
    assert 'name="date_to" id="id_date_to" value=""' in html
    assert 'name="date_from" id="id_date_from" value="2024-01-01"' in html
    assert response["HX-Push-Url"] == TIMELINE + "?date_from=2024-01-01"


def test_htmx_results_push_a_url_without_empty_parameters(client, htmx_headers, openai):
    EventFactory(organisations=[openai])
    query = {"q": "", "org": "openai", "kind": "", "date_from": "", "date_to": ""}
    response = client.get(TIMELINE, query, **htmx_headers)
    assert response.status_code == 200 and response["HX-Push-Url"] == TIMELINE + "?org=openai"
    cached = client.get(TIMELINE, query, **htmx_headers)  # the cached fragment pushes the same
    assert cached["HX-Push-Url"] == TIMELINE + "?org=openai"
    more = client.get(TIMELINE, {"org": "openai", "cursor": ""}, **htmx_headers)
    assert more["HX-Push-Url"] == TIMELINE + "?org=openai"


def test_the_plain_form_s_empty_parameters_are_redirected_away(client):
    response = client.get(TIMELINE, {"q": "", "kind": "", "date_from": "2024-01-01", "date_to": ""})
    assert response.status_code == 302 and response["Location"] == TIMELINE + "?date_from=2024-01-01"
    response = client.get(TIMELINE, {"q": ""})
    assert response.status_code == 302 and response["Location"] == TIMELINE


def test_the_person_filter_is_a_chip_that_a_link_removes_without_javascript(client, openai):
    person = PersonFactory(name="Duncan Crabtree-Ireland")
    EventFactory(title="His", people=[person], organisations=[openai])
    html = client.get(TIMELINE, {"person": person.slug, "org": "openai"}).content.decode()
    assert f'<input type="hidden" name="person" value="{person.slug}">' in html
    label = "Remove the person filter (Duncan Crabtree-Ireland)"
    assert f'<a class="remove" href="{TIMELINE}?org=openai" aria-label="{label}">' in html


def test_the_results_say_how_many_events_match_and_when_they_last_changed(client, openai):
    for _ in range(3):
        EventFactory(organisations=[openai])
    EventFactory()
    html = client.get(TIMELINE, {"org": "openai"}).content.decode()
    assert "<strong>3 events</strong> match these filters" in html
    assert "latest change <time" in html
    assert "<strong>4 events</strong>" in client.get(TIMELINE).content.decode()


def test_only_a_short_status_is_a_live_region_not_the_cards(client):
    EventFactory()
    html = client.get(TIMELINE).content.decode()
    assert '<div id="results">' in html
    assert html.count("aria-live") == 1 and 'id="announce"' in html


def test_about_page_says_what_is_covered_how_it_is_checked_and_how_to_correct(client):
    EventFactory()
    html = client.get(reverse("events:about")).content.decode()
    for heading in ("What it covers", "How events are chosen and checked", "Corrections"):
        assert heading in html
    assert "1 published event" in html


@pytest.mark.parametrize("url", ["/no-such-page/", "/events/no-such-event/", "/organisations/nobody/"])
def test_a_404_keeps_the_site_s_header_navigation_and_search(client, url, settings):
    settings.DEBUG = False
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site"' in html and 'role="search"' in html and "This page is not on Dailies" in html


def test_the_500_page_renders_without_a_request(settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and 'role="search"' in html


def test_organisations_and_kinds_stay_chosen_when_one_organisation_is_unknown(client, openai):
    OrganisationFactory(name="Runway")
    EventFactory(title="Deal", kind="deal", organisations=[openai])
    response = client.get(TIMELINE, {"org": ["openai", "no-such-org"], "kind": "deal"})
    assert response.status_code == 400
    assert "There is no organisation “no-such-org”." in response.content.decode()
    assert titles(response) == ["Deal"]
