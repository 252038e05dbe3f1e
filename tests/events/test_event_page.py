"""The event page a journalist cites: a heading, its sources open with the primary source first and marked,
related events, when it was updated, link previews, and the way back to the filtered timeline."""

import datetime
import re

import pytest
from django.urls import reverse

from events.models import Source
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def suit(openai):
    lawsuit = LawsuitFactory(case_name="Authors v. OpenAI")
    filed = EventFactory(title="Authors sue OpenAI", kind="lawsuit_filed", lawsuit=lawsuit, sources=[],
                         organisations=[(openai, "defendant")], date=datetime.date(2024, 1, 5),
                         summary="A class action over training data.")
    Source.objects.create(event=filed, url="https://news.example.com/story", title="Coverage of the suit",
                          publisher="Example News", published_on=datetime.date(2024, 1, 6))
    Source.objects.create(event=filed, url="https://court.example.com/complaint.pdf", title="The complaint",
                          publisher="Court", published_on=datetime.date(2024, 1, 5), is_primary=True)
    ruling = EventFactory(title="Judge trims the claims", kind="ruling", lawsuit=lawsuit, organisations=[openai],
                          date=datetime.date(2024, 6, 1))
    other = EventFactory(title="OpenAI signs a studio deal", organisations=[openai], date=datetime.date(2024, 2, 1))
    EventFactory(title="Unrelated", organisations=[OrganisationFactory()])
    return filed, ruling, other


def test_the_event_page_has_its_own_heading_and_its_sources_open_primary_first_and_marked(client, suit):
    filed, _, _ = suit
    html = client.get(filed.get_absolute_url()).content.decode()
    assert "<h1>Authors sue OpenAI</h1>" in html
    sources = html[html.index('id="sources-heading"'):]
    assert "<details" not in sources.split("</section>")[0]  # open, not behind a toggle
    assert sources.index("The complaint") < sources.index("Coverage of the suit")
    mark = '<strong class="primary-mark">Primary source</strong> <a href="https://court.example.com/complaint.pdf"'
    assert mark in html


def test_the_event_page_lists_related_events_says_when_it_was_updated_and_has_open_graph(client, suit):
    filed, ruling, other = suit
    html = client.get(filed.get_absolute_url()).content.decode()
    related = html[html.index('id="related-heading"'):]
    assert "In Authors v. OpenAI" in related and "Judge trims the claims" in related
    assert "With the same organisations" in related and "OpenAI signs a studio deal" in related
    assert "Unrelated" not in related
    assert re.search(r"<dt>Updated</dt><dd><time datetime=\"[^\"]+\">\d+ \w+ \d{4}</time>", html)
    assert '<meta property="og:title" content="Authors sue OpenAI">' in html
    assert f'<meta property="og:url" content="http://testserver{filed.get_absolute_url()}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert "A class action over training data." in re.search(r'og:description" content="([^"]*)"', html).group(1)


def test_back_returns_to_the_filtered_timeline_the_reader_came_from(client, suit):
    filed, _, _ = suit
    came_from = "http://testserver/?org=openai&kind=lawsuit_filed"
    html = client.get(filed.get_absolute_url(), HTTP_REFERER=came_from).content.decode()
    assert '<a href="/?org=openai&amp;kind=lawsuit_filed">← Back to the filtered timeline</a>' in html
    html = client.get(filed.get_absolute_url(), HTTP_REFERER="https://elsewhere.example.com/?org=x").content.decode()
    assert '<a href="/">← Back to the timeline</a>' in html


def test_the_card_marks_the_primary_source_too(client, suit):
    html = client.get(reverse("events:timeline")).content.decode()
    assert '<strong class="primary-mark">Primary source</strong>' in html


def test_the_event_page_costs_a_fixed_number_of_queries(client, suit, django_assert_max_num_queries):
    filed, _, _ = suit
    with django_assert_max_num_queries(12):
        assert client.get(filed.get_absolute_url()).status_code == 200


def test_cards_carry_the_timeline_filters_to_the_event_page_whose_back_link_keeps_them_without_referer(
    client, suit
):
    filed, ruling, _ = suit
    html = client.get(reverse("events:timeline"), {"org": "openai", "kind": "lawsuit_filed"}).content.decode()
    link = re.search(rf'<h3><a href="({re.escape(filed.get_absolute_url())}[^"]*)">', html).group(1)
    assert link == f"{filed.get_absolute_url()}?from=%2F%3Forg%3Dopenai%26kind%3Dlawsuit_filed"
    page = client.get(link.replace("&amp;", "&"))  # no Referer: the link itself says where the reader was
    html = page.content.decode()
    assert '<a href="/?org=openai&amp;kind=lawsuit_filed">← Back to the filtered timeline</a>' in html
    # The address to cite stays the event's own.
    assert f'<link rel="canonical" href="http://testserver{filed.get_absolute_url()}">' in html
    assert f'<meta property="og:url" content="http://testserver{filed.get_absolute_url()}">' in html
    # Related events lead back to the same filters.
    assert f'<a href="{ruling.get_absolute_url()}?from=%2F%3Forg%3Dopenai%26kind%3Dlawsuit_filed">' in html


def test_the_unfiltered_timeline_adds_nothing_to_the_card_links(client, suit):
    filed, _, _ = suit
    html = client.get(reverse("events:timeline")).content.decode()
    assert f'<h3><a href="{filed.get_absolute_url()}">' in html


def test_an_entity_page_cards_lead_back_to_that_page(client, suit, openai):
    filed, _, _ = suit
    html = client.get(openai.get_absolute_url()).content.decode()
    assert f'<h3><a href="{filed.get_absolute_url()}?from=%2Forganisations%2Fopenai%2F">' in html
    html = client.get(filed.get_absolute_url(), {"from": openai.get_absolute_url()}).content.decode()
    assert '<a href="/organisations/openai/">← Back to the organisation</a>' in html


@pytest.mark.parametrize("bad", [
    "https://elsewhere.example.com/?org=x", "//elsewhere.example.com/", "/\\elsewhere.example.com/",
    "javascript:alert(1)", "/admin/", "/organisations/", "/organisations/openai/extra/", "?org=openai", "/" * 3000,
])
def test_a_from_that_is_not_one_of_our_pages_leads_back_to_the_whole_timeline(client, suit, bad):
    filed, _, _ = suit
    page = client.get(filed.get_absolute_url(), {"from": bad})
    assert page.status_code == 200
    assert '<a href="/">← Back to the timeline</a>' in page.content.decode()
