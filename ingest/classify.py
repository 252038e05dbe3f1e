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
"""

import re
from dataclasses import dataclass, field

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
    matched_rules: list[str] = field(
        default_factory=list
    )  # "kind#n:title" or "kind#n:body" per rule that fired


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    weight: float
    regex: re.Pattern
    only_with_org_kinds: frozenset
    in_title: bool
    in_body: bool


@dataclass(frozen=True)
class _Keyword:
    label: str
    weight: int
    regex: re.Pattern


def _compile(pattern, case_sensitive, where):
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ValueError(
            f"ingest.rules: the pattern of {where} is not a valid regular expression: {exc}"
        ) from exc


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
        loaded.append(
            _Rule(
                name=name,
                kind=kind,
                weight=float(raw["weight"]),
                regex=_compile(raw["pattern"], raw.get("case_sensitive", False), f"rule {name}"),
                only_with_org_kinds=frozenset(raw.get("only_with_org_kinds", ())),
                in_title=where != "body",
                in_body=where != "title",
            )
        )
    return loaded


def _load_keywords(raw_keywords, side):
    loaded = []
    for raw in raw_keywords:
        term = raw["term"]
        regex = _compile(
            rf"(?<!\w)(?:{term})(?!\w)", raw.get("case_sensitive", False), f"{side} keyword {term!r}"
        )
        loaded.append(_Keyword(label=term, weight=int(raw["weight"]), regex=regex))
    return loaded


KIND_RULES = _load_kind_rules(rules.KIND_RULES)
AI_KEYWORDS = _load_keywords(rules.AI_KEYWORDS, "AI")
ENTERTAINMENT_KEYWORDS = _load_keywords(rules.ENTERTAINMENT_KEYWORDS, "entertainment")


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
    """{kind: score} and the names of the rules that fired."""
    scores, fired = {}, []
    for rule in KIND_RULES:
        if rule.only_with_org_kinds and not (rule.only_with_org_kinds & org_kinds):
            continue
        in_title = len(rule.regex.findall(title)) if rule.in_title else 0
        in_body = min(len(rule.regex.findall(text)), rules.BODY_MATCH_CAP) if rule.in_body else 0
        if not (in_title or in_body):
            continue
        points = rule.weight * (in_title * rules.TITLE_MULTIPLIER + in_body)
        scores[rule.kind] = scores.get(rule.kind, 0.0) + points
        fired.append(f"{rule.name}:{'title' if in_title else 'body'}")
    return scores, fired


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
        match = keyword.regex.search(title) or keyword.regex.search(text)
        if match:
            evidence.append(match.group(0))
            total += keyword.weight
    return evidence, total >= rules.SIDE_THRESHOLD


def classify(title, text, entities=()):
    """Classify one article; see the module docstring for the shape of `entities`."""
    title, text = title or "", text or ""
    organisations = _organisations(entities)
    org_kinds = {org_kind for _, org_kind, _ in organisations}

    scores, fired = score_kinds(title, text, org_kinds)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best_kind, best = ranked[0] if ranked else (Event.Kind.OTHER.value, 0.0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < rules.MIN_KIND_SCORE:
        kind, sure = Event.Kind.OTHER.value, 0.0
    else:
        kind, sure = best_kind, confidence(best, runner_up)

    ai_orgs = [name for name, org_kind, _ in organisations if org_kind in rules.AI_ORG_KINDS]
    ent_orgs = [name for name, org_kind, _ in organisations if org_kind in rules.ENTERTAINMENT_ORG_KINDS]
    ai_side, has_ai = _side(ai_orgs, AI_KEYWORDS, title, text)
    ent_side, has_ent = _side(ent_orgs, ENTERTAINMENT_KEYWORDS, title, text)
    return Classification(
        kind=kind,
        confidence=sure,
        relevant=has_ai and has_ent,
        ai_side=ai_side if has_ai else [],
        entertainment_side=ent_side if has_ent else [],
        matched_rules=fired,
    )
