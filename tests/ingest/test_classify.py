"""Classification: the kind of event an article reports, with a confidence, and whether it is in scope."""

from pathlib import Path

import pytest

from events.models import Event
from ingest import classify as classify_module
from ingest.classify import Classification, classify
from ingest.link import Entity

SEED_ARTICLE = Path(__file__).parent / "data" / "sora-hollywood-article.txt"


def org(name, org_kind, count=1, id=1):
    return Entity(kind="organisation", id=id, name=name, org_kind=org_kind, count=count)


SAG_AFTRA = org("SAG-AFTRA", "union", id=1)
WGA = org("Writers Guild of America", "union", id=2)
OPENAI = org("OpenAI", "ai_company", id=3)
STABILITY = org("Stability AI", "ai_company", id=4)
DISNEY = org("The Walt Disney Company", "studio", id=5)
LIONSGATE = org("Lionsgate", "studio", id=6)
RUNWAY = org("Runway", "ai_company", id=7)
NETFLIX = org("Netflix", "streamer", id=8)

# (expected kind, title, body, linked organisations): realistic headlines and opening paragraphs.
ARTICLES = [
    (
        "lawsuit_filed",
        "Disney and Universal sue AI image generator Midjourney",
        "The studios filed a lawsuit in federal court in Los Angeles, calling the AI company a "
        "bottomless pit of plagiarism and claiming copyright infringement of characters from their films.",
        [DISNEY],
    ),
    (
        "ruling",
        "Judge rules training on books was fair use, but pirated copies were not",
        "A federal judge granted partial summary judgment to the AI company. The ruling is the first "
        "to address generative AI training, and Hollywood studios with their own AI lawsuits are watching.",
        [STABILITY],
    ),
    (
        "settlement",
        "Voice actors settle AI cloning suit with startup",
        "The performers agreed to settle their claims; the AI voice company will pay an undisclosed sum and "
        "remove the cloned voices from its platform. Terms of the settlement were not disclosed.",
        [],
    ),
    (
        "agreement",
        "SAG-AFTRA reaches tentative four-year deal with studios",
        "The tentative agreement includes new AI guardrails on digital replicas and synthetic performers. "
        "The national board will send it to members.",
        [SAG_AFTRA],
    ),
    (
        "ratification",
        "SAG-AFTRA members ratify contract with first AI protections",
        "Members voted 78% in favour, ratifying the TV/theatrical contract that ended the 118-day strike. "
        "It requires consent and compensation for digital replicas.",
        [SAG_AFTRA],
    ),
    (
        "strike_start",
        "Hollywood actors go on strike over pay and AI",
        "SAG-AFTRA's national board voted to call a strike after talks with the studios collapsed, "
        "joining the Writers Guild on the picket lines. Actors fear being replaced by digital replicas.",
        [SAG_AFTRA],
    ),
    (
        "strike_end",
        "Writers' strike ends pending ratification",
        "The Writers Guild's leaders voted to end the 148-day strike; members can return to work on "
        "Wednesday while the AI rules in the new deal go to a ratification vote.",
        [WGA],
    ),
    (
        "legislation",
        "California governor signs bills protecting actors' digital replicas",
        "Gavin Newsom signed AB 2602 and AB 1836 into law, requiring consent before an AI digital "
        "replica of a performer's voice or likeness is used in film or TV.",
        [SAG_AFTRA],
    ),
    (
        "deal",
        "Lionsgate partners with Runway on a custom AI video model",
        "The studio will license its film library to train a generative AI model for its filmmakers.",
        [LIONSGATE, RUNWAY],
    ),
    (
        "investment",
        "Disney invests $1 billion in OpenAI",
        "The studio takes an equity stake in the AI company, valued at hundreds of billions of dollars; "
        "its characters will appear in Sora videos.",
        [DISNEY, OPENAI],
    ),
    (
        "product_launch",
        "OpenAI launches Sora 2 and a social video app",
        "The text-to-video model is now available to users in the US and Canada; Hollywood studios worry "
        "about their characters appearing in clips.",
        [OPENAI],
    ),
    (
        "announcement",
        "OpenAI unveils Sora, a text-to-video model",
        "The company showed minute-long clips made from text prompts; filmmakers and VFX artists reacted "
        "with awe and alarm. It has not set a release date.",
        [OPENAI],
    ),
    (
        "statement",
        "SAG-AFTRA condemns AI 'actress' Tilly Norwood",
        "The union said creativity is, and should remain, human-centred, and warned producers that the "
        "synthetic performer was trained on the work of countless actors without permission.",
        [SAG_AFTRA],
    ),
]


@pytest.mark.parametrize(("kind", "title", "body", "entities"), ARTICLES, ids=[a[0] for a in ARTICLES])
def test_each_kind_is_recognised_in_a_realistic_article(kind, title, body, entities):
    result = classify(title, body, entities)
    assert result.kind == kind, result.matched_rules
    assert result.relevant
    assert 0 < result.confidence <= 1
    assert any(rule.startswith(f"{kind}#") for rule in result.matched_rules)


def test_every_event_kind_but_other_has_a_realistic_example():
    assert {a[0] for a in ARTICLES} == set(Event.Kind.values) - {"other"}


def test_an_article_no_rule_speaks_to_is_other_with_no_confidence():
    result = classify(
        "A day on set with the crew of a sci-fi series", "Lunch was at noon. AI was on everyone's mind."
    )
    assert result == Classification(
        kind="other",
        confidence=0.0,
        relevant=result.relevant,
        ai_side=result.ai_side,
        entertainment_side=result.entertainment_side,
        matched_rules=result.matched_rules,
    )


def test_a_clear_headline_is_more_confident_than_a_mixed_one():
    clear = classify("Getty Images sues Stability AI", "The lawsuit was filed in Delaware.", [STABILITY])
    mixed = classify("Getty and Stability AI settle, judge rules on fees", "The lawsuit ends.", [STABILITY])
    assert clear.kind == "lawsuit_filed" and clear.confidence > 0.8
    assert mixed.confidence < clear.confidence


def test_ratification_pending_is_not_yet_a_ratification():
    result = classify(
        "Tentative deal goes to members for ratification", "The WGA board approved the deal.", [WGA]
    )
    assert result.kind == "agreement"


def test_a_pure_ai_article_about_chips_is_not_relevant():
    result = classify(
        "Nvidia unveils new AI chips for data centres",
        "The generative AI boom has lifted demand for its accelerators; large language models need ever more "
        "compute, and chip producers are racing to keep up with machine learning workloads.",
        [org("Nvidia", "tech_company")],
    )
    assert not result.relevant
    assert "AI" in result.ai_side and result.entertainment_side == []


def test_a_pure_film_article_is_not_relevant():
    result = classify(
        "Box office: horror sequel tops the weekend",
        "The film took $40 million in North America as audiences returned to cinemas; the studio's "
        "streaming release follows in six weeks. Actors and the director toured for the premiere.",
        [DISNEY],
    )
    assert not result.relevant
    assert result.ai_side == [] and "The Walt Disney Company" in result.entertainment_side


def test_ratifying_ai_protections_is_relevant_from_keywords_alone():
    result = classify("SAG-AFTRA ratifies AI protections", "Members approved the contract.", [])
    assert result.relevant and result.kind == "ratification"
    assert "AI" in result.ai_side and "SAG-AFTRA" in result.entertainment_side


def test_linked_organisations_make_the_sides_without_keywords():
    result = classify("Runway and Lionsgate sign a deal", "Terms were not disclosed.", [RUNWAY, LIONSGATE])
    assert result.relevant
    assert result.ai_side == ["Runway"] and result.entertainment_side == ["Lionsgate"]


def test_people_and_other_organisation_kinds_make_no_side():
    person = Entity(kind="person", id=1, name="Sam Altman", org_kind="", count=3)
    result = classify("Sam Altman meets Microsoft", "They met.", [person, org("Microsoft", "tech_company")])
    assert not result.relevant and result.ai_side == [] and result.entertainment_side == []


def test_a_weak_entertainment_word_alone_is_not_a_side():
    result = classify(
        "Google opens a new AI studio for developers", "The studio hosts models for coders.", []
    )
    assert not result.relevant


def test_threat_actors_are_not_actors():
    result = classify(
        "AI helps threat actors write malware", "Security firms say bad actors use chatbots.", []
    )
    assert not result.relevant


def test_entities_may_be_plain_dicts():
    entities = [{"kind": "organisation", "id": 1, "name": "Netflix", "org_kind": "streamer", "count": 2}]
    result = classify("Netflix reveals generative AI footage in an Argentine series", "", entities)
    assert result.relevant and result.entertainment_side[0] == "Netflix"


def test_the_seed_article_is_relevant_with_a_sensible_kind():
    text = SEED_ARTICLE.read_text()
    result = classify("OpenAI courts Hollywood with its Sora video generator", text, [OPENAI, SAG_AFTRA, WGA])
    assert result.relevant
    assert result.kind in {"announcement", "statement", "other"}
    assert {"OpenAI", "Sora"} <= set(result.ai_side)
    assert {"SAG-AFTRA", "Hollywood"} <= set(result.entertainment_side)


def test_a_rule_for_an_unknown_kind_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="'lawsuit' is not an event kind"):
        classify_module._load_kind_rules([{"kind": "lawsuit", "weight": 1, "pattern": "sue"}])


def test_a_broken_pattern_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="not a valid regular expression"):
        classify_module._load_kind_rules([{"kind": "deal", "weight": 1, "pattern": "(deal"}])
