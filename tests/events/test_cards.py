"""Timeline cards are built by string formatting, and read exactly as the card template renders them."""

import datetime

import pytest
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse

from events.cards import attach_cards, compiled_card
from events.models import Event, EventOrganisation, card_prefetches
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db


def test_a_compiled_card_is_the_card_template_to_the_character():
    studio = OrganisationFactory(name="Studio <Big> & \"Co\"")
    lab = OrganisationFactory(name="Lab's Models", kind="ai_company")
    EventFactory(title="Plain", summary="", sources=[])
    rich = EventFactory(
        title="A <b>deal</b> & more", summary="Quotes \"here\" and 'there'", kind="lawsuit_filed",
        date=datetime.date(2024, 2, 1), date_precision="month", organisations=[studio, (lab, "defendant")],
        people=[PersonFactory(name="Ana O'Neil")], lawsuit=LawsuitFactory(case_name="A v. <B>"),
        agreement=UnionAgreementFactory(name="TV & Film 2026"),
        sources=["https://example.com/a?x=1&y=<2>", "javascript:alert(1)"],
    )
    rich.sources.filter(url__startswith="javascript").update(title="", publisher="", published_on=None)
    rich.sources.filter(url__startswith="https").update(
        published_on=datetime.date(2024, 2, 3), publisher="P & Q", is_primary=True
    )
    EventOrganisation.objects.filter(event=rich, organisation=lab).update(role="defendant")
    events = list(Event.objects.published().select_related("lawsuit", "agreement"))
    prefetch_related_objects(events, *card_prefetches())
    timeline = reverse("events:timeline")
    for event in events:
        assert compiled_card(event, timeline) == render_to_string("events/_event_card.html", {"event": event})
    # The timeline's own path: cards not cached are built from three flat queries, not prefetched models.
    fresh = attach_cards(list(Event.objects.published().select_related("lawsuit", "agreement")))
    assert len(fresh) == len(events) == 2
    for event, card in zip(events, fresh, strict=True):
        assert card.card_html == render_to_string("events/_event_card.html", {"event": event})


def test_cards_not_cached_cost_three_queries_whatever_their_number(django_assert_num_queries):
    studio = OrganisationFactory()
    for n in range(12):
        EventFactory(organisations=[studio], people=[PersonFactory()] if n % 2 else [],
                     sources=[f"https://example.com/{n}", f"https://example.org/{n}"])
    events = list(Event.objects.published().select_related("lawsuit", "agreement"))
    with django_assert_num_queries(3):  # organisations, people and sources of every card at once
        attach_cards(events)
    assert all(e.card_html.count('class="chip org"') == 1 and "2 sources" in e.card_html for e in events)
