"""The timeline, chart and summary of several organisations and a kind (issue 14) read the links' copies of
their event's kind and status (migration 0019): the copies follow the event whatever writes it, and what the
pages show equals a plain scan of the events."""

import dataclasses
import datetime

import pytest
from django.db import connection

from events import aggregates
from events.models import Event, EventOrganisation
from events.queries import Filters, filtered_events, forget_organisation_tree, timeline_page, with_subsidiaries
from tests.conftest import _clear_own_cache_keys
from tests.events.test_aggregates import assert_counts_exact
from tests.factories import EventFactory, OrganisationFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the copies are kept by PostgreSQL triggers"),
]


def copies(event):
    """{organisation id: (date, kind, published)} of the event's links, as stored."""
    return {
        link.organisation_id: (link.event_date, link.event_kind, link.event_published)
        for link in EventOrganisation.objects.filter(event_id=event.pk)
    }


def assert_copies_follow(event):
    event.refresh_from_db()
    expected = (event.date, event.kind, event.status == Event.Status.PUBLISHED)
    found = copies(event)
    assert found and set(found.values()) == {expected}


def test_the_links_copy_kind_and_status_when_written_and_follow_orm_edits():
    studio, model_maker = OrganisationFactory(), OrganisationFactory()
    event = EventFactory(status="draft", kind="deal", organisations=[studio])
    assert_copies_follow(event)
    assert copies(event)[studio.pk][1:] == ("deal", False)
    event.status = Event.Status.PUBLISHED
    event.save()
    assert_copies_follow(event)
    assert copies(event)[studio.pk][2] is True
    EventOrganisation.objects.create(event=event, organisation=model_maker)  # a link added later copies too
    assert_copies_follow(event)
    event.kind = Event.Kind.LAWSUIT_FILED
    event.date = datetime.date(2023, 3, 4)
    event.save()
    assert_copies_follow(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.REJECTED)  # QuerySet.update: no signals
    assert_copies_follow(event)
    assert not any(published for _, _, published in copies(event).values())


def test_the_links_follow_raw_sql_writes_of_events_and_links():
    studio, other = OrganisationFactory(), OrganisationFactory()
    event = EventFactory(status="published", kind="deal", organisations=[studio])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events_event SET kind = 'ruling', status = 'draft' WHERE id = %s", [event.pk])
        assert_copies_follow(event)
        cursor.execute("UPDATE events_event SET status = 'published' WHERE id = %s", [event.pk])
        assert_copies_follow(event)
        # A link written by hand with wrong copies gets its event's.
        cursor.execute(
            "INSERT INTO events_eventorganisation (event_id, organisation_id, role, event_kind, event_published)"
            " VALUES (%s, %s, 'subject', 'strike_start', false)",
            [event.pk, other.pk],
        )
        assert_copies_follow(event)
        cursor.execute("UPDATE events_eventorganisation SET event_kind = 'other' WHERE event_id = %s", [event.pk])
        assert_copies_follow(event)


def test_a_kind_or_status_change_leaves_the_search_document_alone_and_a_moved_link_rewrites_it():
    studio, renamed = OrganisationFactory(name="Quillfeather Studios"), OrganisationFactory(name="Zorvanix Labs")
    event = EventFactory(status="draft", kind="deal", organisations=[studio])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events_event SET search_vector = NULL WHERE id = %s", [event.pk])
        cursor.execute("UPDATE events_event SET kind = 'ruling', status = 'published' WHERE id = %s", [event.pk])
        cursor.execute("SELECT search_vector IS NULL FROM events_event WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0]  # the copies moved, the document was not rewritten
        cursor.execute("UPDATE events_eventorganisation SET organisation_id = %s WHERE event_id = %s",
                       [renamed.pk, event.pk])
        cursor.execute("SELECT search_vector::text FROM events_event WHERE id = %s", [event.pk])
        assert "zorvanix" in cursor.fetchone()[0]


@pytest.fixture
def two_families():
    """Two studios, one with a subsidiary, an AI company, and events of several kinds and statuses linked
    to one, two or all three of them (and to a parent and its subsidiary at once)."""
    studio = OrganisationFactory(name="Big Studio")
    animation = OrganisationFactory(name="Big Studio Animation", parent=studio)
    rival = OrganisationFactory(name="Rival Pictures")
    lab = OrganisationFactory(name="Model Lab", kind="ai_company")
    person = PersonFactory()
    combos = [[studio], [animation], [rival], [lab], [studio, rival], [animation, rival], [studio, animation],
              [animation, rival, lab], [studio, lab], [rival, lab]]
    kinds = ["deal", "lawsuit_filed", "deal", "ruling"]
    start = datetime.date(2023, 1, 1)
    for n in range(120):
        EventFactory(
            organisations=combos[n % len(combos)],
            kind=kinds[n % len(kinds)],
            status="published" if n % 9 else ("draft" if n % 2 else "rejected"),
            date=start + datetime.timedelta(days=(n * 5) % 400),  # several events on some days
            people=[person] if n % 4 == 0 else [],
        )
    forget_organisation_tree()
    return studio, animation, rival, lab, person


def filters_of(organisations, *, exact=False, **kwargs):
    ids = frozenset(o.pk for o in organisations)
    return Filters(organisations=list(organisations), include_subsidiaries=not exact,
                   organisation_ids=ids if exact else with_subsidiaries(ids), **kwargs)


def every_page(filters, page_size):
    events, cursor = [], ""
    while True:
        page = timeline_page(filters, cursor=cursor, page_size=page_size, prefetch=False)
        events += [e.pk for e in page.events]
        if not page.next_cursor:
            return events
        cursor = page.next_cursor


def variants(studio, animation, rival, lab, person):
    dates = {"date_from": datetime.date(2023, 2, 10), "date_to": datetime.date(2023, 11, 20)}
    for organisations in ([studio, rival], [animation, rival, lab], [studio, lab], [studio, animation]):
        for exact in (False, True):
            for extra in ({"kinds": ("deal",)}, {"kinds": ("deal", "ruling")}, {"kinds": ("lawsuit_filed",), **dates},
                          {"kinds": ("deal",), "date_from": datetime.date(2023, 3, 1)}, {},
                          {"kinds": ("deal",), "person": person}):
                yield filters_of(organisations, exact=exact, **extra)


def test_the_pages_of_several_organisations_and_a_kind_are_those_a_plain_scan_finds(two_families):
    for filters in variants(*two_families):
        plain = list(filtered_events(filters).values_list("pk", flat=True))
        assert plain, filters
        for page_size in (3, 7, 100):
            assert every_page(filters, page_size) == plain, (filters, page_size)


def test_the_chart_and_summary_of_several_organisations_count_each_event_once(two_families):
    studio, animation, rival, lab, person = two_families
    exact_paths = 0
    for filters in variants(*two_families):
        direct = aggregates.count_by_month(filtered_events(filters))
        assert aggregates.monthly_counts(filters).counts == direct, filters
        summary = aggregates.summary(filters)
        assert (summary["count"], summary["cut"]) == (filtered_events(filters).count(), False), filters
        exact_paths += aggregates.organisation_parts(filters) is not None
    assert exact_paths >= 30  # most of them read kept rows and the overlap, not the bounded count
    # An event linked to all three parts counts once: (3 - 1) is taken off its month.
    three = filters_of([animation, rival, lab], exact=True)
    assert aggregates.organisation_parts(three) == ("x", sorted(three.organisation_ids))
    # After a recount, the summary's latest change is the newest updated_at of the matching events.
    assert_counts_exact()
    _clear_own_cache_keys()  # the counts cached before the recount
    for filters in (filters_of([studio, rival], kinds=("deal",)), filters_of([rival, lab], exact=True)):
        latest = max(filtered_events(filters).values_list("updated_at", flat=True))
        assert aggregates.summary(filters)["latest"] == latest


def test_the_counts_follow_publishing_and_kind_changes(two_families):
    studio, animation, rival, lab, person = two_families
    filters = filters_of([studio, rival], kinds=("deal",))
    before = aggregates.summary(filters)["count"]
    EventFactory(organisations=[animation, rival], kind="deal", date=datetime.date(2023, 6, 6))
    assert aggregates.summary(filters)["count"] == before + 1
    event = Event.objects.filter(kind="deal", status="published", organisation_links__organisation=rival).first()
    event.kind = Event.Kind.RULING
    event.save()
    assert aggregates.summary(filters)["count"] == before
    assert aggregates.monthly_counts(filters).counts == aggregates.count_by_month(filtered_events(filters))


def test_a_big_overlap_is_counted_from_the_newest_matches_through_the_links(two_families, monkeypatch):
    studio, animation, rival, lab, person = two_families
    monkeypatch.setattr(aggregates, "MAX_OVERLAP_READ", 3)
    monkeypatch.setattr(aggregates, "MAX_COUNTED", 10)
    filters = filters_of([studio, rival], kinds=("deal",))
    found = aggregates.monthly_counts(filters)
    newest = filtered_events(filters)[:10]
    assert found.cut and found.counts == aggregates.count_by_month(Event.objects.filter(pk__in=newest))
    wide = dataclasses.replace(filters, kinds=("deal",), date_from=datetime.date(2023, 12, 1))
    assert aggregates.monthly_counts(wide).counts == aggregates.count_by_month(filtered_events(wide))
