"""Names in an article that look like organisations or people but are not in the registry.

Three cues, from the surest: a title before a name ("Judge Paul Oetken", "CEO Mara Velasquez"); a company
suffix after one ("Lingotone Inc.", "Framewise Studios"); a capitalised name repeated in the text. Names the
registry already knows (as the alias matcher reads them) and common capitalised words are left out. Each
candidate keeps the sentence it was first seen in, for the review screen's "add to the registry" form.
"""

import re
from collections import Counter
from dataclasses import dataclass

MAX_CANDIDATES = 25

_NAME = r"[A-Z][\w'’.-]*[\w]"
_NAME_SEQUENCE = rf"{_NAME}(?: (?:{_NAME}|de|van|der|von|da|del))*? {_NAME}|{_NAME}"
PERSON_TITLES = (
    r"Judge|Justice|Magistrate Judge|CEO|chief executive|Chief Executive|founder|co-founder|President|president|"
    r"chairman|chairwoman|producer|director|Director|Governor|Gov\.|Senator|Sen\.|Rep\.|Representative|"
    r"spokesperson|spokesman|spokeswoman|lawyer|attorney|analyst|actor|actress|the late|star|singer|filmmaker"
)
_PERSON_RE = re.compile(rf"\b(?:{PERSON_TITLES}) ((?:{_NAME}) (?:{_NAME})(?: {_NAME})?)")
ORG_SUFFIXES = (
    r"Inc\.|Inc\b|LLC|Ltd\.|Ltd\b|Corp\.|GmbH|Studios|Pictures|Productions|Labs|Entertainment|Animation|Media"
)
_ORG_RE = re.compile(rf"\b((?:{_NAME})(?: {_NAME}){{0,2}}) ({ORG_SUFFIXES})")
_GUILD_RE = re.compile(rf"\b((?:The )?(?:{_NAME} ){{1,3}}(?:Guild|Union|Association|Alliance|Council))\b")
_CAPITALISED_RE = re.compile(rf"\b({_NAME_SEQUENCE})\b")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")

# Capitalised words that are not names of anyone: sentence openers, days and months, places, titles.
COMMON = set(
    """A An The This That These Those It Its He She His Her They Their We Our You I In On At By For From Of To
    And But Or If When While After Before Since As With Without Under Over About Among Both Each Every Some
    Several One Two Three Many Most More No Not Yet Also Still Even Only Just So Such Other Others Whether
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December US U.S. UK EU AI America American Europe European China
    Chinese Germany German Britain British France French India Japan Korea Canada Argentine Argentina
    Los Angeles New York San Francisco London Berlin Paris California Florida Manhattan Delaware Hollywood
    Washington Texas Tennessee Lincoln Center Street Hall House Senate Congress Court Act Governor Judge
    CEO Inc Ltd LLC Mr Mrs Ms Dr Oscar Oscars Emmy Emmys Netflix iPhone Android Star Wars Marvel Pixar
    Listen Read Watch Meanwhile However Unsurprisingly Details Shares Analysts Executives Players Directors
    Members Testers Filmmakers Artists Actors Writers Doctors Patients Nurses Visitor Union Studios""".split()
)


@dataclass(frozen=True)
class Candidate:
    name: str
    kind: str  # "organisation" or "person"
    cue: str
    sentence: str
    count: int

    @property
    def key(self):
        return " ".join(self.name.casefold().split())


_HYPHEN_LOWER_RE = re.compile(r"-[a-z]")


def _is_common(name):
    words = name.replace("’", "'").split()
    if _HYPHEN_LOWER_RE.search(name):  # "AI-voiced", "Berlin-based": a compound adjective, not a name
        return True
    return all(word.strip(".'") in COMMON for word in words) or len(name) < 3


# A full stop after these is not the end of a sentence.
_ABBREVIATION_RE = re.compile(r"(?:\b(?:Inc|Ltd|Corp|Co|Mr|Mrs|Ms|Dr|St|Jr|Sr|Bros|Gov|Sen|Rep|vs)|\b[A-Z])\.$")
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)|\n")


def _sentence_of(text, position):
    """The sentence around `position`: from the end of the one before to its own end."""
    start = 0
    for end in _SENTENCE_END_RE.finditer(text, 0, position):
        if not _ABBREVIATION_RE.search(text[max(0, end.start() - 5) : end.end()]):
            start = end.end()
    stop = len(text)
    for end in _SENTENCE_END_RE.finditer(text, position):
        if not _ABBREVIATION_RE.search(text[max(0, end.start() - 5) : end.end()]):
            stop = end.end()
            break
    return " ".join(text[start:stop].split())[:500]


def _strip_article(name):
    return name[4:] if name.startswith("The ") and name[4:5].isupper() and " " in name[4:] else name


def find_candidates(text, known):
    """The candidates of `text`, most frequent first. `known(name)` says whether the registry has it."""
    text = " ".join((text or "").replace("\r", "").split(" "))
    found = {}  # key -> [name, kind, cue, first position]

    def add(name, kind, cue, position):
        name = name.strip(" ,.'’").removesuffix("'s").removesuffix("’s")
        if not name or _is_common(name) or known(name):
            return
        key = " ".join(name.casefold().split())
        found.setdefault(key, [name, kind, cue, position])

    for match in _PERSON_RE.finditer(text):
        title = match[0][: match.start(1) - match.start()].strip()
        add(match[1], "person", f"{title} …", match.start(1))
    for match in _ORG_RE.finditer(text):
        name = match[1]
        if match[2] in ("Inc.", "Inc", "LLC", "Ltd.", "Ltd", "Corp.", "GmbH"):
            add(name, "organisation", f"… {match[2]}", match.start(1))
        else:
            add(f"{name} {match[2]}", "organisation", f"… {match[2]}", match.start(1))
    for match in _GUILD_RE.finditer(text):
        add(match[1], "organisation", "a guild or association", match.start(1))
    repeated = Counter()
    first_seen = {}
    for match in _CAPITALISED_RE.finditer(text):
        name = match[1]
        repeated[name] += 1
        first_seen.setdefault(name, match.start(1))
    for name, count in repeated.items():
        if count >= 2:
            words = name.split()
            kind = "person" if 2 <= len(words) <= 3 and all(w[0].isupper() for w in words) else "organisation"
            add(name, kind, "repeated", first_seen[name])

    lowered = text.casefold()
    candidates = []
    for key, (name, kind, cue, position) in found.items():
        count = max(1, lowered.count(key))
        candidates.append(Candidate(name=name, kind=kind, cue=cue, sentence=_sentence_of(text, position), count=count))
    candidates.sort(key=lambda c: (-c.count, c.name))
    return candidates[:MAX_CANDIDATES]
