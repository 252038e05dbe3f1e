"""Which subscriptions an event matches: the timeline's filters, kind and role scopes, subsidiaries; the
rules in Python (alerts.matching) and in SQL (alerts.recording) agree on every case, hand-made or random."""

import datetime

import pytest

from alerts.matching import EventFacts, matching_subscriptions, parents_of
from alerts.models import SubscriptionKey
from alerts.recording import matched_ids
from tests import factories
from tests.alerts.factories import ReaderFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def disney():
    return factories.OrganisationFactory(name="The Walt Disney Company")


@pytest.fixture
def lucasfilm(disney):
    return factories.OrganisationFactory(name="Lucasfilm", parent=disney)


def matched(event):
    """The names of the subscriptions `event` matches, after checking that SQL matches the same ones."""
    in_python = matching_subscriptions(event.pk)
    assert matched_ids(EventFacts.load(event.pk), parents_of()) == sorted(s.id for s in in_python)
    return {s.name for s in in_python}


def test_a_subscription_to_a_parent_matches_events_of_its_subsidiaries_unless_exact(disney, lucasfilm):
    SubscriptionFactory(name="disney group", organisation_ids=[disney.pk])
    SubscriptionFactory(name="disney only", organisation_ids=[disney.pk], include_subsidiaries=False)
    SubscriptionFactory(name="lucasfilm", organisation_ids=[lucasfilm.pk])
    event = factories.EventFactory(organisations=[lucasfilm])
    assert matched(event) == {"disney group", "lucasfilm"}


def test_a_subsidiary_added_after_the_subscription_is_rolled_up_too(disney):
    SubscriptionFactory(name="disney group", organisation_ids=[disney.pk])
    pixar = factories.OrganisationFactory(name="Pixar", parent=disney)
    assert matched(factories.EventFactory(organisations=[pixar])) == {"disney group"}


def test_kind_scope_keeps_only_the_chosen_kinds(disney):
    SubscriptionFactory(name="lawsuits", organisation_ids=[disney.pk], kinds=["lawsuit_filed", "ruling"])
    SubscriptionFactory(name="everything", organisation_ids=[disney.pk])
    deal = factories.EventFactory(organisations=[disney], kind="deal")
    suit = factories.EventFactory(organisations=[disney], kind="lawsuit_filed")
    assert matched(deal) == {"everything"}
    assert matched(suit) == {"lawsuits", "everything"}


def test_role_scope_needs_the_followed_organisation_in_that_role(disney, lucasfilm, openai):
    SubscriptionFactory(name="disney suing", organisation_ids=[disney.pk], roles=["plaintiff"])
    suing = factories.EventFactory(organisations=[(lucasfilm, "plaintiff"), (openai, "defendant")])
    sued = factories.EventFactory(organisations=[(openai, "plaintiff"), (disney, "defendant")])
    assert matched(suing) == {"disney suing"}
    assert matched(sued) == set()


def test_several_organisations_are_any_of_them_and_every_other_filter_must_hold_too(disney, openai):
    person = factories.PersonFactory(name="Sam Altman")
    SubscriptionFactory(name="either", organisation_ids=[disney.pk, openai.pk])
    SubscriptionFactory(name="openai with sam", organisation_ids=[openai.pk], person=person)
    SubscriptionFactory(name="2024 only", organisation_ids=[openai.pk], date_from=datetime.date(2024, 1, 1),
                        date_to=datetime.date(2024, 12, 31))
    with_sam = factories.EventFactory(organisations=[openai], people=[person], date=datetime.date(2025, 3, 1))
    disney_2024 = factories.EventFactory(organisations=[disney], date=datetime.date(2024, 5, 1))
    assert matched(with_sam) == {"either", "openai with sam"}
    assert matched(disney_2024) == {"either"}


def test_lawsuit_agreement_and_person_subscriptions(sag_aftra):
    lawsuit = factories.LawsuitFactory()
    agreement = factories.UnionAgreementFactory(union=sag_aftra)
    person = factories.PersonFactory()
    SubscriptionFactory(name="the case", lawsuit=lawsuit, kinds=["ruling"])
    SubscriptionFactory(name="the contract", agreement=agreement)
    SubscriptionFactory(name="the person", person=person)
    ruling = factories.EventFactory(lawsuit=lawsuit, kind="ruling")
    filing = factories.EventFactory(lawsuit=lawsuit, kind="lawsuit_filed")
    ratified = factories.EventFactory(agreement=agreement, kind="ratification", people=[person])
    assert matched(ruling) == {"the case"}
    assert matched(filing) == set()
    assert matched(ratified) == {"the contract", "the person"}


def test_text_kind_only_and_everything_subscriptions():
    SubscriptionFactory(name="sora", q_words=["sora"])
    SubscriptionFactory(name="sora video", q_words=["sora", "video"])
    SubscriptionFactory(name="any ratification", kinds=["ratification"])
    SubscriptionFactory(name="everything")
    launch = factories.EventFactory(
        title="OpenAI opens Sora to studios", summary="Text to video.", kind="product_launch"
    )
    vote = factories.EventFactory(title="Members approve the contract", kind="ratification")
    assert matched(launch) == {"sora", "sora video", "everything"}
    assert matched(vote) == {"any ratification", "everything"}


def test_search_words_match_as_prefixes_in_titles_summaries_and_source_titles():
    SubscriptionFactory(name="midjourney", q_words=["midjourney"])
    SubscriptionFactory(name="rul", q_words=["rul"])
    event = factories.EventFactory(title="Judge speaks", summary="A ruling came down.", sources=[])
    factories.models.Source.objects.create(event=event, url="https://example.com/x", title="Midjourney case update")
    assert matched(event) == {"midjourney", "rul"}


def test_paused_unconfirmed_and_later_subscriptions_do_not_match(disney):
    SubscriptionFactory(name="paused", organisation_ids=[disney.pk], paused=True)
    SubscriptionFactory(name="unconfirmed", organisation_ids=[disney.pk], reader=ReaderFactory(confirmed_at=None))
    event = factories.EventFactory(organisations=[disney])
    SubscriptionFactory(name="made after publication", organisation_ids=[disney.pk])
    assert matched(event) == set()


def test_each_subscription_is_indexed_under_one_kind_of_key(disney, openai):
    person = factories.PersonFactory()
    cases = {
        "orgs": SubscriptionFactory(organisation_ids=[openai.pk, disney.pk], person=person),
        "person": SubscriptionFactory(person=person, q_words=["x"]),
        "word": SubscriptionFactory(q_words=["ai", "lawsuit"]),
        "kind": SubscriptionFactory(kinds=["deal", "ruling"]),
        "any": SubscriptionFactory(),
    }
    keys = {name: sorted(SubscriptionKey.objects.filter(subscription=s).values_list("key", flat=True))
            for name, s in cases.items()}
    assert keys == {
        "orgs": sorted([f"org:{openai.pk}", f"org:{disney.pk}"]),
        "person": [f"person:{person.pk}"],
        "word": ["word:lawsuit"],
        "kind": ["kind:deal", "kind:ruling"],
        "any": ["any"],
    }
    cases["any"].kinds = ["deal"]
    cases["any"].save()
    keys = SubscriptionKey.objects.filter(subscription=cases["any"]).values_list("key", flat=True)
    assert list(keys) == ["kind:deal"]


def test_sql_and_python_matching_agree_on_random_subscriptions_and_events():
    """Every condition and its combinations, drawn at random over a small world: one disagreement fails."""
    import random

    from alerts.matching import _facts_row, _facts_row_prefetched
    from events.models import EventPerson

    rng = random.Random(1207)
    organisations = []
    for i in range(12):
        parent = rng.choice([None, None, *organisations]) if organisations else None
        organisations.append(factories.OrganisationFactory(name=f"Org {i}", parent=parent))
    people = [factories.PersonFactory(name=f"Person {i}") for i in range(4)]
    lawsuits = [factories.LawsuitFactory() for _ in range(2)]
    words = ["sora", "likeness", "voice", "dubbing", "midjourney", "guild", "replica", "vote"]
    kinds, roles = ["deal", "ruling", "lawsuit_filed", "ratification"], ["subject", "plaintiff", "defendant"]
    for n in range(160):
        SubscriptionFactory(
            name=f"random {n}",
            organisation_ids=[o.pk for o in rng.sample(organisations, rng.choice((0, 0, 1, 1, 2)))],
            include_subsidiaries=rng.random() < 0.6,
            person=rng.choice([None, None, None, *people]),
            lawsuit=rng.choice([None, None, None, None, *lawsuits]),
            kinds=rng.sample(kinds, rng.choice((0, 0, 1, 2))),
            roles=rng.sample(roles, rng.choice((0, 0, 0, 1))),
            q_words=[w[: rng.choice((3, 5, 20))] for w in rng.sample(words, rng.choice((0, 0, 0, 1, 2)))],
            date_from=rng.choice([None, None, datetime.date(2024, 1, 20)]),
        )
    total = 0
    for _ in range(30):
        event = factories.EventFactory(
            kind=rng.choice(kinds), title=" ".join(rng.sample(words, 2)), summary=rng.choice(words),
            lawsuit=rng.choice([None, *lawsuits]),
            organisations=[(o, rng.choice(roles)) for o in rng.sample(organisations, rng.choice((0, 1, 2, 3)))],
        )
        for person in rng.sample(people, rng.choice((0, 1, 2))):
            EventPerson.objects.create(event=event, person=person, role=rng.choice(roles))
        fast, slow = _facts_row(event.pk), _facts_row_prefetched(event.pk)
        for name in ("organisation_facts", "person_facts"):
            assert sorted(fast.pop(name), key=str) == sorted(slow.pop(name), key=str)
        assert fast == slow
        total += len(matched(event))  # asserts that SQL and Python agree
    assert total > 30  # the draw matched plenty: the agreement is not an empty one
