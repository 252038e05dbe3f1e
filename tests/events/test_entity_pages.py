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


# --- Lawsuits on organisation pages, complete parties, counts with subsidiaries, feeds in sight ---------

def test_the_organisation_page_lists_the_suits_against_it_and_its_visible_feeds(client, openai):
    recorded = LawsuitFactory(case_name="Authors Guild v. OpenAI")
    LawsuitParty.objects.create(lawsuit=recorded, organisation=openai, side="defendant")
    from_events = LawsuitFactory(case_name="Daily News v. OpenAI")
    EventFactory(lawsuit=from_events, organisations=[(openai, "defendant")])
    LawsuitFactory(case_name="Someone v. Someone else")
    html = client.get(openai.get_absolute_url()).content.decode()
    lawsuits = html[html.index('id="lawsuits-heading"'):]
    assert "Authors Guild v. OpenAI" in lawsuits and "Daily News v. OpenAI" in lawsuits
    assert "Someone v. Someone else" not in lawsuits and "defendant" in lawsuits
    assert '<nav class="outputs" aria-label="Subscribe and export">' in html
    assert 'href="/feed.atom?org=openai"' in html and 'href="/calendar.ics?org=openai"' in html


def test_the_organisations_list_counts_a_parent_s_events_with_its_subsidiaries_as_its_filter_does(client):
    alphabet = OrganisationFactory(name="Alphabet")
    google = OrganisationFactory(name="Google", parent=alphabet)
    deepmind = OrganisationFactory(name="Google DeepMind", parent=google)
    EventFactory(organisations=[google])
    EventFactory(organisations=[deepmind, google])  # counted once
    EventFactory(organisations=[deepmind])
    html = client.get("/organisations/").content.decode()
    assert '?org=alphabet">3 events</a> <small>with subsidiaries</small>' in html
    timeline = client.get("/", {"org": "alphabet"})
    assert sum(len(events) for _, events, _ in timeline.context["groups"]) == 3


def test_lawsuit_parties_include_those_its_events_name(client):
    studio = OrganisationFactory(name="NBCUniversal")
    plaintiff = OrganisationFactory(name="Universal City Studios")
    defendant = OrganisationFactory(name="Minimax")
    lawsuit = LawsuitFactory(case_name="Universal v. Minimax")
    LawsuitParty.objects.create(lawsuit=lawsuit, organisation=plaintiff, side="plaintiff")
    LawsuitParty.objects.create(lawsuit=lawsuit, organisation=defendant, side="defendant")
    EventFactory(lawsuit=lawsuit, kind="lawsuit_filed", organisations=[(plaintiff, "plaintiff"), (studio, "plaintiff"),
                                                                      (defendant, "defendant")])
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    assert html.count("<dt>Plaintiff</dt>") == 2 and html.count("<dt>Defendant</dt>") == 1
    assert "NBCUniversal" in html[html.index('class="facts"'):html.index("</dl>")]
    listing = client.get("/lawsuits/").content.decode()
    assert "NBCUniversal (plaintiff)" in listing


def test_a_lawsuit_page_shows_its_judge_its_status_as_of_a_date_and_links_its_docket(client, openai):
    lawsuit = LawsuitFactory(
        case_name="Writers v. OpenAI", court="U.S. District Court, Southern District of New York",
        docket_number="1:24-cv-00001", courtlistener_docket_id=123456, judge="Jane Q. Example", status="pending",
        status_on=datetime.date(2025, 3, 4),
    )
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    assert "<dt>Judge</dt><dd>Jane Q. Example</dd>" in html
    assert 'Pending</span> <span class="as-of">as of <time datetime="2025-03-04">4 March 2025</time>' in html
    assert '<a href="https://www.courtlistener.com/docket/123456/" rel="external">1:24-cv-00001</a>' in html
    assert "<dd>U.S. District Court, Southern District of New York</dd>" in html


def test_a_us_lawsuit_without_a_courtlistener_docket_links_a_search_for_its_number(client):
    lawsuit = LawsuitFactory(
        case_name="Actors v. Voices Inc", court="U.S. District Court, Central District of California",
        docket_number="2:25-cv-00002",
    )
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    assert ('<a href="https://www.courtlistener.com/?type=r&amp;q=%222%3A25-cv-00002%22" rel="external">'
            "search CourtListener</a>") in html
    abroad = LawsuitFactory(case_name="Studio v. Model Ltd", court="High Court of England and Wales",
                            docket_number="IL-2025-000001")
    assert "search CourtListener" not in client.get(abroad.get_absolute_url()).content.decode()


def test_a_lawsuit_with_events_in_one_month_only_draws_no_chart(client):
    lawsuit = LawsuitFactory(case_name="One month v. Chart")
    for day in (3, 17):
        EventFactory(lawsuit=lawsuit, kind="lawsuit_filed", date=datetime.date(2024, 5, day))
    html = client.get(lawsuit.get_absolute_url()).content.decode()
    assert '<figure class="chart">' not in html and html.count('<article class="event') == 2
    EventFactory(lawsuit=lawsuit, kind="ruling", date=datetime.date(2024, 9, 1))
    assert '<figure class="chart">' in client.get(lawsuit.get_absolute_url()).content.decode()
