"""Classification: the kind of event an article reports, with a confidence, and whether it is in scope."""

import re
import string
import sys
from pathlib import Path

import pytest

from events.models import Event
from ingest import classify as classify_module
from ingest import rules
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


# How coverage words each kind, beyond the wordings of the labelled sets: headline and lead as wire copy,
# trade press and blogs write them, each followed by a line of background.
PHRASINGS = [
    (
        "lawsuit_filed",
        "Voice actors take AI startup to court over cloned voices",
        "Two voice actors have taken an AI startup to court, saying it sold copies of their voices.",
    ),
    (
        "lawsuit_filed",
        "Illustrators bring copyright case against image generator",
        "A group of illustrators brought a copyright case against the company on Monday.",
    ),
    (
        "lawsuit_filed",
        "Studio hits AI firm with copyright suit",
        "The studio filed a complaint in federal court accusing the firm of copying its films.",
    ),
    (
        "lawsuit_filed",
        "Union files unfair labor practice charge over AI voice",
        "The union filed a charge with the labor board on Friday, saying the company replaced performers with AI.",
    ),
    (
        "ruling",
        "Judge tosses most claims in artists' AI case",
        "A federal judge dismissed most of the artists' claims on Monday but let them amend the complaint.",
    ),
    (
        "ruling",
        "Court rejects AI company's bid to end studios' lawsuit",
        "A judge rejected the company's motion to dismiss on Tuesday.",
    ),
    ("ruling", "AI firm wins fair use fight with authors", "A judge ruled that training on the books was fair use."),
    (
        "ruling",
        "Authors' claim against chatbot maker survives",
        "The claim can proceed, the judge wrote in a 40-page order.",
    ),
    (
        "settlement",
        "AI company settles with authors for $1.5 billion",
        "The company agreed to pay authors to end the class action.",
    ),
    (
        "settlement",
        "Judge signs off on voice actors' settlement with AI firm",
        "The court approved the settlement on Thursday.",
    ),
    (
        "agreement",
        "Animators' union and studios reach tentative deal",
        "The guild reached a tentative agreement with the studios late on Friday.",
    ),
    (
        "agreement",
        "Directors Guild hammers out new contract with AI terms",
        "The guild hammered out a new contract with the studios over the weekend.",
    ),
    (
        "ratification",
        "Writers overwhelmingly ratify new contract",
        "Members of the guild voted overwhelmingly to ratify the agreement, the union said.",
    ),
    (
        "ratification",
        "Actors approve deal with AI protections",
        "Members of the union approved the contract with 78 per cent of the vote.",
    ),
    (
        "strike_start",
        "Video game actors walk out over AI",
        "Video game performers walked off the job on Friday after talks over AI broke down.",
    ),
    (
        "strike_start",
        "Writers hit the picket lines",
        "Thousands of writers hit the picket lines on Tuesday after their contract expired.",
    ),
    ("strike_end", "Actors' strike is over", "The union's board voted to end the walkout after 118 days."),
    (
        "strike_end",
        "Writers' union lifts strike order",
        "The guild lifted its strike order on Tuesday, letting members go back to work.",
    ),
    (
        "legislation",
        "Governor signs AI likeness bill into law",
        "The governor signed the bill into law on Friday, protecting performers from unauthorised replicas.",
    ),
    (
        "legislation",
        "Senators reintroduce bill to ban unauthorised digital replicas",
        "A group of senators reintroduced the bill on Wednesday.",
    ),
    ("legislation", "EU AI rules take effect", "The European rules on AI took effect on Thursday."),
    (
        "deal",
        "Studio inks licensing pact with AI video company",
        "The studio signed a licensing pact that lets the company train on its library.",
    ),
    (
        "deal",
        "Streamer teams up with AI startup on dubbing",
        "The streamer has teamed up with the startup to dub its series.",
    ),
    (
        "deal",
        "Game publisher signs on with voice AI company",
        "The publisher signed on with the company in a multi-year partnership.",
    ),
    (
        "investment",
        "Studio takes stake in AI video startup",
        "The studio took a minority stake in the startup, the companies said.",
    ),
    (
        "investment",
        "AI film startup raises $50 million",
        "The startup raised $50 million in a round led by a venture firm.",
    ),
    (
        "product_launch",
        "AI video app now available to everyone",
        "The app is now available to all users in the United States.",
    ),
    (
        "product_launch",
        "Company rolls out AI dubbing tool to creators",
        "The company rolled out its dubbing tool on Tuesday.",
    ),
    (
        "announcement",
        "Streamer sets up in-house AI studio",
        "The streamer is setting up an in-house AI studio to develop production tools.",
    ),
    (
        "announcement",
        "Guild publishes guidelines on AI in writers rooms",
        "The guild published guidelines for members on the use of AI.",
    ),
    (
        "announcement",
        "AI company names former studio chief as head of film",
        "The company named the former executive as its head of film partnerships.",
    ),
    (
        "announcement",
        "AI video company shows off new model, not yet available",
        "The company previewed its new video model on Thursday; it is not yet available to the public.",
    ),
    (
        "statement",
        "Actors' union condemns AI 'actress'",
        "The union said in a statement that the character is not an actor and is trained on performers' work.",
    ),
    (
        "statement",
        "Agencies push back on video app",
        "The agencies said the app puts their clients at risk, and called on the company to act.",
    ),
    (
        "statement",
        "Director warns studios against AI shortcuts",
        "The director warned studios on Monday that AI would not save them money, in an interview since its launch.",
    ),
]


@pytest.mark.parametrize(("kind", "title", "lead"), PHRASINGS, ids=[f"{p[0]}-{n}" for n, p in enumerate(PHRASINGS)])
def test_the_kind_is_read_from_the_many_ways_coverage_words_it(kind, title, lead):
    labour = any(word in f"{title} {lead}".lower() for word in ("union", "guild"))
    result = classify(title, f"{lead}\nThe companies did not comment further.", [SAG_AFTRA] if labour else [])
    assert result.kind == kind, (result.rule, result.matched_rules)


def test_background_in_the_last_paragraph_does_not_decide_the_kind():
    result = classify(
        "Union condemns the studio's AI extras",
        "The union said in a statement that scanning extras without pay is wrong.\nThe studio launched its "
        "streaming app last year and released three films since.",
        [SAG_AFTRA],
    )
    assert result.kind == "statement"


def test_a_specific_kind_the_lead_states_beats_the_says_of_the_story():
    result = classify(
        "A new deal for voices",
        "The studio signed a licensing pact with the AI company, it said. The union said it was consulted, "
        "and the company said more deals would follow.",
        [SAG_AFTRA],
    )
    assert result.kind == "deal" and result.rule.startswith("deal#")


def test_every_event_kind_but_other_has_a_realistic_example():
    assert {a[0] for a in ARTICLES} == set(Event.Kind.values) - {"other"}


def test_an_article_no_rule_speaks_to_is_other_with_no_confidence():
    result = classify("A day on set with the crew of a sci-fi series", "Lunch was at noon. AI was on everyone's mind.")
    assert result == Classification(
        kind="other",
        confidence=0.0,
        relevant=result.relevant,
        ai_side=result.ai_side,
        entertainment_side=result.entertainment_side,
        matched_rules=result.matched_rules,
        rule="no rule scored enough",
    )


def test_a_clear_headline_is_more_confident_than_a_mixed_one():
    clear = classify("Getty Images sues Stability AI", "The lawsuit was filed in Delaware.", [STABILITY])
    mixed = classify("Getty and Stability AI settle, judge rules on fees", "The lawsuit ends.", [STABILITY])
    assert clear.kind == "lawsuit_filed" and clear.confidence > 0.8
    assert mixed.confidence < clear.confidence


def test_ratification_pending_is_not_yet_a_ratification():
    result = classify("Tentative deal goes to members for ratification", "The WGA board approved the deal.", [WGA])
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


def test_one_passing_mention_deep_in_a_long_story_does_not_make_a_side():
    opening = (
        "Science fiction films put their crews into hibernation pods to cross space. The space agency has now "
        "studied what real hibernation would mean for the design of a mission to Mars. "
    )
    filler = "The crew modules, the shielding and the supplies would all change in size and mass. " * 20
    ai = "Artificial intelligence would run the ship."
    deep = classify("Hibernating crews need smaller ships", opening + filler + ai)
    assert not deep.relevant
    early = classify("Hibernating crews need smaller ships", opening + ai)
    assert early.relevant


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
    result = classify("Google opens a new AI studio for developers", "The studio hosts models for coders.", [])
    assert not result.relevant


def test_threat_actors_are_not_actors():
    result = classify("AI helps threat actors write malware", "Security firms say bad actors use chatbots.", [])
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


# --- The fast paths (prefilter, lower-cased twins) change speed, never results -----------------------


def _plain_score_and_evidence(title, text, org_kinds):
    """What classify computes, the slow way: every rule's own regex, on the text as written."""
    scores, fired = {}, []
    lead, rest = classify_module.split_lead(title, text)
    for rule in classify_module.KIND_RULES:
        if rule.only_with_org_kinds and not (rule.only_with_org_kinds & org_kinds):
            continue
        in_title = len(rule.regex.findall(title)) if rule.in_title else 0
        in_lead = min(len(rule.regex.findall(lead)), rules.BODY_MATCH_CAP) if rule.in_body else 0
        in_rest = min(len(rule.regex.findall(rest)), rules.BODY_MATCH_CAP) if rule.in_body else 0
        if in_title or in_lead or in_rest:
            points = rule.weight * (
                in_title * rules.TITLE_MULTIPLIER + in_lead * rules.LEAD_MULTIPLIER + in_rest * rules.REST_MULTIPLIER
            )
            scores[rule.kind] = scores.get(rule.kind, 0.0) + points
            fired.append(f"{rule.name}:{'title' if in_title else 'lead' if in_lead else 'body'}")
    evidence = []
    for keyword in classify_module.AI_KEYWORDS + classify_module.ENTERTAINMENT_KEYWORDS:
        match = keyword.regex.search(title) or keyword.regex.search(text)
        evidence.append(match.group(0) if match else None)
    return scores, fired, evidence


def _fast_score_and_evidence(title, text, org_kinds):
    title, text = classify_module._Text.of(title), classify_module._Text.of(text)
    scores, fired = classify_module.score_kinds(title, text, org_kinds)
    evidence = [
        classify_module._search(keyword, title) or classify_module._search(keyword, text)
        for keyword in classify_module.AI_KEYWORDS + classify_module.ENTERTAINMENT_KEYWORDS
    ]
    return scores, fired, evidence


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s,
        str.upper,
        str.swapcase,
        # The characters re.IGNORECASE matches to ASCII letters but str.lower() does not map to them.
        lambda s: s.replace("i", "\u0131").replace("I", "\u0130").replace("s", "\u017f"),
        lambda s: s.replace("k", "\u212a").replace("'", "\u2019").replace("-", "\u2011"),
    ],
)
def test_the_fast_paths_score_and_quote_exactly_what_the_plain_regexes_do(variant):
    texts = [(title, body) for _, title, body, _ in ARTICLES] + [
        ("OpenAI courts Hollywood with its Sora video generator", SEED_ARTICLE.read_text())
    ]
    for title, body in texts:
        for org_kinds in (set(), {"union"}):
            title_v, body_v = variant(title), variant(body)
            assert _fast_score_and_evidence(title_v, body_v, org_kinds) == _plain_score_and_evidence(
                title_v, body_v, org_kinds
            )


def test_lower_casing_keeps_every_character_matching_as_re_ignorecase_does():
    """The lower-cased twins rely on this for every code point (Unicode tables change with Python)."""
    odd = classify_module._ODD_CASE
    word, space, digit = re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")
    letters = {letter: re.compile(letter, re.IGNORECASE) for letter in string.ascii_lowercase}
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    wrong = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        low = char.translate(odd).lower()
        if len(low) != 1 or any(bool(c.match(char)) != bool(c.match(low)) for c in (word, space, digit)):
            wrong.append(hex(code))
        elif code < 128 and not char.isalpha():
            if low != char:
                wrong.append(hex(code))
        elif code < 128 or low.isascii() or any_letter.match(char):
            if any(bool(pattern.fullmatch(char)) != (low == letter) for letter, pattern in letters.items()):
                wrong.append(hex(code))
    assert wrong == []
