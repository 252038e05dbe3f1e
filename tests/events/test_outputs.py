"""The timeline's outputs: Atom and RSS, JSON, CSV and iCalendar, all with the timeline's filters."""

import csv
import datetime
import io

import feedparser
import icalendar
import pytest
import time_machine
from django.urls import reverse

from events.models import Event
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 15)


@pytest.fixture
def openai_and_runway_events(openai):
    runway = OrganisationFactory(name="Runway")
    older = EventFactory(title="OpenAI shows Sora", date=datetime.date(2024, 2, 15), organisations=[openai],
                         summary="A text-to-video model.", sources=["https://news.example.com/sora"])
    newer = EventFactory(title="OpenAI meets studios", date=datetime.date(2024, 3, 22),
                         organisations=[openai, runway], sources=["https://news.example.com/meet"])
    EventFactory(title="Runway alone", date=datetime.date(2024, 4, 1), organisations=[runway])
    EventFactory(title="Hidden draft", organisations=[openai], status=Event.Status.DRAFT)
    return older, newer


# --- Atom and RSS ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["events:feed_atom", "events:feed_rss"])
def test_feeds_list_the_filtered_events_with_link_categories_and_our_url_as_id(client, name, openai_and_runway_events):
    older, newer = openai_and_runway_events
    response = client.get(reverse(name), {"org": "openai"})
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == ["OpenAI meets studios", "OpenAI shows Sora"]
    first = feed.entries[0]
    # The entry links to the event on Dailies, which lists its sources, not to one third-party article.
    assert first.link == f"http://testserver{newer.get_absolute_url()}"
    assert first.id == f"http://testserver{newer.get_absolute_url()}"
    assert {t.term for t in first.tags} == {"OpenAI", "Runway"}
    assert feed.entries[1].summary == "A text-to-video model."
    assert feed.entries[1].published_parsed[:3] == (2024, 2, 15)
    assert "OpenAI" in feed.feed.title


def test_atom_and_rss_are_what_they_say(client):
    assert client.get(reverse("events:feed_atom"))["Content-Type"].startswith("application/atom+xml")
    assert client.get(reverse("events:feed_rss"))["Content-Type"].startswith("application/rss+xml")
    assert feedparser.parse(client.get(reverse("events:feed_atom")).content).version == "atom10"
    assert feedparser.parse(client.get(reverse("events:feed_rss")).content).version == "rss20"


def test_every_page_links_to_the_feeds_of_its_current_filters(client, openai):
    query = {"org": "openai", "kind": "deal", "cursor": ""}
    html = client.get(reverse("events:timeline"), query, follow=True).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feed.atom?org=openai&amp;kind=deal"' in html
    assert 'href="/feed.rss?org=openai&amp;kind=deal"' in html
    html = client.get(openai.get_absolute_url()).content.decode()
    assert 'href="/feed.atom?org=openai"' in html
    html = client.get(reverse("events:lawsuits")).content.decode()
    assert 'href="/feed.atom"' in html


def test_timeline_offers_subscribe_and_export_links_for_its_filters(client, openai):
    html = client.get(reverse("events:timeline"), {"org": "openai", "q": "sora"}).content.decode()
    for path in ["/feed.atom", "/feed.rss", "/calendar.ics", "/export.csv", "/api/events"]:
        assert f'href="{path}?org=openai&amp;q=sora"' in html


@pytest.mark.parametrize(
    "path", ["events:feed_atom", "events:feed_rss", "events:api_events", "events:export_csv", "events:calendar_ics"]
)
@pytest.mark.parametrize(
    "query, message",
    [
        ({"org": "nobody-we-know"}, "There is no organisation"),
        ({"date_from": "yesterday"}, "Enter a valid date"),
        ({"page_size": "100000"}, "at most"),
    ],
)
def test_every_output_refuses_bad_filters_with_a_clear_400(client, path, query, message):
    response = client.get(reverse(path), query)
    assert response.status_code == 400
    body = response.json()["error"] if path == "events:api_events" else response.content.decode()
    assert message in body


# --- JSON --------------------------------------------------------------------------------------

def test_api_refuses_a_forged_cursor_with_a_json_error(client):
    response = client.get(reverse("events:api_events"), {"cursor": "forged"})
    assert response.status_code == 400
    assert "damaged" in response.json()["error"]


def test_api_returns_the_documented_schema(client, openai):
    lawsuit = LawsuitFactory(case_name="Artists v. Models")
    event = EventFactory(title="Suit filed", kind="lawsuit_filed", date=datetime.date(2024, 5, 2),
                         organisations=[(openai, "defendant")], lawsuit=lawsuit,
                         sources=["https://court.example.com/1"])
    body = client.get(reverse("events:api_events"), {"org": "openai"}).json()
    assert body["next"] is None
    assert body["events"] == [{
        "id": event.pk,
        "slug": event.slug,
        "date": "2024-05-02",
        "precision": "day",
        "kind": "lawsuit_filed",
        "title": "Suit filed",
        "summary": "Something happened.",
        "organisations": [{"slug": "openai", "name": "OpenAI", "role": "defendant"}],
        "people": [],
        "lawsuit": {"slug": lawsuit.slug, "case_name": "Artists v. Models"},
        "agreement": None,
        "sources": [{"url": "https://court.example.com/1", "title": "Report: Suit filed",
                     "publisher": "Example News", "published_on": None}],
        "url": f"http://testserver{event.get_absolute_url()}",
    }]


def test_api_pages_by_cursor_without_duplicates_or_gaps(client, openai):
    made = [EventFactory(organisations=[openai], date=datetime.date(2024, 1, 1) + datetime.timedelta(days=i // 2))
            for i in range(7)]
    EventFactory(title="Not OpenAI")
    url, seen, pages = reverse("events:api_events") + "?org=openai&page_size=3", [], 0
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["events"]]
        url, pages = body["next"], pages + 1
        if url:
            assert url.startswith("http://testserver/api/events?") and "org=openai" in url
    assert pages == 3
    assert seen == [e.pk for e in sorted(made, key=lambda e: (e.date, e.pk), reverse=True)]


# --- CSV ---------------------------------------------------------------------------------------

def read_csv(response):
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_is_a_streamed_attachment_with_one_row_per_event(client, openai_and_runway_events):
    response = client.get(reverse("events:export_csv"), {"org": "openai"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    assert [r["title"] for r in rows] == ["OpenAI meets studios", "OpenAI shows Sora"]
    assert rows[0]["organisations"] == "OpenAI; Runway"
    assert rows[0]["source_url"] == "https://news.example.com/meet"
    assert rows[1]["date"] == "2024-02-15"


def test_csv_escapes_cells_a_spreadsheet_would_run_as_formulas(client):
    EventFactory(title="=cmd|' /C calc'!A0", summary="+SUM(1,2)\n-2 and \"quotes\", commas", sources=[])
    EventFactory(title="@HYPERLINK(\"http://evil\")", summary="\tTabbed", sources=[])
    EventFactory(title="Plain, with a comma", summary="ok", sources=[])
    rows = read_csv(client.get(reverse("events:export_csv")))
    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == {"'=cmd|' /C calc'!A0", "'@HYPERLINK(\"http://evil\")", "Plain, with a comma"}
    assert by_title["'=cmd|' /C calc'!A0"]["summary"] == "'+SUM(1,2)\n-2 and \"quotes\", commas"
    assert by_title["'@HYPERLINK(\"http://evil\")"]["summary"] == "'\tTabbed"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())


def test_csv_reads_every_event_in_keyset_chunks(client, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr("events.outputs.CSV_CHUNK", 4)
    for _ in range(10):
        EventFactory()
    with django_assert_max_num_queries(3 * 4 + 2):  # three chunks of 4 queries (events + 3 prefetches)
        rows = read_csv(client.get(reverse("events:export_csv")))
    assert len(rows) == 10 and len({r["id"] for r in rows}) == 10


# --- iCalendar ---------------------------------------------------------------------------------

@pytest.fixture
def calendar_data(sag_aftra):
    coming = UnionAgreementFactory(name="TV/Theatrical 2026", union=sag_aftra, effective_on=datetime.date(2023, 11, 9),
                                   expires_on=datetime.date(2026, 6, 30))
    UnionAgreementFactory(name="TV/Theatrical 2020", union=sag_aftra, expires_on=datetime.date(2023, 6, 30))
    UnionAgreementFactory(name="Another union's deal", expires_on=datetime.date(2027, 1, 1))
    past = EventFactory(title="Strike ends", date=datetime.date(2023, 11, 9), organisations=[sag_aftra])
    hearing = EventFactory(title="Vote on the new contract", date=datetime.date(2025, 7, 1), organisations=[sag_aftra])
    return coming, past, hearing


def parse_calendar(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(c["SUMMARY"]): c for c in calendar.walk("VEVENT")}


@time_machine.travel(TODAY)
def test_calendar_holds_coming_expiries_and_scheduled_events_but_past_ones_only_on_request(client, calendar_data):
    coming, past, hearing = calendar_data
    entries = parse_calendar(client.get(reverse("events:calendar_ics"), {"org": "sag-aftra"}))
    assert set(entries) == {"TV/Theatrical 2026 expires", "Vote on the new contract"}
    expiry = entries["TV/Theatrical 2026 expires"]
    assert expiry.decoded("DTSTART") == datetime.date(2026, 6, 30)
    assert str(expiry["UID"]) == f"agreement-{coming.pk}-expires_on@dailies"
    assert str(expiry["URL"]) == f"http://testserver{coming.get_absolute_url()}"

    entries = parse_calendar(client.get(reverse("events:calendar_ics"), {"org": "sag-aftra", "include_past": "1"}))
    assert set(entries) == {"TV/Theatrical 2026 expires", "Vote on the new contract", "Strike ends"}
    assert entries["Strike ends"].decoded("DTSTART") == datetime.date(2023, 11, 9)
    assert str(entries["Strike ends"]["UID"]) == f"event-{past.pk}@dailies"


@time_machine.travel(TODAY)
def test_calendar_uids_are_stable_from_one_download_to_the_next(client, calendar_data):
    first = client.get(reverse("events:calendar_ics"), {"include_past": "1"}).content
    second = client.get(reverse("events:calendar_ics"), {"include_past": "1"}).content
    assert first == second
    assert len(parse_calendar(client.get(reverse("events:calendar_ics")))) == 3  # two expiries and the vote


# --- Query counts ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["events:feed_atom", "events:feed_rss", "events:api_events", "events:calendar_ics"])
@pytest.mark.parametrize("count", [3, 30])
def test_outputs_cost_the_same_number_of_queries_whatever_their_length(client, django_assert_max_num_queries,
                                                                     openai, path, count):
    for _ in range(count):
        EventFactory(organisations=[openai, OrganisationFactory()], date=TODAY + datetime.timedelta(days=3))
    with django_assert_max_num_queries(7):
        response = client.get(reverse(path), {"org": "openai", "page_size": 50})
        assert response.status_code == 200


# --- What each output says it holds, every source and role --------------------------------------

def test_csv_has_every_source_primary_first_and_the_roles(client, openai):
    from events.models import EventPerson, Source
    from tests.factories import PersonFactory

    runway = OrganisationFactory(name="Runway")
    event = EventFactory(title="Suit", organisations=[(openai, "defendant"), (runway, "plaintiff")], sources=[])
    EventPerson.objects.create(event=event, person=PersonFactory(name="Ann Lawyer"), role="counsel")
    Source.objects.create(event=event, url="https://news.example.com/a", title="Coverage", published_on=TODAY)
    Source.objects.create(event=event, url="https://news.example.com/undated", title="Undated")
    Source.objects.create(event=event, url="https://court.example.com/complaint", title="Complaint", is_primary=True,
                          published_on=TODAY + datetime.timedelta(days=1))
    (row,) = read_csv(client.get(reverse("events:export_csv")))
    assert row["source_url"] == "https://court.example.com/complaint"
    assert row["source_urls"].splitlines() == [
        "https://court.example.com/complaint", "https://news.example.com/a", "https://news.example.com/undated",
    ]
    assert row["source_titles"].splitlines() == ["Complaint", "Coverage", "Undated"]
    assert row["primary_source_urls"] == "https://court.example.com/complaint"
    assert row["organisation_roles"].splitlines() == ["OpenAI: Defendant", "Runway: Plaintiff"]
    assert row["people_roles"] == "Ann Lawyer: Counsel"


def test_the_first_source_is_the_earliest_dated_and_undated_ones_come_last(client):
    from events.models import Source

    event = EventFactory(sources=[])
    Source.objects.create(event=event, url="https://a.example.com/undated", title="Undated")
    Source.objects.create(event=event, url="https://a.example.com/dated", title="Dated", published_on=TODAY)
    assert [s.title for s in Event.objects.for_cards().get(pk=event.pk).sources.all()] == ["Dated", "Undated"]
    (row,) = read_csv(client.get(reverse("events:export_csv")))
    assert row["source_url"] == "https://a.example.com/dated"


@time_machine.travel(TODAY)
def test_the_calendar_is_named_for_its_filter_and_says_what_it_holds(client, calendar_data):
    response = client.get(reverse("events:calendar_ics"), {"org": "sag-aftra"})
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Dailies: events of SAG-AFTRA"
    description = str(calendar["X-WR-CALDESC"])
    assert "agreements taking effect or expiring, and dated events" in description
    assert "include_past=1" in description
    assert 'filename="dailies-events-of-sag-aftra.ics"' in response["Content-Disposition"]


def test_the_csv_download_is_named_for_its_filter(client, openai):
    EventFactory(organisations=[openai])
    response = client.get(reverse("events:export_csv"), {"org": "openai", "kind": ["deal", "ruling"]})
    assert 'filename="dailies-events-of-openai-kinds-deal-ruling.csv"' in response["Content-Disposition"]
