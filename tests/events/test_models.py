"""Rules the domain keeps: slugs, hierarchy, roles, supersession, constraints in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import Event, EventOrganisation, LawsuitParty, Organisation, Source
from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, slug",
    [("OpenAI", "openai"), ("SAG-AFTRA", "sag-aftra"), ("Warner Bros. Discovery", "warner-bros-discovery")],
)
def test_slugs_come_from_names(name, slug):
    assert OrganisationFactory(name=name).slug == slug


def test_slugs_stay_unique_and_stable():
    first = PersonFactory(name="Jane Doe")
    second = PersonFactory(name="Jane Doe")
    assert (first.slug, second.slug) == ("jane-doe", "jane-doe-2")
    first.name = "Jane Q. Doe"
    first.save()
    assert first.slug == "jane-doe"  # links keep working after a rename


def test_every_public_model_has_an_absolute_url(openai):
    event = EventFactory(organisations=[openai])
    for obj, prefix in [
        (openai, "/organisations/openai/"),
        (PersonFactory(name="Sam Altman"), "/people/sam-altman/"),
        (LawsuitFactory(case_name="Disney v. Midjourney"), "/lawsuits/disney-v-midjourney/"),
        (UnionAgreementFactory(name="2023 WGA MBA"), "/agreements/2023-wga-mba/"),
        (event, f"/events/{event.slug}/"),
    ]:
        assert obj.get_absolute_url() == prefix


def test_an_organisation_cannot_sit_under_its_own_subsidiary():
    disney = OrganisationFactory(name="The Walt Disney Company")
    lucasfilm = OrganisationFactory(name="Lucasfilm", parent=disney)
    disney.parent = lucasfilm
    with pytest.raises(ValidationError):
        disney.full_clean()


def test_an_organisation_cannot_be_its_own_parent_in_the_database():
    org = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(parent=org)


def test_links_carry_roles(openai):
    studio = OrganisationFactory(name="Disney")
    event = EventFactory(kind="lawsuit_filed", organisations=[(studio, "plaintiff"), (openai, "defendant")])
    roles = {link.organisation.name: link.get_role_display() for link in event.organisation_links.all()}
    assert roles == {"Disney": "Plaintiff", "OpenAI": "Defendant"}


def test_an_organisation_is_linked_to_an_event_once(openai):
    event = EventFactory(organisations=[openai])
    with pytest.raises(IntegrityError), transaction.atomic():
        EventOrganisation.objects.create(event=event, organisation=openai, role="partner")


def test_a_source_is_cited_once_per_event():
    event = EventFactory(sources=["https://example.com/a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(event=event, url="https://example.com/a")


def test_a_lawsuit_party_is_an_organisation_or_a_person_not_both(openai):
    lawsuit = LawsuitFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LawsuitParty.objects.create(lawsuit=lawsuit, organisation=openai, person=PersonFactory(), side="defendant")
    with pytest.raises(IntegrityError), transaction.atomic():
        LawsuitParty.objects.create(lawsuit=lawsuit, side="defendant")


def test_agreement_supersedes_its_previous_cycle_and_links_both_ways(client, sag_aftra):
    old = UnionAgreementFactory(name="2020 TV/Theatrical Contract", union=sag_aftra)
    new = UnionAgreementFactory(name="2023 TV/Theatrical Contract", union=sag_aftra, supersedes=old)
    assert old.superseded_by == new
    assert new.get_absolute_url().encode() in client.get(old.get_absolute_url()).content
    assert old.get_absolute_url().encode() in client.get(new.get_absolute_url()).content


def test_agreement_cannot_expire_before_it_takes_effect(sag_aftra):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnionAgreementFactory(
            union=sag_aftra, effective_on=datetime.date(2023, 11, 9), expires_on=datetime.date(2023, 1, 1)
        )


def test_publishing_stamps_the_time_once():
    event = EventFactory(status=Event.Status.DRAFT)
    assert event.published_at is None
    event.status = Event.Status.PUBLISHED
    event.save()
    stamped = event.published_at
    event.save()
    assert stamped is not None and event.published_at == stamped


def test_only_published_events_are_in_the_published_queryset():
    EventFactory(status="draft")
    EventFactory(status="rejected")
    shown = EventFactory(status="published")
    assert list(Event.objects.published()) == [shown]


def test_aliases_are_one_per_line_without_duplicates():
    org = OrganisationFactory(aliases="WGA\n  Writers Guild \nwga\n\n")
    assert org.alias_list == ["WGA", "Writers Guild"]
