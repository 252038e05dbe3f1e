"""Which existing event (published or draft) does an article report? None, one, or for a roundup several.

An article reports the same happening as an event when, together, enough of these agree:
  * entities: the organisations and people it names, those of its headline and lead counting most
    (what a story is about is in its first sentences; its background names everyone);
  * text: the headline and lead against the event's title, summary and its sources' titles (rapidfuzz's
    token-set ratio on the headlines, and the share of the lead's content words the event uses);
  * kind: the same kind, or a neutral one ("statement", "other") on either side;
  * date, at the event's precision: a month-precision event takes any day of its month; a report comes on
    the day or days after (weeks, at a lower score), hardly ever before.
A roundup reports several events, a paragraph each: a paragraph that matches an event on its own, clearly,
makes the article a source of that event too.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q
from rapidfuzz import fuzz

from events.models import Event

from .dates import lead

# Events considered: from this long before the article's date to a little after it.
DAYS_BEFORE = 75
DAYS_AFTER = 3
MAX_CANDIDATES = 200
JOIN_SCORE = 0.58
MIN_TEXT_UNLESS_SAME_KIND = 0.2
PARAGRAPH_SCORE = 0.62
UNKNOWN_DATE_MARGIN = 0.1  # a roundup's paragraph must match its event at least this well on its own
WEIGHTS = {"entities": 0.32, "text": 0.33, "kind": 0.13, "date": 0.22}
NEUTRAL_KINDS = {Event.Kind.STATEMENT.value, Event.Kind.OTHER.value}

STOPWORDS = set(
    """a an the and or but of to in on at by for from with without as is are was were be been being it its this that
    these those his her their our your they them he she we you i has have had do does did not no new said says
    say will would could should can may might over under after before about into than then so such also more most
    one two three first last year years week weeks day days month months time who what which when where how
    all any some other others just only very up out off per via while since until amid among against ai""".split()
)
_WORD_RE = re.compile(r"[a-z0-9]+")


def content_words(text):
    """Stems of the content words: lower-case, stopwords out, the first five letters ('ratified' ~ 'ratify')."""
    return {word[:5] for word in _WORD_RE.findall((text or "").lower()) if word not in STOPWORDS and len(word) > 2}


@dataclass
class Match:
    event: Event
    score: float
    reasons: dict = field(default_factory=dict)


@dataclass
class ArticleFacts:
    """What the matcher needs of an article."""

    title: str
    text: str
    kind: str
    date: datetime.date | None  # the event date estimate (ingest.dates), None when unknown
    date_source: str
    lead_entities: set  # {(kind, id)} named in the headline and lead
    entities: set  # {(kind, id)} named anywhere
    # [(text, {(kind, id)}, (date, date source) or None)] of each paragraph, for roundups
    paragraphs: list = field(default_factory=list)


def _candidates(facts):
    organisation_ids = [i for kind, i in facts.entities if kind == "organisation"]
    person_ids = [i for kind, i in facts.entities if kind == "person"]
    events = Event.objects.exclude(status=Event.Status.REJECTED)
    shared = Q(organisation_links__organisation_id__in=organisation_ids) | Q(person_links__person_id__in=person_ids)
    if facts.date is not None:
        window = (facts.date - datetime.timedelta(days=DAYS_BEFORE), facts.date + datetime.timedelta(days=DAYS_AFTER))
        in_window = events.filter(date__range=window)
        # Events naming one of its entities in the window, and (for an article naming nobody) the nearest days'.
        ids = set(in_window.filter(shared).values_list("id", flat=True)[:MAX_CANDIDATES])
        near = (facts.date - datetime.timedelta(days=10), facts.date + datetime.timedelta(days=DAYS_AFTER))
        ids |= set(events.filter(date__range=near).values_list("id", flat=True)[:MAX_CANDIDATES])
    else:
        ids = set(events.filter(shared).order_by("-date").values_list("id", flat=True)[:MAX_CANDIDATES])
    if not ids:
        return []
    return list(
        Event.objects.filter(id__in=ids).prefetch_related(
            "organisation_links", "person_links", "sources", "article_links__article__candidate_names"
        )
    )


def _event_entities(event):
    """The event's organisations and people, and the unknown names its source articles share (a draft's
    only names are often ones the registry lacks yet: "Lingotone" in two reports of one deal)."""
    found = {("organisation", link.organisation_id) for link in event.organisation_links.all()} | {
        ("person", link.person_id) for link in event.person_links.all()
    }
    for link in event.article_links.all():
        found |= {("candidate", c.key) for c in link.article.candidate_names.all()}
    return found


def _overlap(mine, theirs):
    if not mine or not theirs:
        return 0.0
    return min(1.0, len(mine & theirs) / min(len(mine), len(theirs), 3))


def entity_score(lead_entities, entities, event_entities):
    return 0.7 * _overlap(lead_entities, event_entities) + 0.3 * _overlap(entities, event_entities)


def text_score(title, lead_text, event):
    """0..1: how much the article's headline and lead say what the event's title, summary and sources say."""
    headlines = [event.title, *(source.title for source in event.sources.all() if source.title)]
    headline = max((fuzz.token_set_ratio(title.lower(), h.lower()) for h in headlines), default=0) / 100
    mine = content_words(f"{title} {lead_text}")
    theirs = content_words(" ".join([event.summary, *headlines]))
    shared = len(mine & theirs) / min(len(mine), 12) if mine else 0.0
    return 0.4 * headline + 0.6 * min(1.0, shared)


def kind_score(kind, event_kind):
    if kind == event_kind:
        return 1.0
    if kind in NEUTRAL_KINDS or event_kind in NEUTRAL_KINDS:
        return 0.5
    return 0.0


def date_score(day, source, event):
    """0..1 at the event's precision; `day` is the article's event date estimate (None: unknown)."""
    if day is None or event.date_precision == Event.Precision.UNKNOWN:  # the placeholder day says nothing
        return 0.4
    if event.date_precision == Event.Precision.YEAR:
        return 1.0 if day.year == event.date.year else 0.0
    if event.date_precision == Event.Precision.MONTH:
        start = event.date.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        if start <= day < end:
            return 1.0
        after = (day - end).days
        return max(0.0, 0.8 - after / 30) if after >= 0 else 0.0
    lag = (day - event.date).days
    if source == "text":  # the article says which day: it is that day, or it is not the same happening
        return {0: 1.0, 1: 0.6, -1: 0.6}.get(lag, max(0.0, 0.3 - abs(lag) / 30))
    if -1 <= lag <= 3:  # published on the day, or in the days after
        return 1.0
    if lag < -1:
        return 0.0
    return max(0.0, 1.0 - (lag - 3) / 40)


def score(facts, event, *, lead_text=None, title=None, lead_entities=None, entities=None, day=None):
    """(score, reasons) of an article (or one of its paragraphs) against one event."""
    event_entities = _event_entities(event)
    parts = {
        "entities": entity_score(
            facts.lead_entities if lead_entities is None else lead_entities,
            facts.entities if entities is None else entities,
            event_entities,
        ),
        "text": text_score(
            facts.title if title is None else title, lead(facts.text) if lead_text is None else lead_text, event
        ),
        "kind": kind_score(facts.kind, event.kind),
        "date": date_score(facts.date, facts.date_source, event) if day is None else date_score(*day, event),
    }
    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    if parts["entities"] == 0 and parts["text"] < 0.5:
        total = min(total, JOIN_SCORE - 0.01)  # nothing in common but the day and the kind: not the same happening
    if parts["date"] == 0:
        total = min(total, JOIN_SCORE - 0.01)  # months apart, or the article's day is before the event's
    if parts["text"] < MIN_TEXT_UNLESS_SAME_KIND and parts["kind"] < 1:
        # Same organisations, same week, but no words in common and no kind to agree on: the same company
        # doing something else (a statement-like report is not every event of its subject that week).
        total = min(total, JOIN_SCORE - 0.01)
    return round(total, 3), {name: round(value, 2) for name, value in parts.items()}


def find_events(facts):
    """The events the article reports, best first: [] (a new happening), one, or several (a roundup)."""
    candidates = _candidates(facts)
    if not candidates:
        return []
    scored = sorted(
        (Match(event, *score(facts, event)) for event in candidates), key=lambda m: (-m.score, m.event.pk)
    )
    best = scored[0]
    # Without a date, only names and words speak: they must speak more clearly.
    needed = JOIN_SCORE + (UNKNOWN_DATE_MARGIN if facts.date is None else 0)
    chosen = [best] if best.score >= needed else []
    # A roundup: other events that one of its paragraphs matches clearly on its own.
    if len(facts.paragraphs) >= 3:
        taken = {m.event.pk for m in chosen}
        for paragraph, paragraph_entities, paragraph_day in facts.paragraphs:
            # A roundup says when each of its items happened: a paragraph without its own day is background.
            if not paragraph_entities or paragraph_day is None:
                continue
            ranked = sorted(
                (
                    Match(event, *score(facts, event, lead_text=paragraph, title="",
                                        lead_entities=paragraph_entities, entities=paragraph_entities,
                                        day=paragraph_day))
                    for event in candidates
                ),
                key=lambda m: (-m.score, m.event.pk),
            )  # fmt: skip
            top = ranked[0]
            if (
                top.score >= PARAGRAPH_SCORE
                and top.event.pk not in taken
                and top.reasons["entities"] > 0
                and top.reasons["date"] >= 0.6
            ):
                top.reasons["paragraph"] = paragraph[:80]
                chosen.append(top)
                taken.add(top.event.pk)
        if len(chosen) == 1 and best.score < needed:
            chosen = []
    return chosen
