"""Classify an article: which kind of event it reports, how sure we are, and whether it is in scope.

The rules are data in `ingest/rules.py`; this module only scores them. Each kind's score is the sum of
its rules' weights over their matches (title matches count TITLE_MULTIPLIER times, body matches at most
BODY_MATCH_CAP times per rule). The best kind wins; confidence is how clearly it beats the runner-up,
scaled down while the winning score is still small. An article is relevant only when it has an AI side
(an AI company among the linked organisations, or AI keywords) and an entertainment side (a studio,
streamer, union, trade body, talent agency or production company, or entertainment keywords).

`entities` is what `ingest.link` found: a list of `ingest.link.Entity` or of dicts with the same keys,
`kind` ("organisation" or "person"), `id`, `name`, `org_kind` (an `Organisation.Kind` value, "" for
people) and `count` (mentions). Only organisations decide a side; people count for neither.

Speed: most rules cannot match most articles, and a case-insensitive regex costs a full scan of the
text even when it finds nothing. So each pattern is analysed once, when the rules load, for the literal
strings every match must start with ("ratif" for `\\bratif(?:y|ies|...)`); a plain substring test on the
lower-cased text (C's fast search) skips the regex when none occurs. The skip never changes a result:
only a pattern whose every match begins with one of its prefixes gets a prefilter.

A case-insensitive regex that does run is run as its lower-cased, case-sensitive twin on the lower-cased
text (about three times faster in `re`). Same matches at the same places: the lower-cased text is as
long as the text, character for character, and each character of it matches a pattern letter, a word,
digit or space class exactly when the original does under re.IGNORECASE (checked over every code point
by tests/ingest/test_classify.py, as Unicode tables change with Python). Only ASCII patterns without
upper-case escapes (\\S, \\W...) or inline flags get a twin; evidence is cut from the original text.
"""

import re
from dataclasses import dataclass, field
from itertools import islice
from re import _constants as sre
from re import _parser as sre_parser

from events.models import Event

from . import rules


@dataclass(frozen=True)
class Classification:
    kind: str  # an Event.Kind value
    confidence: float  # 0..1
    relevant: bool
    # Evidence for each side (organisation names, then keywords as written); empty when the side is absent.
    ai_side: list[str] = field(default_factory=list)
    entertainment_side: list[str] = field(default_factory=list)
    matched_rules: list[str] = field(default_factory=list)  # "kind#n:title" or "kind#n:body" per rule that fired
    rule: str = ""  # the rule that decided the kind: the winning kind's strongest, or why none did
    route: str = ""  # how the two sides were met: "screen" (AI and the screen industries) or "copyright suit"


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    weight: float
    regex: re.Pattern
    only_with_org_kinds: frozenset
    in_title: bool
    in_body: bool
    prefixes: tuple | None  # see _literal_prefixes; None: always run the regex
    folded: re.Pattern | None  # see _folded_twin; None: run `regex` on the original text

    @property
    def case_sensitive(self):
        return not self.regex.flags & re.IGNORECASE


@dataclass(frozen=True)
class _Keyword:
    label: str
    weight: int
    regex: re.Pattern
    prefixes: tuple | None
    folded: re.Pattern | None

    case_sensitive = _Rule.case_sensitive


def _compile(pattern, case_sensitive, where):
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"ingest.rules: the pattern of {where} is not a valid regular expression: {exc}") from exc


# --- Prefilter: literal prefixes every match must start with ---------------------------------------

MAX_PREFIXES = 64  # more alternatives than this and the substring tests cost more than the regex
# The only characters that re.IGNORECASE matches to an ASCII letter while str.lower() does not map them
# to it (İ, dotless ı, long ſ); text holding one is mapped before the substring tests.
_ODD_CASE = {0x130: "i", 0x131: "i", 0x17F: "s"}
_ODD_CASE_RE = re.compile("[\u0130\u0131\u017f]")
_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}


def _sequence_prefixes(items):
    """(prefixes, complete) for a parsed sequence: `complete` when the strings are whole matches of it."""
    prefixes = {""}
    for op, arg in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL and arg < 128:
            heads, complete = {chr(arg)}, True
        elif op is sre.IN and arg and all(o is sre.LITERAL and a < 128 for o, a in arg):
            heads, complete = {chr(a) for _, a in arg}, True
        elif op is sre.SUBPATTERN and not (arg[1] or arg[2]):  # no inline flags inside
            heads, complete = _sequence_prefixes(arg[3])
        elif op is sre.BRANCH:
            heads, complete = set(), True
            for alternative in arg[1]:
                branch, branch_complete = _sequence_prefixes(alternative)
                heads |= branch
                complete = complete and branch_complete
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and arg[0] >= 1:
            heads, complete = _sequence_prefixes(arg[2])
            complete = complete and arg[0] == arg[1] == 1
        else:  # optional, repeated or any-character parts: the prefix ends here
            return prefixes, False
        combined = {prefix + head for prefix in prefixes for head in heads}
        if len(combined) > MAX_PREFIXES:
            return prefixes, False
        prefixes = combined
        if not complete:
            return prefixes, False
    return prefixes, True


def _literal_prefixes(regex):
    """The lower-cased literal strings one of which starts every match of `regex`, or None if some
    match could start with anything (then the regex always runs)."""
    try:
        parsed = sre_parser.parse(regex.pattern, regex.flags)
        prefixes, _ = _sequence_prefixes(list(parsed))
    except RecursionError:
        return None
    if not prefixes or "" in prefixes:
        return None
    if not regex.flags & re.IGNORECASE:
        return tuple(sorted(prefixes))
    return tuple(sorted({prefix.lower() for prefix in prefixes}))


@dataclass(frozen=True)
class _Text:
    """A text with the lower-cased copy its prefilter tests read."""

    raw: str
    lower: str

    @classmethod
    def of(cls, text):
        if not text.isascii() and _ODD_CASE_RE.search(text):
            return cls(text, text.translate(_ODD_CASE).lower())
        return cls(text, text.lower())


def _may_match(compiled, text):
    """False only when the regex certainly finds nothing in `text` (a _Text)."""
    if compiled.prefixes is None:
        return True
    haystack = text.raw if compiled.case_sensitive else text.lower
    return any(prefix in haystack for prefix in compiled.prefixes)


_UNFOLDABLE = re.compile(r"\\[A-Z]|\(\?[a-zA-Z-]|\(\?P[=<]")


def _folded_twin(regex):
    """The case-sensitive, lower-cased twin of a case-insensitive ASCII regex, or None (see the docstring)."""
    source = regex.pattern
    if not regex.flags & re.IGNORECASE or not source.isascii() or _UNFOLDABLE.search(source):
        return None
    return re.compile(source.lower(), regex.flags & ~re.IGNORECASE)


def _finditer(compiled, text):
    if compiled.folded is not None:
        return compiled.folded.finditer(text.lower)
    return compiled.regex.finditer(text.raw)


def _count(compiled, text, cap=None):
    """Matches of the regex in `text` (a _Text), counting at most `cap`."""
    if not text.raw or not _may_match(compiled, text):
        return 0
    matches = _finditer(compiled, text)
    return sum(1 for _ in (matches if cap is None else islice(matches, cap)))


def _search(compiled, text):
    """The first match in `text` (a _Text) as written in the original text, or None."""
    if not text.raw or not _may_match(compiled, text):
        return None
    match = next(_finditer(compiled, text), None)
    return text.raw[match.start() : match.end()] if match else None


def _load_kind_rules(raw_rules):
    kinds, loaded, numbers = set(Event.Kind.values), [], {}
    for raw in raw_rules:
        kind = raw.get("kind")
        if kind not in kinds:
            raise ValueError(f"ingest.rules: {kind!r} is not an event kind (one of {sorted(kinds)}).")
        where = raw.get("where", "both")
        if where not in ("title", "body", "both"):
            raise ValueError(f"ingest.rules: `where` is title, body or both, not {where!r}.")
        numbers[kind] = numbers.get(kind, 0) + 1
        name = raw.get("name") or f"{kind}#{numbers[kind]}"
        regex = _compile(raw["pattern"], raw.get("case_sensitive", False), f"rule {name}")
        loaded.append(
            _Rule(
                name=name,
                kind=kind,
                weight=float(raw["weight"]),
                regex=regex,
                only_with_org_kinds=frozenset(raw.get("only_with_org_kinds", ())),
                in_title=where != "body",
                in_body=where != "title",
                prefixes=_literal_prefixes(regex),
                folded=_folded_twin(regex),
            )
        )
    return loaded


def _load_keywords(raw_keywords, side):
    loaded = []
    for raw in raw_keywords:
        term = raw["term"]
        regex = _compile(rf"(?<!\w)(?:{term})(?!\w)", raw.get("case_sensitive", False), f"{side} keyword {term!r}")
        loaded.append(
            _Keyword(
                label=term,
                weight=int(raw["weight"]),
                regex=regex,
                prefixes=_literal_prefixes(regex),
                folded=_folded_twin(regex),
            )
        )
    return loaded


KIND_RULES = _load_kind_rules(rules.KIND_RULES)
AI_KEYWORDS = _load_keywords(rules.AI_KEYWORDS, "AI")
ENTERTAINMENT_KEYWORDS = _load_keywords(rules.ENTERTAINMENT_KEYWORDS, "entertainment")
COURT_KEYWORDS = _load_keywords(rules.COURT_KEYWORDS, "court")
CREATOR_KEYWORDS = _load_keywords(rules.CREATOR_KEYWORDS, "creator")
# What remains when no specific kind holds: a specific kind with a clear score always wins over it.
FALLBACK_KIND = Event.Kind.STATEMENT.value


def _get(entity, key):
    return entity.get(key) if isinstance(entity, dict) else getattr(entity, key, None)


def _organisations(entities):
    """(name, org_kind, count) of the linked organisations, most mentioned first."""
    found = [
        (_get(e, "name") or "", _get(e, "org_kind") or "", _get(e, "count") or 1)
        for e in entities or ()
        if _get(e, "kind") == "organisation"
    ]
    return sorted(found, key=lambda item: -item[2])


def score_kinds(title, text, org_kinds):
    """{kind: score} and the names of the rules that fired. `title` and `text` are str or _Text."""
    scores, fired, _, _ = _score_kinds(title, text, org_kinds)
    return scores, fired


def split_lead(title, text):
    """(lead, rest) of an article's text: the lead is its first paragraph (without a repeated headline), cut
    near LEAD_CHARS. Real coverage says what happened in the headline and the lead; the rest is background
    ("since its launch", "after it took a stake last year") that must not decide the kind."""
    text = text or ""
    start, end = _lead_span(title, text)
    return text[start:end], text[end:]


def _lead_span(title, text):
    """(start, end) of the lead in `text`; the rest is text[end:]."""
    head = " ".join((title or "").split()).casefold()
    offset = 0
    for paragraph in text.split("\n"):
        if paragraph.strip() and not (head and " ".join(paragraph.split()).casefold() == head):
            length = len(paragraph)
            if length > rules.LEAD_CHARS:
                cut = paragraph.rfind(" ", 0, rules.LEAD_CHARS)
                length = cut if cut > 0 else rules.LEAD_CHARS
            return offset, offset + length
        offset += len(paragraph) + 1
    return len(text), len(text)


def _score_kinds(title, text, org_kinds):
    """score_kinds, {kind: (points, rule name)} of each kind's strongest rule, and the kinds the headline or
    the lead states (a rule of weight STATED_WEIGHT or more matched there).

    Each match counts TITLE_MULTIPLIER in the title, LEAD_MULTIPLIER in the lead and REST_MULTIPLIER in the
    rest of the text (at most BODY_MATCH_CAP matches in each part). The lead and the rest are slices of the
    text's lower-cased copy (lower-casing keeps lengths once _Text.of has mapped the odd characters), and a
    rule whose prefixes are nowhere in the whole text is skipped with one test, not two."""
    title = title if isinstance(title, _Text) else _Text.of(title or "")
    text = text if isinstance(text, _Text) else _Text.of(text or "")
    start, end = _lead_span(title.raw, text.raw)
    lead = _Text(text.raw[start:end], text.lower[start:end])
    rest = _Text(text.raw[end:], text.lower[end:])
    scores, fired, strongest, stated = {}, [], {}, set()
    for rule in KIND_RULES:
        if rule.only_with_org_kinds and not (rule.only_with_org_kinds & org_kinds):
            continue
        in_title = _count(rule, title) if rule.in_title else 0
        in_lead = in_rest = 0
        if rule.in_body and text.raw and _may_match(rule, text):
            in_lead = _count(rule, lead, cap=rules.BODY_MATCH_CAP)
            in_rest = _count(rule, rest, cap=rules.BODY_MATCH_CAP)
        if not (in_title or in_lead or in_rest):
            continue
        points = rule.weight * (
            in_title * rules.TITLE_MULTIPLIER + in_lead * rules.LEAD_MULTIPLIER + in_rest * rules.REST_MULTIPLIER
        )
        scores[rule.kind] = scores.get(rule.kind, 0.0) + points
        name = f"{rule.name}:{'title' if in_title else 'lead' if in_lead else 'body'}"
        fired.append(name)
        if points > strongest.get(rule.kind, (0.0, ""))[0]:
            strongest[rule.kind] = (points, name)
        if (in_title or in_lead) and rule.weight >= rules.STATED_WEIGHT:
            stated.add(rule.kind)
    return scores, fired, strongest, stated


def confidence(best, runner_up):
    """The winner's margin over the runner-up, times how far the winner is towards a confident score."""
    if best <= 0:
        return 0.0
    margin = (best - max(runner_up, 0.0)) / best
    strength = min(1.0, best / rules.CONFIDENT_SCORE)
    return round(margin * strength, 3)


def _side(org_names, keywords, title, text):
    """The evidence for one side, and whether it adds up to SIDE_THRESHOLD."""
    evidence, total = list(org_names), rules.STRONG * len(org_names)
    for keyword in keywords:
        match = _search(keyword, title) or _search(keyword, text)
        if match:
            evidence.append(match)
            total += keyword.weight
    return evidence, total >= rules.SIDE_THRESHOLD


def _speaks_in(head, keywords, org_names):
    """Whether a side speaks in `head` (a _Text): one of its keywords, or a
    distinctive word (four letters or more, capitalised) of one of its organisations' names."""
    if any(_search(keyword, head) for keyword in keywords):
        return True
    words = {w for name in org_names for w in re.findall(r"[A-Z][\w.-]{3,}", name) if w not in ("The", "Company")}
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", head.raw) for w in words)


def classify(title, text, entities=()):
    """Classify one article; see the module docstring for the shape of `entities`."""
    title, text = _Text.of(title or ""), _Text.of(text or "")
    organisations = _organisations(entities)
    org_kinds = {org_kind for _, org_kind, _ in organisations}

    scores, fired, strongest, stated = _score_kinds(title, text, org_kinds)
    kind, sure, rule = choose_kind(scores, strongest, stated)

    ai_orgs = [name for name, org_kind, _ in organisations if org_kind in rules.AI_ORG_KINDS]
    ent_orgs = [name for name, org_kind, _ in organisations if org_kind in rules.ENTERTAINMENT_ORG_KINDS]
    ai_side, has_ai = _side(ai_orgs, AI_KEYWORDS, title, text)
    ent_side, has_ent = _side(ent_orgs, ENTERTAINMENT_KEYWORDS, title, text)
    if has_ai and has_ent:
        # A side with one piece of evidence that only comes deep in a long story about something else
        # ("artificial intelligence" once, 3,000 characters into a piece on spacecraft) is not what the
        # article is about: a single mention counts in the headline or the opening paragraphs.
        opening = _Text.of(f"{title.raw}\n{text.raw[: rules.OPENING_CHARS]}")
        has_ai = len(ai_side) >= 2 or _speaks_in(opening, AI_KEYWORDS, ai_orgs)
        has_ent = len(ent_side) >= 2 or _speaks_in(opening, ENTERTAINMENT_KEYWORDS, ent_orgs)
    route = "screen" if has_ai and has_ent else ""
    if has_ai and not has_ent:
        # A publisher's or artists' copyright suit against an AI company: the court and the work copied.
        court, has_court = _side([], COURT_KEYWORDS, title, text)
        creator_orgs = [name for name, org_kind, _ in organisations if org_kind in rules.CREATOR_ORG_KINDS]
        creators, has_creators = _side(creator_orgs, CREATOR_KEYWORDS, title, text)
        if has_court and has_creators:
            route, has_ent, ent_side = "copyright suit", True, court + creators
    return Classification(
        kind=kind,
        confidence=sure,
        relevant=has_ai and has_ent,
        ai_side=ai_side if has_ai else [],
        entertainment_side=ent_side if has_ent else [],
        matched_rules=fired,
        rule=rule,
        route=route,
    )


def choose_kind(scores, strongest=None, stated=None):
    """(kind, confidence, deciding rule): the best specific kind when one holds, "statement" when only
    statement rules spoke (or a specific kind only brushed the background), "other" when nothing did.

    Says/said is in almost every story, so it never outscores a specific kind that holds: one with
    SPECIFIC_HOLDS points that the headline or the lead states (`stated`; None: every kind counts as
    stated), or with twice that anywhere."""
    strongest = strongest or {}
    specific = sorted(((k, v) for k, v in scores.items() if k != FALLBACK_KIND), key=lambda item: -item[1])
    statement = scores.get(FALLBACK_KIND, 0.0)
    if specific and specific[0][1] >= rules.MIN_KIND_SCORE:
        kind, best = specific[0]
        holds = best >= 2 * rules.SPECIFIC_HOLDS or (
            best >= rules.SPECIFIC_HOLDS and (stated is None or kind in stated)
        )
        if holds or statement < rules.MIN_KIND_SCORE:
            runner_up = specific[1][1] if len(specific) > 1 else 0.0
            return kind, confidence(best, runner_up), strongest.get(kind, (0, kind))[1]
    if statement >= rules.MIN_KIND_SCORE:
        best_specific = specific[0][1] if specific else 0.0
        return FALLBACK_KIND, confidence(statement, best_specific), strongest.get(FALLBACK_KIND, (0, FALLBACK_KIND))[1]
    return Event.Kind.OTHER.value, 0.0, "no rule scored enough"
