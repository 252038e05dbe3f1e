"""Charts of events per month, stacked by kind, on the timeline and every entity page; co-occurrence."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.charts import build_chart, events_chart, monthly_counts
from events.models import Event
from events.queries import Filters
from tests.factories import (
    EventFactory,
    LawsuitFactory,
    OrganisationFactory,
    PersonFactory,
    UnionAgreementFactory,
)

pytestmark = pytest.mark.django_db


def chart_html(response):
    html = response.content.decode()
    match = re.search(r'<figure class="chart">.*?</figure>', html, re.S)
    assert match, "no chart on the page"
    return match.group(0)


def assert_accessible_chart(html):
    assert re.search(
        r'<svg class="chart-svg" viewBox="0 0 \d+ \d+" role="img" aria-labelledby="chart-title chart-desc"', html
    )
    assert '<title id="chart-title">Events per month' in html
    assert '<desc id="chart-desc">' in html
    assert "<table" in html and "<caption>" in html
    assert "style=" not in html  # colours come from classes, so the CSP can forbid inline styles


def test_counts_per_month_and_kind_take_one_query(openai):
    EventFactory(date=datetime.date(2024, 1, 3), kind="deal")
    EventFactory(date=datetime.date(2024, 1, 28), kind="deal")
    EventFactory(date=datetime.date(2024, 1, 9), kind="lawsuit_filed")
    EventFactory(date=datetime.date(2024, 3, 1), kind="deal")
    EventFactory(date=datetime.date(2024, 3, 1), kind="deal", status=Event.Status.DRAFT)
    with CaptureQueriesContext(connection) as queries:
        counts = monthly_counts(Event.objects.published())
    assert len(queries) == 1
    assert counts == {
        (datetime.date(2024, 1, 1), "deal"): 2,
        (datetime.date(2024, 1, 1), "lawsuit_filed"): 1,
        (datetime.date(2024, 3, 1), "deal"): 1,
    }


def test_bars_stack_by_kind_and_empty_months_keep_their_place():
    chart = build_chart(
        {
            (datetime.date(2024, 1, 1), "deal"): 2,
            (datetime.date(2024, 1, 1), "lawsuit_filed"): 1,
            (datetime.date(2024, 3, 1), "deal"): 4,
        }
    )
    assert [b.label for b in chart["bars"]] == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert [b.total for b in chart["bars"]] == [3, 0, 4]
    january = chart["bars"][0]
    assert [s.kind for s in january.segments] == ["deal", "lawsuit_filed"]
    deal, suit = january.segments
    assert suit.y + suit.height == pytest.approx(deal.y)  # stacked: the second sits on the first
    assert deal.y + deal.height == pytest.approx(chart["baseline"])
    assert chart["bars"][2].segments[0].height > deal.height
    assert [row["label"] for row in chart["table"]] == ["Jan 2024", "Mar 2024"]
    assert chart["table"][0]["counts"] == [2, 1]
    assert "7 events from Jan 2024 to Mar 2024" in chart["description"]
    assert "busiest month was Mar 2024 with 4" in chart["description"]


def test_a_span_of_many_years_is_counted_per_year():
    chart = build_chart({(datetime.date(2005, 5, 1), "deal"): 1, (datetime.date(2024, 5, 1), "ruling"): 2})
    assert chart["unit"] == "year"
    assert len(chart["bars"]) == 20 and chart["bars"][0].label == "2005"


def test_no_events_no_chart():
    assert events_chart(Filters()) is None


def test_a_single_bar_is_not_drawn(client, openai):
    EventFactory(organisations=[openai], date=datetime.date(2024, 2, 1))
    EventFactory(organisations=[openai], date=datetime.date(2024, 2, 20))
    assert "<figure" not in client.get(openai.get_absolute_url()).content.decode()


def test_timeline_chart_follows_the_filters_and_has_a_text_alternative(client, openai):
    EventFactory(organisations=[openai], kind="deal", date=datetime.date(2024, 2, 1))
    EventFactory(organisations=[openai], kind="ruling", date=datetime.date(2024, 4, 1))
    EventFactory(kind="statement", date=datetime.date(2020, 1, 1))
    html = chart_html(client.get(reverse("events:timeline"), {"org": "openai"}))
    assert_accessible_chart(html)
    assert "2 events from Feb 2024 to Apr 2024" in html
    assert 'class="k-deal hatched"' in html and 'class="k-ruling"' in html and "k-statement" not in html


def test_htmx_swap_redraws_the_chart_but_load_more_does_not(client, htmx_headers):
    for month in (1, 2, 3):  # three bars: a single one is not drawn
        EventFactory(date=datetime.date(2024, month, 1))
    assert '<figure class="chart">' in client.get(reverse("events:timeline"), **htmx_headers).content.decode()
    first = client.get(reverse("events:timeline"), {"page_size": 1})
    more = client.get(first.context["next_url"], **htmx_headers)
    assert more.status_code == 200 and "<figure" not in more.content.decode()


def test_entity_pages_show_their_chart(client, openai):
    person = PersonFactory(name="Ada Lovelace")
    lawsuit = LawsuitFactory()
    agreement = UnionAgreementFactory()
    for month in (1, 3):  # two bars: a single one is not drawn
        EventFactory(organisations=[openai], people=[person], lawsuit=lawsuit, agreement=agreement, kind="ruling",
                     date=datetime.date(2024, month, 1))
    for entity in (openai, person, lawsuit, agreement):
        html = chart_html(client.get(entity.get_absolute_url()))
        assert_accessible_chart(html)
        assert "2 events from" in html
    assert "Events per month: Ada Lovelace" in chart_html(client.get(person.get_absolute_url()))


def test_chart_costs_one_query(client, openai):
    EventFactory(organisations=[openai])
    with CaptureQueriesContext(connection) as queries:
        client.get(openai.get_absolute_url())
    # Counted from the events (SQLite) or read from the count table PostgreSQL keeps (events/aggregates.py).
    chart_queries = [q["sql"] for q in queries if "date_trunc" in q["sql"].lower() or "monthly_count" in q["sql"]]
    assert len(chart_queries) == 1


def test_organisation_page_lists_the_organisations_it_appears_with_most(client, openai):
    microsoft, runway, studio = (OrganisationFactory(name=n) for n in ("Microsoft", "Runway", "A Studio"))
    EventFactory(organisations=[openai, microsoft])
    EventFactory(organisations=[openai, microsoft, runway])
    EventFactory(organisations=[openai, studio])
    EventFactory(organisations=[runway, studio])  # without OpenAI: does not count
    EventFactory(organisations=[openai, runway], status=Event.Status.DRAFT)  # unpublished: does not count
    for _ in range(9):
        EventFactory(organisations=[openai, OrganisationFactory()])
    response = client.get(openai.get_absolute_url())
    co = response.context["co_occurring"]
    assert len(co) == 8
    assert [(o.name, o.shared) for o in co[:2]] == [("Microsoft", 2), ("A Studio", 1)]  # ties by name
    assert "OpenAI" not in [o.name for o in co]
    html = response.content.decode()
    assert "Often appears with" in html
    assert f'<a class="chip org" href="{microsoft.get_absolute_url()}">Microsoft <small>2 events</small></a>' in html


def test_co_occurrence_counts_subsidiaries_as_the_parent(client):
    disney = OrganisationFactory(name="The Walt Disney Company")
    marvel = OrganisationFactory(name="Marvel Studios", parent=disney)
    partner = OrganisationFactory(name="Stability AI")
    EventFactory(organisations=[marvel, partner])
    co = client.get(disney.get_absolute_url()).context["co_occurring"]
    assert [o.name for o in co] == ["Stability AI"]
