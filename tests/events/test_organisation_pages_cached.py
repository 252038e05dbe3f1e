"""The organisation page and the organisations list are cached whole for every reader alike, and change as
soon as what they show changes; what belongs to one reader is never shared."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import LawsuitParty
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
LIST = "/organisations/"


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(captured)


@pytest.fixture
def disney(db):
    disney = OrganisationFactory(name="The Walt Disney Company")
    OrganisationFactory(name="Lucasfilm", parent=disney)
    EventFactory(title="Disney signs a deal", organisations=[disney])
    return disney


def test_an_organisation_page_seen_again_costs_no_query_and_is_the_same_page(client, disney):
    first, _ = queries(client, disney.get_absolute_url())
    again, count = queries(client, disney.get_absolute_url())
    assert count == 0
    token = re.compile(r'"X-CSRFToken": "[^"]*"')
    assert token.sub("", again) == token.sub("", first) and "Disney signs a deal" in again


def test_a_new_lawsuit_party_shows_on_the_cached_organisation_page(client, disney):
    suit = LawsuitFactory(case_name="Artists v. The Walt Disney Company", filed_on=datetime.date(2025, 3, 4))
    assert "Artists v." not in client.get(disney.get_absolute_url()).content.decode()
    LawsuitParty.objects.create(lawsuit=suit, organisation=disney, side="defendant")
    html = client.get(disney.get_absolute_url()).content.decode()
    assert f'<a href="/lawsuits/{suit.slug}/">Artists v. The Walt Disney Company</a>' in html
    assert "defendant · filed 4 Mar 2025 · filed" in html  # side, date, status
    suit.status = "settled"
    suit.save()
    assert "filed 4 Mar 2025 · settled" in client.get(disney.get_absolute_url()).content.decode()


def test_a_renamed_subsidiary_shows_on_the_cached_organisation_page(client, disney):
    client.get(disney.get_absolute_url())
    lucasfilm = disney.subsidiaries.get()
    lucasfilm.name = "Lucasfilm Ltd."
    lucasfilm.save()
    html = client.get(disney.get_absolute_url()).content.decode()
    assert f'<a href="/organisations/{lucasfilm.slug}/">Lucasfilm Ltd.</a>' in html


def test_a_published_event_shows_on_the_cached_organisation_page(client, disney):
    client.get(disney.get_absolute_url())
    draft = EventFactory(title="Disney and a studio of AI", organisations=[disney], status="draft")
    assert "Disney and a studio of AI" not in client.get(disney.get_absolute_url()).content.decode()
    draft.status = "published"
    draft.save()
    assert "Disney and a studio of AI" in client.get(disney.get_absolute_url()).content.decode()


def test_readers_of_a_cached_organisation_page_keep_their_own_csrf_tokens(disney):
    tokens = set()
    for reader in (Client(), Client()):
        html = reader.get(disney.get_absolute_url()).content.decode()
        tokens.add(re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))
        assert reader.cookies["csrftoken"].value
    assert len(tokens) == 2


def test_an_organisation_page_costs_the_same_queries_for_two_lawsuits_or_forty(client, disney):
    counts = []
    for suits in (2, 40):
        for _ in range(suits):
            LawsuitParty.objects.create(lawsuit=LawsuitFactory(), organisation=disney, side="plaintiff")
        for _ in range(suits):
            OrganisationFactory(parent=disney)
        html, count = queries(client, disney.get_absolute_url())
        assert len(re.findall(r'<a href="/lawsuits/[^"/]+/">', html)) == LawsuitParty.objects.count()
        counts.append(count)
    assert counts[0] == counts[1]


def test_a_merged_away_organisation_still_redirects_when_its_page_was_cached(client, disney):
    from events import services

    gone = OrganisationFactory(name="Disney Enterprises")
    client.get(gone.get_absolute_url())
    services.merge_organisations(disney, [gone])
    response = client.get(f"/organisations/{gone.slug}/")
    assert response.status_code == 301 and response["Location"] == disney.get_absolute_url()


def test_the_organisations_list_seen_again_costs_no_query(client, disney):
    first, _ = queries(client, LIST)
    again, count = queries(client, LIST)
    assert count == 0 and "The Walt Disney Company" in again and "Lucasfilm" in again


def test_the_cached_organisations_list_shows_a_rename_a_new_organisation_and_new_counts(client, disney):
    client.get(LIST)
    disney.name = "Disney"
    disney.save()
    OrganisationFactory(name="Pixar", parent=disney)
    EventFactory(organisations=[disney])
    html = client.get(LIST).content.decode()
    assert f'<a href="/organisations/{disney.slug}/">Disney</a>' in html
    assert ">Pixar</a>" in html and "2 events" in html


def test_the_organisations_list_costs_the_same_queries_for_three_rows_or_a_hundred(client, disney):
    client.get(LIST)  # the counts behind the list, which may then serve for a few minutes (queries.py)
    counts = []
    for more in (1, 100):
        for _ in range(more):
            OrganisationFactory(parent=disney)
        _, count = queries(client, LIST)
        counts.append(count)
    assert counts[0] == counts[1]
