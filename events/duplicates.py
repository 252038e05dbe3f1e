"""Possible duplicates of an event: the few most similar events, each with the reasons it looks alike.

The review screen shows them beside every draft so a curator merges a repeated story instead of
publishing it twice. Candidates are events (published or draft, never rejected) that share an
organisation or a person with it, or fall within a few weeks of it; they are ranked by shared entities,
closeness in time, same kind and how alike the titles read.
"""

import datetime
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import Q

from .models import Event, EventOrganisation, EventPerson

NEAR_DAYS = 21
CANDIDATES = 60
STOPWORDS = frozenset(
    "a an and as at by for from in into is its of on or over the to with after new its their his her".split()
)


@dataclass
class Duplicate:
    event: Event
    score: float
    reasons: list[str] = field(default_factory=list)


def title_words(title):
    return {w for w in re.findall(r"[a-z0-9]+", (title or "").lower()) if w not in STOPWORDS and len(w) > 1}


def title_likeness(a, b):
    """0..1: the larger of the word overlap and the character-level likeness of two titles."""
    words_a, words_b = title_words(a), title_words(b)
    overlap = len(words_a & words_b) / len(words_a | words_b) if words_a and words_b else 0.0
    return max(overlap, SequenceMatcher(None, (a or "").lower(), (b or "").lower()).ratio() * 0.8)


def possible_duplicates(event, limit=5):
    """The `limit` events most like `event`, best first, each with why. A few queries whatever the data size."""
    org_ids = set(EventOrganisation.objects.filter(event=event).values_list("organisation_id", flat=True))
    person_ids = set(EventPerson.objects.filter(event=event).values_list("person_id", flat=True))
    window = datetime.timedelta(days=NEAR_DAYS)
    near = Q(date__range=(event.date - window, event.date + window))
    shared = Q(organisation_links__organisation_id__in=org_ids) | Q(person_links__person_id__in=person_ids)
    candidate_ids = list(
        Event.objects.exclude(pk=event.pk)
        .exclude(status=Event.Status.REJECTED)
        .filter(near | shared if (org_ids or person_ids) else near)
        .order_by("-date", "-id")
        .values_list("pk", flat=True)
        .distinct()[: CANDIDATES * 4]
    )
    candidates = Event.objects.filter(pk__in=candidate_ids).prefetch_related(
        "organisation_links__organisation", "person_links__person"
    )
    found = []
    for other in candidates:
        reasons, score = [], 0.0
        other_orgs = {link.organisation_id: link.organisation.name for link in other.organisation_links.all()}
        other_people = {link.person_id: link.person.name for link in other.person_links.all()}
        names = [other_orgs[i] for i in org_ids & other_orgs.keys()] + [
            other_people[i] for i in person_ids & other_people.keys()
        ]
        if names:
            score += min(len(names), 3) * 1.0
            reasons.append("shares " + ", ".join(sorted(names)[:4]))
        days = abs((other.date - event.date).days)
        if days <= NEAR_DAYS:
            score += 1.5 * (1 - days / (NEAR_DAYS + 1))
            reasons.append("same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} apart")
        if other.kind == event.kind:
            score += 0.75
            reasons.append(f"also {other.get_kind_display().lower()}")
        likeness = title_likeness(event.title, other.title)
        if likeness >= 0.3:
            score += 2.5 * likeness
            reasons.append(f"titles {round(likeness * 100)}% alike")
        if score >= 1.75:
            found.append(Duplicate(other, round(score, 2), reasons))
    found.sort(key=lambda d: (-d.score, abs((d.event.date - event.date).days), d.event.pk))
    return found[:limit]
