"""Entity linking: the alias matcher finds the registry's organisations and people in article text."""

import random
import string

import pytest

from ingest.link import AliasMatcher, Entity, current_matcher, link_entities
from tests.factories import OrganisationFactory, PersonFactory

ORG, PERSON = "organisation", "person"


def matcher(*entries):
    return AliasMatcher.build(entries)


def test_names_match_whatever_the_case_punctuation_or_kind_of_hyphen():
    m = matcher(("SAG-AFTRA", ORG, 1))
    for text in [
        "SAG-AFTRA said",
        "SAG AFTRA said",
        "Sag-Aftra said",
        "SAG\u2011AFTRA said",
        "sag–aftra said",
    ]:
        assert m.find(text) == {(ORG, 1): 1}, text


def test_a_possessive_still_names_the_organisation():
    m = matcher(("OpenAI", ORG, 7))
    assert m.find("OpenAI's video model and OpenAI\u2019s blog") == {(ORG, 7): 2}


def test_multi_word_names_match_across_line_breaks_and_extra_spaces():
    m = matcher(("Writers Guild of America", ORG, 3))
    assert m.find("the Writers  Guild\nof America voted") == {(ORG, 3): 1}


def test_accents_do_not_stop_a_match():
    m = matcher(("Cristóbal Valenzuela", PERSON, 5))
    assert m.find("Cristobal Valenzuela and Cristóbal Valenzuela") == {(PERSON, 5): 2}


def test_a_name_inside_a_longer_word_is_not_a_mention():
    m = matcher(("Meta", ORG, 1), ("Runway", ORG, 2))
    assert m.find("The metadata of runways, metaverse") == {}
    assert m.find("Meta and Runway, then meta.") == {(ORG, 1): 2, (ORG, 2): 1}


def test_the_longest_alias_wins():
    m = matcher(
        ("Warner Bros.", ORG, 1),
        ("Warner Bros. Discovery", ORG, 2),
        ("Universal", ORG, 3),
        ("Universal Pictures", ORG, 4),
    )
    found = m.find(
        "Warner Bros. Discovery sued; Universal Pictures joined. Warner Bros. and Universal agreed."
    )
    assert found == {(ORG, 2): 1, (ORG, 4): 1, (ORG, 1): 1, (ORG, 3): 1}


def test_overlapping_aliases_resolve_leftmost_longest():
    m = matcher(("Walt Disney", ORG, 1), ("Disney Animation Studios", ORG, 2))
    # "Walt Disney" starts first, so "Disney Animation Studios" cannot reuse its "Disney".
    assert m.find("Walt Disney Animation Studios") == {(ORG, 1): 1}


def test_counts_are_mentions_over_all_aliases_of_one_entity():
    m = matcher(
        ("Writers Guild of America", ORG, 3),
        ("WGA", ORG, 3),
        ("Sam Altman", PERSON, 9),
        ("Altman", PERSON, 9),
    )
    text = "The WGA (Writers Guild of America) met Sam Altman. Altman left; the WGA stayed."
    assert m.find(text) == {(ORG, 3): 3, (PERSON, 9): 2}


def test_acronyms_match_only_in_capitals():
    m = matcher(("WGA", ORG, 1), ("MPA", ORG, 2))
    assert m.find("wga and Mpa are not acronyms here") == {}
    assert m.find("WGA and MPA") == {(ORG, 1): 1, (ORG, 2): 1}
    assert m.find("Crème de la crème: WGA, not wga") == {(ORG, 1): 1}, "accented text takes the slower path"


def test_short_aliases_are_ignored_unless_they_are_acronyms():
    m = matcher(("X", ORG, 1), ("Al", PERSON, 2), ("EA", ORG, 3))
    assert m.find("X said Al went to EA, while ea was lowercase") == {(ORG, 3): 1}


def test_an_alias_shared_by_two_entities_counts_for_both():
    m = matcher(("Universal", ORG, 1), ("Universal", ORG, 2))
    assert m.find("Universal said") == {(ORG, 1): 1, (ORG, 2): 1}


def test_entities_carry_names_and_organisation_kinds_most_mentioned_first():
    m = AliasMatcher.build(
        [("OpenAI", ORG, 1), ("SAG-AFTRA", ORG, 2)],
        details={(ORG, 1): ("OpenAI", "ai_company"), (ORG, 2): ("SAG-AFTRA", "union")},
    )
    assert m.entities("SAG-AFTRA met OpenAI. SAG-AFTRA left.") == [
        Entity(kind=ORG, id=2, name="SAG-AFTRA", org_kind="union", count=2),
        Entity(kind=ORG, id=1, name="OpenAI", org_kind="ai_company", count=1),
    ]


def test_an_unknown_target_kind_is_refused():
    with pytest.raises(ValueError, match="organisation or a person"):
        AliasMatcher.build([("Lawsuit v. Lawsuit", "lawsuit", 1)])


def test_empty_text_and_empty_registry_find_nothing():
    assert matcher().find("OpenAI") == {}
    assert matcher(("OpenAI", ORG, 1)).find("") == {}


def test_ten_thousand_aliases_still_give_the_right_matches():
    rng = random.Random(3)

    def word():
        return rng.choice(string.ascii_uppercase) + "".join(
            rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))
        )

    entries = [(f"{word()} {word()}" + (" Studios" if n % 3 else ""), ORG, n) for n in range(10_000)]
    entries += [
        ("Warner Bros.", ORG, 20_001),
        ("Warner Bros. Discovery", ORG, 20_002),
        ("Fran Drescher", PERSON, 1),
    ]
    m = AliasMatcher.build(entries)
    assert m.alias_count == len(entries)
    picked = entries[1234][0], entries[9876][0]
    text = (
        f"{picked[0]} joined Warner Bros. Discovery; {picked[1]}'s chief met Fran Drescher and {picked[0]}."
    )
    found = m.find(text)
    assert found[(ORG, 1234)] == 2 and found[(ORG, 9876)] == 1
    assert found[(ORG, 20_002)] == 1 and (ORG, 20_001) not in found
    assert found[(PERSON, 1)] == 1


@pytest.mark.django_db
def test_the_matcher_is_built_from_the_organisations_and_people_in_the_database():
    openai = OrganisationFactory(name="OpenAI", kind="ai_company", aliases="Open AI\nOpenAI Inc.")
    altman = PersonFactory(name="Sam Altman", aliases="Samuel Altman")
    entities = link_entities("Open AI chief Samuel Altman spoke; OpenAI's Sam Altman again.")
    assert entities == [
        Entity(kind=ORG, id=openai.pk, name="OpenAI", org_kind="ai_company", count=2),
        Entity(kind=PERSON, id=altman.pk, name="Sam Altman", org_kind="", count=2),
    ]


@pytest.mark.django_db
def test_a_person_filed_with_middle_initials_is_found_without_them():
    stein = PersonFactory(name="Sidney H. Stein")
    martin = PersonFactory(name="George R. R. Martin")
    found = {e.id: e.count for e in link_entities(
        "Judge Sidney Stein let the suit go on; Sidney H. Stein wrote that George Martin's novels were copied."
    )}
    assert found == {stein.pk: 2, martin.pk: 1}
    assert link_entities("Sidney Lumet directed it; H. Stein wrote the score.") == []


@pytest.mark.django_db
def test_the_matcher_is_rebuilt_when_an_organisation_is_added():
    OrganisationFactory(name="OpenAI", kind="ai_company")
    before = current_matcher()
    assert before.find("Runway and OpenAI") == {(ORG, OrganisationFactory(name="OpenAI").pk): 1}
    assert current_matcher() is before, "an unchanged registry reuses the built matcher"
    runway = OrganisationFactory(name="Runway", kind="ai_company")
    assert current_matcher().find("Runway and OpenAI")[(ORG, runway.pk)] == 1


@pytest.mark.django_db
def test_the_matcher_is_rebuilt_when_an_alias_changes_or_an_entity_goes():
    lionsgate = OrganisationFactory(name="Lionsgate", kind="studio")
    person = PersonFactory(name="Michael Burns")
    assert current_matcher().find("Lions Gate Entertainment") == {}
    lionsgate.aliases = "Lions Gate Entertainment"
    lionsgate.save()
    assert current_matcher().find("Lions Gate Entertainment") == {(ORG, lionsgate.pk): 1}
    person_pk = person.pk
    person.delete()
    assert current_matcher().find("Michael Burns") == {}
    assert (PERSON, person_pk) not in current_matcher().find("Michael Burns spoke")
