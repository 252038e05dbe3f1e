"""The generated data set (bench and performance guard) is like curated data: a bulk load that switches the
links' and sources' triggers off still leaves every event's search document and every link's copies of its
event's date, kind and status as the triggers would have written them, and the triggers on for what follows."""

import pytest
from django.db import connection

from events.models import Event
from events.synthetic import BULK_LOAD_TRIGGERS, generate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the search document is PostgreSQL's"),
]


def document(event):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM events_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0] or ""


def test_every_generated_event_has_its_names_and_source_titles_in_its_search_document():
    generate(events=300, seed=5, organisations=40, people=60, lawsuits=5, agreements=5, log=lambda _: None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_event WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0
        # Every document is what the triggers would have written, names and accepted sources included.
        cursor.execute(
            "SELECT count(*) FROM events_event"
            " WHERE search_vector IS DISTINCT FROM events_search_document(id, title, summary)"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            "SELECT count(*) FROM events_eventorganisation l JOIN events_event e ON e.id = l.event_id"
            " WHERE l.event_date IS DISTINCT FROM e.date OR l.event_kind IS DISTINCT FROM e.kind"
            " OR l.event_published IS DISTINCT FROM (e.status = 'published')"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(DISTINCT event_kind), count(*) FILTER (WHERE NOT event_published)"
                       " FROM events_eventorganisation")
        kinds, unpublished = cursor.fetchone()
        assert kinds > 1 and unpublished > 0  # the copies vary as the events do: a real check
    event = Event.objects.filter(organisation_links__isnull=False).first()
    name_word = event.organisation_links.first().organisation.name.split()[0].lower()[:4]
    assert name_word in document(event)


def test_the_search_triggers_are_on_again_after_a_bulk_load():
    generate(events=50, seed=6, organisations=10, people=10, lawsuits=2, agreements=2, log=lambda _: None)
    with connection.cursor() as cursor:
        for table, trigger in BULK_LOAD_TRIGGERS:
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass", [trigger, table]
            )
            assert cursor.fetchone() == ("O",), trigger
    event = Event.objects.filter(status="published").first()
    event.sources.create(url="https://example.org/zanzibarian", title="Zanzibarian dubbing deal", review="accepted")
    assert "zanzibarian" in document(event)
