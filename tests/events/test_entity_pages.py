"""Pages per organisation, person, lawsuit and agreement, and the list pages."""

import datetime

import pytest

from events.models import LawsuitParty
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db


def test_organisation_page_shows_its_events_and_its_subsidiaries_events(client):
    disney = OrganisationFactory(name="The Walt Disney Company")
    lucasfilm = OrganisationFactory(name="Lucasfilm", parent=disney)
    EventFactory(title="Lucasfilm news", organisations=[lucasfilm])
    EventFactory(title="Unrelated news", organisations=[OrganisationFactory()])
    html = client.get(disney.get_absolute_url()).content.decode()
    assert "Lucasfilm news" in html and "Unrelated news" not in html
    assert "and its subsidiaries" in html and lucasfilm.get_absolute_url() in html
    assert "Part of" in client.get(lucasfilm.get_absolute_url()).content.decode()


def test_organisation_page_links_to_more_events_on_the_timeline(client, openai):
    for _ in range(30):
        EventFactory(organisations=[openai])
    response = client.get(openai.get_absolute_url())
    assert "org=openai" in response.context["next_url"] and "cursor=" in response.context["next_url"]


def test_person_page_lists_affiliations_and_events(client, openai):
    person = PersonFactory(name="Sam Altman")
    person.affiliations.create(organisation=openai, role="Chief executive")
    EventFactory(title="Altman speaks", people=[person])
    html = client.get(person.get_absolute_url()).content.decode()
    assert "Chief executive" in html and "Altman speaks" in html


def test_lawsuit_page_shows_court_docket_parties_and_its_docket_timeline(client, openai):
    lawsuit = LawsuitFactory(
        case_name="Authors v. OpenAI", docket_number="1:23-cv-08292", claims="Copyright infringement"
    )
    LawsuitParty.objects.create(lawsuit=lawsuit, organisation=openai, side="defendant")
    EventFactory(title="Complaint filed", lawsuit=lawsuit, kind="lawsuit_filed")
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    for text in ["1:23-cv-08292", "Defendant", "OpenAI", "Copyright infringement", "Complaint filed"]:
        assert text in html


def test_lawsuit_list_shows_status(client):
    LawsuitFactory(case_name="A v. B", status="settled")
    html = client.get("/lawsuits/").content.decode()
    assert "A v. B" in html and "Settled" in html


def test_agreement_page_shows_vote_dates_and_ai_provisions(client, sag_aftra):
    agreement = UnionAgreementFactory(
        name="2023 TV/Theatrical Contract",
        union=sag_aftra,
        status="ratified",
        votes_for=78,
        votes_against=22,
        ratified_on=datetime.date(2023, 12, 5),
    )
    agreement.provisions.create(title="Digital replicas", text="Consent and compensation are required.")
    html = client.get(agreement.get_absolute_url()).content.decode()
    for text in [
        "Ratified",
        "78 for",
        "78.0% in favour",
        "5 December 2023",
        "Digital replicas",
        "Consent and compensation",
    ]:
        assert text in html
    assert "Ratified" in client.get("/agreements/").content.decode()


def test_unknown_entity_is_a_404(client):
    for url in ["/organisations/nope/", "/people/nope/", "/lawsuits/nope/", "/agreements/nope/", "/events/nope/"]:
        assert client.get(url).status_code == 404


def test_entity_pages_never_show_drafts(client, openai):
    EventFactory(title="Draft secret", organisations=[openai], status="draft")
    assert b"Draft secret" not in client.get(openai.get_absolute_url()).content


def test_organisation_list_counts_published_events(client, openai):
    EventFactory(organisations=[openai])
    EventFactory(organisations=[openai], status="draft")
    response = client.get("/organisations/")
    row = next(o for o in response.context["organisations"] if o.slug == "openai")
    assert row.event_count == 1
