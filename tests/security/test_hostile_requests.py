"""Faults found by attacking the running site, each reproduced as it was found and now a clear answer.

A year-9999 event, an XML-illegal control character in a title, an out-of-range page number, a NUL byte
in a query, HEAD requests, a CSV cell made to become a formula.
"""

import csv
import datetime
import io

import feedparser
import icalendar
import pytest
from django.urls import reverse

from events.models import Event
from tests.factories import EventFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_future_event(openai):
    """A published event dated 9999-12-31, as a feed's pubDate could once supply it; written past the
    model's checks (.update), as rows stored before the bound was set are."""
    event = EventFactory(title="Dated at the end of time", organisations=[openai], sources=["https://n.example/x"])
    Event.objects.filter(pk=event.pk).update(date=datetime.date(9999, 12, 31))
    EventFactory(title="An ordinary day", organisations=[openai], date=datetime.date(2024, 5, 1))
    return event


@pytest.mark.parametrize(
    "url",
    ["/", "/?org=openai", "/?kind=announcement", "/organisations/openai/", "/calendar.ics",
     "/calendar.ics?include_past=1", "/feed.atom", "/feed.rss", "/api/events", "/export.csv", "/organisations/"],
)
def test_a_year_9999_event_stored_earlier_breaks_no_page(client, far_future_event, url):
    response = client.get(url)
    assert response.status_code == 200, url


def test_dates_outside_the_window_in_the_filters_are_a_clear_400(client, far_future_event):
    for params in ({"date_from": "9999-12-31"}, {"date_to": "0001-01-01"}):
        response = client.get("/api/events", params)
        assert response.status_code == 400
        assert b"between" in response.content
    assert client.get("/", {"date_from": "9999-12-31"}).status_code in (200, 400)


def test_the_admin_form_refuses_an_event_dated_outside_the_window(rf, curator):
    from django.contrib import admin

    from events.dates import validate_event_date

    request = rf.get("/admin/events/event/add/")
    request.user = curator
    form_class = admin.site._registry[Event].get_form(request)
    data = {"date": "9999-12-31", "date_precision": "day", "kind": "announcement", "title": "Far away",
            "summary": "", "status": "draft"}
    form = form_class(data={k: v for k, v in data.items() if k in form_class.base_fields})
    assert not form.is_valid()
    assert "between 1900-01-01 and 2100-12-31" in str(form.errors["date"])
    form = form_class(data={**{k: v for k, v in data.items() if k in form_class.base_fields}, "date": "2024-05-01"})
    assert "date" not in form.errors
    with pytest.raises(Exception, match="between"):
        validate_event_date(datetime.date(9999, 12, 31))


def test_ical_never_fails_on_an_agreement_dated_in_year_9999(client):
    UnionAgreementFactory(name="Forever deal", expires_on=datetime.date(9999, 12, 31))
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    icalendar.Calendar.from_ical(response.content)


@pytest.mark.parametrize("name", ["events:feed_atom", "events:feed_rss"])
def test_a_vertical_tab_pasted_from_word_does_not_break_the_feeds(client, openai, name):
    event = EventFactory(title="Clean title", summary="Clean", organisations=[openai], sources=["https://n.example/v"])
    # Stored before text was cleaned on the way in (an .update bypasses save()).
    Event.objects.filter(pk=event.pk).update(title="Studio\x0bdeal\x08 signed", summary="Line\x0cbreak\x1b")
    response = client.get(reverse(name))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].title == "Studio deal signed"


def test_text_is_cleaned_of_xml_illegal_characters_when_stored(openai):
    event = EventFactory(title="Studio\x0bdeal", summary="A\x0cB\tC\nD", organisations=[openai])
    event.refresh_from_db()
    assert event.title == "Studio deal"
    assert event.summary == "A B\tC\nD"


@pytest.mark.parametrize(
    "url",
    ["/organisations/?page=92233720368547760", "/organisations/?page=-5", "/organisations/?page=1e3",
     "/organisations/?page=%00", "/?page_size=92233720368547760", "/api/events?page_size=99999999999999999999"],
)
def test_out_of_range_numbers_are_a_400(client, url):
    assert client.get(url).status_code == 400, url


@pytest.mark.parametrize(
    "url",
    ["/organisations/suggest?q=Open%00AI", "/organisations/suggest?org_search=%00",
     "/organisations/suggest?org=a%00b", "/?q=%00", "/api/events?org=open%00ai", "/feed.atom?q=a%00"],
)
def test_a_nul_byte_in_a_query_is_a_400(client, url):
    assert client.get(url).status_code == 400, url


@pytest.mark.parametrize(
    "url",
    ["/", "/organisations/", "/organisations/openai/", "/lawsuits/", "/agreements/", "/feed.atom", "/feed.rss",
     "/api/events", "/export.csv", "/calendar.ics", "/organisations/suggest?q=Op"],
)
def test_head_is_answered_wherever_get_is_with_the_same_headers_and_no_body(client, openai, url):
    EventFactory(organisations=[openai], sources=["https://n.example/h"])
    get = client.get(url)
    head = client.head(url)
    assert get.status_code == head.status_code == 200, url
    assert (b"".join(head.streaming_content) if head.streaming else head.content) == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_head_on_an_event_page_and_a_missing_page(client, openai):
    event = EventFactory(organisations=[openai], sources=["https://n.example/h"])
    assert client.head(event.get_absolute_url()).status_code == 200
    assert client.head("/organisations/nobody-at-all/").status_code == 404
    assert client.post("/").status_code == 405


def test_a_csv_cell_that_a_spreadsheet_would_split_into_a_formula_is_escaped(client, openai):
    EventFactory(title="harmless;=cmd|' /C calc'!A0", summary="=1+1", organisations=[openai],
                 sources=["https://n.example/c"])
    Event.objects.update(title="harmless;=cmd|' /C calc'!A0")
    body = b"".join(client.get("/export.csv").streaming_content).decode()
    assert "=cmd" not in body.replace("'=cmd", "")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=False))
    assert row["title"] == "harmless;'=cmd|' /C calc'!A0"
    assert row["summary"] == "'=1+1"
    for semicolon_locale in csv.reader(io.StringIO(body), delimiter=";"):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in semicolon_locale)
