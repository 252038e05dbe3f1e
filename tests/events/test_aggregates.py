"""Counts kept by PostgreSQL (events/aggregates.py, migration 0011) stay exact through every change.

Each test changes events the way curators, the review queue and ingest do, then checks the kept counts
against a recount from scratch (events_rebuild_counts) and the charts read from them against a count
over the events themselves.
"""

import dataclasses
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext

from events import aggregates
from events.charts import events_chart
from events.models import Event, EventOrganisation, EventPerson, Organisation, Source
from events.queries import (
    Filters,
    _co_occurring_organisations,
    filtered_events,
    forget_organisation_tree,
    resolve_filters,
    with_subsidiaries,
)
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the count tables are PostgreSQL's"),
]


def kept_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, scope_id, month, kind, n FROM events_monthly_count WHERE n <> 0 ORDER BY 1, 2, 3, 4"
        )
        monthly = cursor.fetchall()
        cursor.execute("SELECT organisation_id, other_id, n FROM events_cooccurrence_count WHERE n <> 0 ORDER BY 1, 2")
        pairs = cursor.fetchall()
        cursor.execute("SELECT day, kind, n FROM events_daily_count WHERE n <> 0 ORDER BY 1, 2")
        daily = cursor.fetchall()
        cursor.execute(
            "SELECT organisation_id, lawsuit_id, role, n FROM events_lawsuit_party_count WHERE n <> 0 ORDER BY 1, 2, 3"
        )
        parties = cursor.fetchall()
    # The daily and lawsuit-party rows go with the monthly rows, so each test's unpacking stays as it was.
    return monthly + [("day", day, kind, n) for day, kind, n in daily] + [
        ("party", *row) for row in parties
    ], pairs


def assert_counts_exact():
    """The counts the triggers kept equal a recount from scratch, and every chart equals a direct count."""
    kept = kept_counts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT events_rebuild_counts()")
    assert kept == kept_counts()
    forget_organisation_tree()
    for organisation in Organisation.objects.all():
        for filters in (
            Filters(organisations=[organisation], organisation_ids=with_subsidiaries({organisation.pk})),
            Filters(organisations=[organisation], include_subsidiaries=False, organisation_ids={organisation.pk}),
        ):
            assert aggregates.scope_of(filters) is not None
            assert aggregates.monthly_counts(filters).counts == aggregates.count_by_month(filtered_events(filters))
        subtree = with_subsidiaries({organisation.pk})
        distinct = filtered_events(Filters(organisation_ids=subtree)).count()
        assert aggregates.subtree_totals([organisation.pk]).get(organisation.pk, 0) == distinct
        assert [(o.pk, o.shared) for o in aggregates.co_occurring(subtree, 8)] == [
            (o.pk, o.shared) for o in _co_occurring_organisations(subtree, 8)
        ]
        assert aggregates.lawsuit_roles(subtree) == lawsuit_roles_from_links(subtree)
    assert aggregates.monthly_counts(Filters()).counts == aggregates.count_by_month(filtered_events(Filters()))
    # After the recount, the summary's latest change is exactly the newest updated_at of the counted events.
    for filters in (Filters(), Filters(kind="deal"), Filters(date_from=datetime.date(2024, 1, 10))):
        direct = filtered_events(filters).order_by().aggregate(count=Count("id"), latest=Max("updated_at"))
        assert aggregates.summary(filters) == {**direct, "cut": False}
    links = dict(
        EventOrganisation.objects.filter(event__status="published").values("organisation_id")
        .annotate(n=Count("id")).values_list("organisation_id", "n")
    )
    assert {pk: n for pk, _, _, n in aggregates.organisation_totals()} == links
    return kept


def lawsuit_roles_from_links(organisation_ids):
    """What events_lawsuit_party_count keeps, read from the links and events themselves."""
    roles = {}
    for lawsuit_id, role in EventOrganisation.objects.filter(
        organisation_id__in=organisation_ids, role__in=["plaintiff", "defendant"], event__lawsuit__isnull=False,
        event__status=Event.Status.PUBLISHED,
    ).values_list("event__lawsuit_id", "role"):
        roles.setdefault(lawsuit_id, set()).add(role)
    return roles


@pytest.fixture
def studio_family():
    """A studio with a subsidiary that has a subsidiary of its own, and an AI company."""
    parent = OrganisationFactory(name="Big Studio")
    child = OrganisationFactory(name="Big Studio Animation", parent=parent)
    grandchild = OrganisationFactory(name="Big Studio Animation Europe", parent=child)
    other = OrganisationFactory(name="Model Maker", kind="ai_company")
    return parent, child, grandchild, other


def test_publishing_unpublishing_and_deleting_move_every_count(studio_family):
    parent, child, grandchild, other = studio_family
    person = PersonFactory()
    draft = EventFactory(status="draft", organisations=[grandchild, other], people=[person], kind="deal")
    assert kept_counts() == ([], [])  # drafts count nowhere
    draft.status = Event.Status.PUBLISHED
    draft.save()
    monthly, pairs = assert_counts_exact()
    scopes = {(scope, scope_id) for scope, scope_id, *_ in monthly if scope not in ("day", "party")}
    assert {("a", 0), ("o", parent.pk), ("o", child.pk), ("o", grandchild.pk), ("x", grandchild.pk),
            ("o", other.pk), ("x", other.pk), ("t", grandchild.pk), ("t", other.pk), ("p", person.pk)} == scopes
    assert (parent.pk, other.pk, 1) in pairs
    draft.status = Event.Status.REJECTED
    draft.save()
    assert kept_counts() == ([], [])
    draft.status = Event.Status.PUBLISHED
    draft.save()
    draft.delete()
    assert kept_counts() == ([], [])


def test_an_event_linked_to_a_parent_and_its_subsidiary_counts_once_for_the_parent(studio_family):
    parent, child, grandchild, other = studio_family
    EventFactory(organisations=[parent, child, grandchild])
    assert_counts_exact()
    chart = events_chart(Filters(organisations=[parent], organisation_ids=with_subsidiaries({parent.pk})))
    assert chart["table"][0]["total"] == 1


def test_edits_of_kind_date_lawsuit_and_agreement_move_the_counts(studio_family):
    parent, child, grandchild, other = studio_family
    event = EventFactory(organisations=[child], kind="deal", date=datetime.date(2024, 1, 31))
    event.kind = "ruling"
    event.date = datetime.date(2024, 2, 1)
    event.lawsuit = LawsuitFactory()
    event.agreement = UnionAgreementFactory()
    event.save()
    monthly, _ = assert_counts_exact()
    assert ("l", event.lawsuit.pk, datetime.date(2024, 2, 1), "ruling", 1) in monthly
    Event.objects.filter(pk=event.pk).update(lawsuit=None, kind="deal")  # QuerySet.update sends no signal
    assert_counts_exact()


def test_links_added_and_removed_on_published_events_move_the_counts(studio_family):
    parent, child, grandchild, other = studio_family
    person = PersonFactory()
    event = EventFactory(organisations=[child])
    EventOrganisation.objects.create(event=event, organisation=grandchild)
    EventOrganisation.objects.create(event=event, organisation=other)
    EventPerson.objects.create(event=event, person=person)
    assert_counts_exact()
    EventOrganisation.objects.filter(event=event, organisation=child).delete()
    EventPerson.objects.filter(event=event).delete()
    assert_counts_exact()
    EventOrganisation.objects.filter(event=event, organisation=other).update(organisation=parent)
    assert_counts_exact()
    draft = EventFactory(status="draft")
    EventOrganisation.objects.create(event=draft, organisation=parent)
    assert_counts_exact()


def test_moving_an_organisation_in_the_hierarchy_recounts_its_old_and_new_parents(studio_family):
    parent, child, grandchild, other = studio_family
    EventFactory(organisations=[grandchild])
    EventFactory(organisations=[grandchild, other])
    EventFactory(organisations=[child], kind="ruling")
    grandchild.parent = other
    grandchild.save()
    monthly, pairs = assert_counts_exact()
    assert (parent.pk, other.pk, 1) not in pairs and (other.pk, grandchild.pk, 2) in pairs
    grandchild.parent = None
    grandchild.save()
    assert_counts_exact()
    child.delete()
    assert_counts_exact()


def test_charts_for_one_scope_read_the_count_tables_with_kind_and_date_range(studio_family):
    parent, child, grandchild, other = studio_family
    for day in range(0, 400, 7):
        EventFactory(organisations=[grandchild if day % 2 else other], date=datetime.date(2023, 1, 1) +
                     datetime.timedelta(days=day), kind="deal" if day % 3 else "ruling")
    ranges = [(datetime.date(2023, 1, 15), datetime.date(2023, 9, 3)), (datetime.date(2023, 3, 1), None),
              (None, datetime.date(2023, 6, 30)), (datetime.date(2023, 5, 2), datetime.date(2023, 5, 20)),
              (datetime.date(2023, 4, 1), datetime.date(2023, 4, 30)),
              (datetime.date(2023, 2, 10), datetime.date(2023, 3, 31))]
    for date_from, date_to in ranges:
        for kinds in ((), ("deal",), ("deal", "ruling")):
            for filters in (
                Filters(kinds=kinds, date_from=date_from, date_to=date_to),
                Filters(organisations=[parent], organisation_ids=with_subsidiaries({parent.pk}), kinds=kinds,
                        date_from=date_from, date_to=date_to),
            ):
                direct = aggregates.count_by_month(filtered_events(filters))
                assert aggregates.monthly_counts(filters).counts == direct, (date_from, date_to, kinds)
    whole_months = Filters(organisations=[parent], organisation_ids=with_subsidiaries({parent.pk}),
                           date_from=datetime.date(2023, 2, 1), date_to=datetime.date(2023, 5, 31))
    with CaptureQueriesContext(connection) as queries:
        aggregates.monthly_counts(whole_months)
    assert len(queries) == 1 and "events_monthly_count" in queries[0]["sql"]


def test_a_date_range_inside_months_reads_kept_rows_for_every_single_scope(studio_family):
    parent, child, grandchild, other = studio_family
    person = PersonFactory()
    lawsuit = LawsuitFactory()
    for day in range(0, 200, 3):
        EventFactory(organisations=[grandchild if day % 2 else other], people=[person] if day % 5 else [],
                     lawsuit=lawsuit if day % 4 else None, kind="deal" if day % 3 else "ruling",
                     date=datetime.date(2023, 1, 1) + datetime.timedelta(days=day))
    EventFactory(status="draft", organisations=[grandchild], date=datetime.date(2023, 2, 14))
    forget_organisation_tree()
    aggregates.rebuild_counts()  # so that each kept row's latest change is exactly its events' updated_at
    scopes = [
        Filters(),
        Filters(organisations=[parent], organisation_ids=with_subsidiaries({parent.pk})),
        Filters(organisations=[grandchild], include_subsidiaries=False, organisation_ids=frozenset({grandchild.pk})),
        Filters(person=person),
        Filters(lawsuit=lawsuit),
    ]
    for date_from, date_to in [(datetime.date(2023, 1, 20), datetime.date(2023, 4, 11)),
                               (datetime.date(2023, 2, 3), datetime.date(2023, 2, 17)),
                               (datetime.date(2023, 5, 9), None), (None, datetime.date(2023, 3, 2))]:
        for kinds in ((), ("ruling",)):
            for scope in scopes:
                filters = dataclasses.replace(scope, kinds=kinds, date_from=date_from, date_to=date_to)
                direct = filtered_events(filters).order_by().aggregate(count=Count("id"), latest=Max("updated_at"))
                assert aggregates.monthly_counts(filters).counts == aggregates.count_by_month(filtered_events(filters))
                assert aggregates.summary(filters) == {**direct, "cut": False}, (scope, date_from, date_to, kinds)
    # The whole timeline's edge days come from the daily rows: no query reads the events.
    with CaptureQueriesContext(connection) as queries:
        aggregates.monthly_counts(Filters(date_from=datetime.date(2023, 1, 20), date_to=datetime.date(2023, 4, 11)))
    assert queries and not any("events_event " in q["sql"] or '"events_event"' in q["sql"] for q in queries)


def test_moving_an_event_to_another_day_of_its_month_moves_the_daily_counts(studio_family):
    parent, child, grandchild, other = studio_family
    event = EventFactory(organisations=[child], date=datetime.date(2024, 3, 3))
    event.date = datetime.date(2024, 3, 28)
    event.save()
    monthly, _ = assert_counts_exact()
    assert ("day", datetime.date(2024, 3, 28), event.kind, 1) in monthly
    assert not any(row[:2] == ("day", datetime.date(2024, 3, 3)) for row in monthly)
    Event.objects.filter(pk=event.pk).update(date=datetime.date(2024, 3, 1))  # no signal, no updated_at
    assert_counts_exact()


def test_the_summary_above_the_results_reads_the_kept_counts_and_moves_with_every_edit(studio_family):
    parent, child, grandchild, other = studio_family
    event = EventFactory(organisations=[child], kind="deal")
    scope = Filters(organisations=[parent], organisation_ids=with_subsidiaries({parent.pk}))
    before = aggregates.summary(scope)
    assert before["count"] == 1 and before["latest"] is not None
    event.title = "A corrected title"
    event.save()
    assert aggregates.summary(scope)["latest"] > before["latest"]
    event.status = Event.Status.REJECTED
    event.save()
    assert aggregates.summary(scope)["count"] == 0


def test_a_search_chart_counts_the_newest_matching_events_up_to_a_bound(monkeypatch):
    for day in range(6):
        EventFactory(title=f"Strike day {day}", date=datetime.date(2024, 1 + day, 5))
    EventFactory(title="Something else")
    monkeypatch.setattr(aggregates, "MAX_COUNTED", 4)
    found = aggregates.monthly_counts(Filters(q="strike day"))  # two words: no kept rows answer it
    assert found.cut and sum(found.counts.values()) == 4
    assert min(found.counts)[0] == datetime.date(2024, 3, 1)  # the newest four: March to June
    assert not aggregates.monthly_counts(Filters(q="strike day", date_from=datetime.date(2024, 4, 1))).cut
    assert aggregates.summary(Filters(q="strike day"))["cut"]


def test_lawsuit_parties_follow_roles_links_publication_and_the_suit(studio_family):
    parent, child, grandchild, other = studio_family
    suit, another = LawsuitFactory(), LawsuitFactory()
    event = EventFactory(organisations=[other], lawsuit=suit, status="draft")
    EventOrganisation.objects.create(event=event, organisation=grandchild, role="defendant")
    assert kept_counts() == ([], [])  # a draft counts nowhere
    event.status = Event.Status.PUBLISHED
    event.save()
    monthly, _ = assert_counts_exact()
    assert ("party", grandchild.pk, suit.pk, "defendant", 1) in monthly
    assert aggregates.lawsuit_roles(with_subsidiaries({parent.pk})) == {suit.pk: {"defendant"}}
    EventOrganisation.objects.filter(event=event, organisation=other).update(role="plaintiff")
    EventOrganisation.objects.filter(event=event, organisation=grandchild).update(organisation=child)
    monthly, _ = assert_counts_exact()
    assert ("party", other.pk, suit.pk, "plaintiff", 1) in monthly
    Event.objects.filter(pk=event.pk).update(lawsuit=another)  # no signal: the trigger alone
    assert_counts_exact()
    event.refresh_from_db()
    event.lawsuit = None
    event.save()
    assert not [row for row in assert_counts_exact()[0] if row[0] == "party"]
    event.lawsuit = suit
    event.save()
    EventOrganisation.objects.filter(event=event, organisation=child).delete()
    assert_counts_exact()
    event.delete()
    assert kept_counts() == ([], [])


@pytest.mark.parametrize("recent_strikes", [5, 2, 0], ids=["enough recent", "few recent", "none recent"])
def test_a_search_walks_the_newest_months_first_and_counts_exactly_the_newest_matches(monkeypatch, recent_strikes):
    # Older months hold strikes and other news; the newest month (past the walk's cutoff) holds
    # `recent_strikes` strikes among other news.
    for month in range(1, 7):
        EventFactory(title=f"Strike news in month {month}", date=datetime.date(2023, month, 3))
        EventFactory(title=f"Other news {month}", date=datetime.date(2023, month, 4), kind="ruling")
    for n in range(6):
        EventFactory(title=f"Strike news recent {n}" if n < recent_strikes else f"Recent other {n}",
                     date=datetime.date(2024, 2, 1 + n))
    monkeypatch.setattr(aggregates, "MAX_COUNTED", 4)
    monkeypatch.setattr(aggregates, "SEARCH_WALK", 6)  # the newest month alone
    monkeypatch.setattr(aggregates, "SEARCH_SAMPLE", 10)  # common: in 2 of the newest 10 events or more
    monkeypatch.setattr(aggregates, "SEARCH_COMMON", 5)
    filters = resolve_filters({"q": "strike news"})
    assert aggregates._walk_cutoff(filters) == datetime.date(2024, 2, 1)
    assert aggregates._walk_cutoff(resolve_filters({"q": "zebra"})) is None  # rare: the search index alone
    newest = list(filtered_events(filters)[:4])
    found = aggregates.monthly_counts(filters)
    assert found.cut  # 6 + recent_strikes matches, 4 counted
    assert found.counts == aggregates.count_by_month(Event.objects.filter(pk__in=[e.pk for e in newest]))
    assert found.latest == max(e.updated_at for e in newest)
    assert aggregates.summary(filters) == {"count": 4, "latest": found.latest, "cut": True}
    # Dates far around the events (bench/web.py's "page not cached") walk the same months.
    far = {"date_from": datetime.date(1990, 1, 5), "date_to": datetime.date(2030, 3, 3)}
    dated = resolve_filters({"q": "strike news", **far})
    assert aggregates._walk_cutoff(dated) == datetime.date(2024, 2, 1)
    assert aggregates.monthly_counts(dated).counts == found.counts


def kept_search_counts():
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme, month, kind, n FROM events_search_count WHERE n <> 0 ORDER BY 1, 2, 3")
        return cursor.fetchall()


def assert_search_counts_exact():
    kept = kept_search_counts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT events_rebuild_search_counts()")
    assert kept == kept_search_counts()
    return kept


def test_the_kept_search_counts_follow_publication_kind_date_title_sources_and_names():
    studio = OrganisationFactory(name="Lumen Pictures")
    event = EventFactory(title="Writers strike ends", date=datetime.date(2024, 3, 5), organisations=[studio])
    EventFactory(title="A strike vote", date=datetime.date(2024, 4, 2), status=Event.Status.DRAFT)
    kept = assert_search_counts_exact()
    assert ("strike", datetime.date(2024, 3, 1), "announcement", 1) in kept
    assert ("lumen", datetime.date(2024, 3, 1), "announcement", 1) in kept  # names are in the document
    assert not [row for row in kept if row[1] == datetime.date(2024, 4, 1)]  # drafts are not counted
    event.kind = "strike_end"
    event.date = datetime.date(2024, 5, 9)
    event.save()
    assert ("strike", datetime.date(2024, 5, 1), "strike_end", 1) in assert_search_counts_exact()
    event.title = "Writers walk out"
    event.save()
    assert "walk" in [row[0] for row in assert_search_counts_exact()]
    Source.objects.create(event=event, url="https://news.example.com/vote", title="Guild ratifies the deal")
    assert "ratifi" in [row[0] for row in assert_search_counts_exact()]
    studio.name = "Aurora Pictures"
    studio.save()
    kept = assert_search_counts_exact()
    assert "aurora" in [row[0] for row in kept] and "lumen" not in [row[0] for row in kept]
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)  # no signal: the trigger alone
    assert assert_search_counts_exact() == []
    Event.objects.filter(pk=event.pk).update(status=Event.Status.PUBLISHED)
    assert_search_counts_exact()
    event.delete()
    assert kept_search_counts() == []


def test_a_one_word_search_is_counted_exactly_from_its_lexeme_and_others_with_a_bound(monkeypatch):
    monkeypatch.setattr(aggregates, "MAX_COUNTED", 3)
    for day in range(1, 8):
        EventFactory(title=f"Strike day {day}", date=datetime.date(2024, 1 + day % 3, day), kind="strike_start")
        EventFactory(title=f"Other news {day}", date=datetime.date(2024, 1 + day % 3, day + 10))
    strike = resolve_filters({"q": "strike"})
    assert aggregates.scope_of(strike) == ("w", "strike")
    for filters in (
        strike, resolve_filters({"q": "strikes", "kind": "strike_start"}), resolve_filters({"q": "STRIK"}),
        # A date range cut inside months: its edge days are counted from the events.
        resolve_filters({"q": "strike", "date_from": datetime.date(2024, 2, 4), "date_to": datetime.date(2024, 3, 5)}),
        resolve_filters({"q": "zebra"}),  # nothing matches: its rows say so
    ):
        found = aggregates.monthly_counts(filters)
        assert not found.cut
        assert found.counts == aggregates.count_by_month(filtered_events(filters))
        direct = filtered_events(filters).order_by().aggregate(count=Count("id"))["count"]
        assert aggregates.summary(filters)["count"] == direct and not aggregates.summary(filters)["cut"]
    assert aggregates.summary(strike)["count"] == 7  # more than MAX_COUNTED, and exact
    # Another lexeme with the same start, or two words, or an organisation besides: the bounded count.
    EventFactory(title="The striker's contract", date=datetime.date(2024, 5, 1))
    assert aggregates.scope_of(resolve_filters({"q": "strike"})) is None
    assert aggregates.monthly_counts(resolve_filters({"q": "strike"})).cut
    assert aggregates.scope_of(resolve_filters({"q": "strike day"})) is None
    assert aggregates.scope_of(resolve_filters({"q": "news", "org": [OrganisationFactory().slug]})) is None


def test_a_search_plan_is_kept_across_publications_and_an_out_of_date_one_never_changes_the_counts(monkeypatch):
    for month in range(1, 7):
        EventFactory(title=f"Strike news in month {month}", date=datetime.date(2023, month, 3))
    for n in range(6):
        EventFactory(title=f"Strike news recent {n}", date=datetime.date(2024, 2, 1 + n))
    monkeypatch.setattr(aggregates, "MAX_COUNTED", 4)
    monkeypatch.setattr(aggregates, "SEARCH_WALK", 6)
    monkeypatch.setattr(aggregates, "SEARCH_SAMPLE", 10)
    monkeypatch.setattr(aggregates, "SEARCH_COMMON", 5)
    planned = []
    plan = aggregates._plan_search_walk
    monkeypatch.setattr(aggregates, "_plan_search_walk", lambda filters: planned.append(1) or plan(filters))
    filters = resolve_filters({"q": "strike news"})

    def newest_counted():
        return aggregates.count_by_month(Event.objects.filter(pk__in=[e.pk for e in filtered_events(filters)[:4]]))

    assert aggregates.monthly_counts(filters).counts == newest_counted()
    EventFactory(title="Strike news newest", date=datetime.date(2024, 3, 1))  # moves the pages version
    assert aggregates.monthly_counts(filters).counts == newest_counted()
    assert len(planned) == 1  # the second count reused the plan
    for out_of_date in (None, datetime.date(2024, 3, 1), datetime.date(2023, 1, 1)):
        cache.set(aggregates.search_plan_key(filters), (out_of_date,))
        EventFactory(title="Other news", kind="ruling", date=datetime.date(2024, 3, 2))
        assert aggregates.monthly_counts(filters).counts == newest_counted()


def test_the_most_covered_organisations_read_from_kept_rows_are_those_counted_from_every_organisation(monkeypatch):
    from events import queries

    organisations = [OrganisationFactory(name=name) for name in ("beta", "Alpha", "gamma", "Delta", "alpha")]
    for i, organisation in enumerate(organisations):
        for _ in range(1 + i % 2):  # ties: 1, 2, 1, 2, 1 events
            EventFactory(organisations=[organisation])
    monkeypatch.setattr(queries, "MOST_COVERED", 3)
    assert queries.most_covered_organisations(max_age=0) == queries.organisation_coverage(max_age=0)["most_covered"]
    assert len(queries.most_covered_organisations(max_age=0)) == 3
