"""Entity linking: find the organisations and people of the registry in an article's text.

Text and aliases are cut into the same normalised tokens (NFKC, case-folded, accents dropped,
punctuation and hyphens of any kind treated as spaces, a possessive "'s" dropped), so "SAG AFTRA",
"Sag-Aftra", "SAG‑AFTRA" and "OpenAI's" all meet their alias, and a match always starts and ends on a
word boundary ("Meta" never matches inside "metadata"). Aliases live in a token trie; scanning the
text left to right and taking the longest alias that starts at each position gives leftmost-longest
matches ("Warner Bros. Discovery" beats "Warner Bros."), in time proportional to the text, whatever
the number of aliases.

Short aliases are noise ("Al", "X"): an alias of fewer than three letters or digits is ignored unless
it is an all-capitals acronym, and one-word acronyms of up to six characters ("WGA", "AI", "A24") only
match as written, so "wga" or "Ai" in running text do not count.

`current_matcher()` is this process's matcher, rebuilt from the database when the version token in
the cache moves; `ingest.signals` moves it whenever an organisation or a person is saved or deleted.
"""

import logging
import re
import threading
import time
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass

logger = logging.getLogger(__name__)

ORGANISATION = "organisation"
PERSON = "person"
KINDS = (ORGANISATION, PERSON)

# A token is a run of word characters; "&" and "+" stay as tokens of their own ("AT&T", "Disney+").
# A possessive "'s" (any apostrophe) is dropped before tokenising. Whole-text passes in C (normalise,
# case-fold, strip accents, findall) rather than a Python loop per token keep `find` fast.
_TOKEN_RE = re.compile(r"\w+|[&+]")
_POSSESSIVE_RE = re.compile(r"['’ʼ`]s\b")
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
MIN_ALIAS_CHARS = 3
MAX_ACRONYM_CHARS = 6
VERSION_KEY = "ingest:alias-matcher-version"
# Without a reachable cache we cannot see other processes' changes; rebuild at most this often.
UNCACHED_REBUILD_SECONDS = 60

_TERMINAL = ""  # trie key holding the aliases that end at a node; no token is empty


# Typographic punctuation as ASCII, so most English text takes the all-ASCII fast path below.
# (A regex with a replacement per hit is far cheaper than str.translate's lookup of every character.)
_ASCII_PUNCTUATION = (
    {ch: "'" for ch in "‘’ʼ′"}
    | {ch: '"' for ch in "“”„″"}
    | {ch: "-" for ch in "‐‑‒–—―−"}
    | {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "…": "...", "•": "*", "·": "*"}
)
_PUNCTUATION_RE = re.compile("[" + "".join(_ASCII_PUNCTUATION) + "]")


def _ascii_punctuation(match):
    return _ASCII_PUNCTUATION[match.group()]


def normalise(text):
    """`text` in NFKC, typographic punctuation as ASCII, possessives dropped: what tokens are cut from."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _PUNCTUATION_RE.sub(_ascii_punctuation, _POSSESSIVE_RE.sub("", text))


def fold_text(text):
    """Case-folded, accents stripped; `text` is already normalised."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", folded))
    return folded


def original_tokens(text):
    """The tokens of `text` as written (case kept)."""
    return _TOKEN_RE.findall(normalise(text))


def fold(token):
    """The case- and accent-insensitive form of one token (or of any normalised text)."""
    return fold_text(token)


def is_acronym(alias):
    """One word of capitals (and digits), such as WGA, AMPTP or A24: matched only as written."""
    tokens = original_tokens(alias)
    if len(tokens) != 1:
        return False
    word = tokens[0]
    return (
        2 <= len(word) <= MAX_ACRONYM_CHARS
        and any(ch.isalpha() for ch in word)
        and all(ch.isupper() or ch.isdigit() for ch in word)
    )


def _tokens(text):
    """(folded tokens, a function giving the as-written tokens), aligned index for index.

    All-ASCII text (most English articles once punctuation is normalised) folds as a whole, and its
    written tokens are only cut if an acronym needs them. Other text is checked: folding may split or
    merge a token around a rare character, and then each token is folded on its own.
    """
    text = normalise(text)
    if text.isascii():
        cut = []

        def written():
            if not cut:
                cut.append(_TOKEN_RE.findall(text))
            return cut[0]

        return _TOKEN_RE.findall(text.lower()), written
    tokens = _TOKEN_RE.findall(text)
    folded = _TOKEN_RE.findall(fold_text(text))
    if len(folded) != len(tokens):
        folded = [fold_text(token) for token in tokens]
    return folded, lambda: tokens


@dataclass(frozen=True)
class Entity:
    """One linked organisation or person and how often the text names it.

    This is the shape `ingest.classify.classify` takes as `entities`: `kind` is "organisation" or
    "person", `org_kind` an `Organisation.Kind` value for organisations and "" for people.
    """

    kind: str
    id: int
    name: str
    org_kind: str
    count: int


class AliasMatcher:
    """A token trie of aliases; `find(text)` counts the mentions of each (kind, id) target."""

    def __init__(self, trie, details, alias_count, parents=None):
        self._trie = trie
        self._parents = parents or {}  # (kind, id) -> the parent organisation's (kind, id)
        self._details = details  # (kind, id) -> (name, org_kind)
        self.alias_count = alias_count
        self._by_name = {name: target for target, (name, _) in details.items()}

    @classmethod
    def build(cls, entries, details=None, parents=None):
        """`entries` are (alias, kind, id) triples; `details` optionally maps (kind, id) -> (name, org_kind).

        Two targets sharing an alias are both counted when it appears: the text cannot tell them apart.
        """
        trie, count = {}, 0
        for alias, kind, target_id in entries:
            if kind not in KINDS:
                raise ValueError(f"An alias target is an organisation or a person, not {kind!r}.")
            written = original_tokens(alias or "")
            if not written:
                continue
            acronym = is_acronym(alias)
            if not acronym and sum(len(token) for token in written) < MIN_ALIAS_CHARS:
                continue
            node = trie
            for token in written:
                node = node.setdefault(fold(token), {})
            # Per ending: the exact spelling an acronym needs (None: any case) -> targets.
            endings = node.setdefault(_TERMINAL, {})
            endings.setdefault(tuple(written) if acronym else None, set()).add((kind, target_id))
            count += 1
        return cls(trie, dict(details or {}), count, dict(parents or {}))

    def _matches(self, text):
        """Yield the targets of each leftmost-longest match in `text`."""
        folded, written = _tokens(text or "")
        for _, _, targets in self._spans(folded, written):
            yield targets

    def _spans(self, folded, written):
        """Yield (start, end, targets) of each leftmost-longest match, in token positions."""
        root, n, i = self._trie, len(folded), 0
        while i < n:
            node = root.get(folded[i])
            if node is None:
                i += 1
                continue
            best_end, best_targets, j = 0, None, i
            while node is not None:
                j += 1
                endings = node.get(_TERMINAL)
                if endings is not None:
                    targets = self._accept(endings, written, i, j)
                    if targets:
                        best_end, best_targets = j, targets
                node = node.get(folded[j]) if j < n else None
            if best_targets:
                yield i, best_end, best_targets
                i = best_end
            else:
                i += 1

    @staticmethod
    def _accept(endings, written, start, end):
        targets = set()
        for spelling, ending_targets in endings.items():
            if spelling is None or tuple(written()[start:end]) == spelling:
                targets |= ending_targets
        return targets

    def find(self, text):
        """{(kind, id): number of mentions} for every target named in `text`."""
        counts = Counter()
        for targets in self._matches(text):
            for target in targets:
                counts[target] += 1
        return dict(counts)

    def entities(self, text):
        """The linked entities of `text`, most mentioned first, with their names and organisation kinds."""
        found = []
        for (kind, target_id), count in self.find(text).items():
            name, org_kind = self._details.get((kind, target_id), ("", ""))
            found.append(Entity(kind=kind, id=target_id, name=name, org_kind=org_kind, count=count))
        found.sort(key=lambda entity: (-entity.count, entity.kind, entity.name, entity.id))
        return found


    def states(self):
        """(name, target) of the organisations called "State of …"."""
        return [(name, target) for name, target in self._by_name.items() if name.startswith("State of ")]

    def entities_from_counts(self, counts):
        found = []
        for (kind, target_id), count in counts.items():
            name, org_kind = self._details.get((kind, target_id), ("", ""))
            found.append(Entity(kind=kind, id=target_id, name=name, org_kind=org_kind, count=count))
        found.sort(key=lambda entity: (-entity.count, entity.kind, entity.name, entity.id))
        return found

    def covers(self, name):
        """Whether registry aliases cover every word of `name` (the registry knows it)."""
        folded, written = _tokens(name or "")
        if not folded:
            return False
        return sum(end - start for start, end, _ in self._spans(folded, written)) == len(folded)

    def target_named(self, name):
        """The (kind, id) of the organisation or person called exactly `name`, or None."""
        return self._by_name.get(name)

    def link(self, text):
        """The entities of `text` after reading the context, and the names it leaves ambiguous.

        Beyond `entities`: an alias that only starts a longer name the registry lacks ("Warner Bros."
        in "Warner Bros. Animation") is not linked but offered as a choice; an alias that is the short
        form of a longer mention in the same text ("Warner Bros." after "Warner Bros. Discovery") counts
        for the longer one, and the choice is shown; a person's surname after their full name counts as a
        mention ("Tillis" after "Thom Tillis"). Returns (entities, choices).
        """
        folded, written = _tokens(text or "")
        spans = list(self._spans(folded, written))
        counts, choices, covered = Counter(), [], set()
        longest = {}
        for start, end, targets in spans:
            longest.setdefault(tuple(folded[start:end]), targets)
        for start, end, targets in spans:
            covered.update(range(start, end))
            words = written()
            following = words[end] if end < len(words) else ""
            names = sorted(self._details.get(t, ("", ""))[0] for t in targets)
            if following in UNKNOWN_SUBSIDIARY_WORDS and all(kind == ORGANISATION for kind, _ in targets):
                choices.append(
                    {"text": " ".join(words[start : end + 1]), "options": names, "chosen": None,
                     "why": "a name the registry does not have, starting with a known one"}
                )  # fmt: skip
                continue
            key = tuple(folded[start:end])
            fuller = [
                (other, other_targets)
                for other, other_targets in longest.items()
                if len(other) > len(key) and other[: len(key)] == key and other_targets != targets
            ]
            # Only towards a group the short name belongs to: "Warner Bros." for Warner Bros. Discovery, never
            # "Disney" for Disney Character Voices (there the short name is the group itself).
            fuller = [(k, t) for k, t in fuller if all(self._has_ancestor(mine, t) for mine in targets)]
            if fuller and all(kind == ORGANISATION for kind, _ in targets):
                other_key, other_targets = min(fuller, key=len)
                chosen = sorted(self._details.get(t, ("", ""))[0] for t in other_targets)
                choices.append(
                    {"text": " ".join(words[start:end]), "options": sorted({*names, *chosen}), "chosen": chosen,
                     "why": "short form of a fuller name in the same article"}
                )  # fmt: skip
                targets = other_targets
            for target in targets:
                counts[target] += 1
        self._count_surnames(counts, folded, written, covered)
        return self.entities_from_counts(counts), _merge_choices(choices)

    def _has_ancestor(self, target, ancestors):
        seen, parent = set(), self._parents.get(target)
        while parent is not None and parent not in seen:
            if parent in ancestors:
                return True
            seen.add(parent)
            parent = self._parents.get(parent)
        return False

    def _count_surnames(self, counts, folded, written, covered):
        surnames = {}
        for kind, target_id in list(counts):
            name = self._details.get((kind, target_id), ("", ""))[0]
            tokens = original_tokens(name) if kind == PERSON else []
            if len(tokens) >= 2 and len(tokens[-1]) >= 3 and tokens[-1][0].isupper():
                surnames.setdefault(fold(tokens[-1]), []).append((kind, target_id))
        if not surnames:
            return
        words = written()
        for position, token in enumerate(folded):
            people = surnames.get(token)
            # Only a surname that is one person's among those named, written with its capital.
            if people and len(people) == 1 and position not in covered and words[position][:1].isupper():
                counts[people[0]] += 1


# After an alias, these words make a longer name: a subsidiary or division the registry may lack.
UNKNOWN_SUBSIDIARY_WORDS = {
    "Animation", "Games", "Television", "TV", "Records", "Music", "Interactive", "Channel", "Labs", "Research",
}  # fmt: skip


def _merge_choices(choices):
    merged = {}
    for choice in choices:
        key = (choice["text"], tuple(choice["options"]))
        if key in merged:
            merged[key]["count"] += 1
        else:
            merged[key] = {**choice, "count": 1}
    return list(merged.values())


def registry_entries():
    """(entries, details) for `AliasMatcher.build` from the organisations and people in the database."""
    from events.models import Organisation, Person

    entries, details = [], {}
    for kind, rows in (
        (ORGANISATION, Organisation.objects.only("id", "name", "aliases", "kind")),
        (PERSON, Person.objects.only("id", "name", "aliases")),
    ):
        for row in rows.iterator(chunk_size=2000):
            details[(kind, row.pk)] = (row.name, getattr(row, "kind", "") if kind == ORGANISATION else "")
            entries.append((row.name, kind, row.pk))
            entries.extend((alias, kind, row.pk) for alias in row.alias_list)
            if kind == PERSON:
                entries.extend((variant, kind, row.pk) for variant in without_middle_initials(row.name))
    return entries, details


_MIDDLE_INITIAL = re.compile(r"^[A-Z]\.?$")


def without_middle_initials(name):
    """The name as coverage often writes it, without its middle initials: a judge filed as "Sidney H.
    Stein" is "Judge Sidney Stein" in most stories. Empty when the name has none."""
    words = name.split()
    if len(words) < 3:
        return []
    kept = [words[0], *(w for w in words[1:-1] if not _MIDDLE_INITIAL.match(w)), words[-1]]
    return [" ".join(kept)] if len(kept) < len(words) else []


def registry_parents():
    """{(organisation, id): (organisation, parent id)} from the database."""
    from events.models import Organisation

    return {
        (ORGANISATION, pk): (ORGANISATION, parent)
        for pk, parent in Organisation.objects.filter(parent__isnull=False).values_list("id", "parent_id")
    }


def build_from_database():
    entries, details = registry_entries()
    return AliasMatcher.build(entries, details, registry_parents())


def bump_version():
    """Tell every process that the registry changed; their next `current_matcher()` rebuilds."""
    from django.core.cache import cache

    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # a cache outage must not fail a curator's save
        logger.warning("Could not mark the alias matcher stale in the cache", exc_info=True)


def _registry_version():
    """The shared version token, or None when the cache cannot be reached."""
    from django.core.cache import cache

    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # A fresh token (not a counter) so an emptied cache never repeats an old version.
            cache.add(VERSION_KEY, uuid.uuid4().hex, None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:
        logger.warning("Could not read the alias matcher version from the cache", exc_info=True)
        return None


_current = {"matcher": None, "version": None, "built_at": 0.0}
_current_lock = threading.Lock()


def current_matcher():
    """This process's matcher over the registry, rebuilt when organisations or people have changed."""
    version = _registry_version()  # read before building, so a change during the build is seen next time
    with _current_lock:
        stale = _current["matcher"] is None or (
            version != _current["version"]
            if version is not None
            else time.monotonic() - _current["built_at"] > UNCACHED_REBUILD_SECONDS
        )
        if stale:
            _current.update(matcher=build_from_database(), version=version, built_at=time.monotonic())
        return _current["matcher"]


def link_entities(text):
    """The registry's organisations and people named in `text` (see `Entity`), most mentioned first."""
    return current_matcher().entities(text)


# --- Institutions named by context -------------------------------------------------------------------
# "The Senate" in a story about a federal bill is the U.S. Senate; "Tennessee Governor Bill Lee" names the
# State of Tennessee. Only with the context present, and only when the registry has the institution.
_FEDERAL_CONTEXT_RE = re.compile(
    r"\b(?:Congress|congressional|federal|senators?|bipartisan|Capitol Hill|[A-Z]{2,} Act)\b"
)
_CHAMBERS = [
    ("U.S. Senate", re.compile(r"\bthe Senate\b(?! Judiciary)")),
    ("U.S. House of Representatives", re.compile(r"\bthe House\b(?! of (?:Lords|Commons))")),
]
_STATE_ROLE = r"(?:'s)? (?:Governor|governor|Gov\.|lawmakers|legislature|legislators|General Assembly|attorney general)"


def _context_mentions(matcher, text):
    """{(kind, id): count} of institutions the context names."""
    found = Counter()
    if _FEDERAL_CONTEXT_RE.search(text):
        for name, pattern in _CHAMBERS:
            target = matcher.target_named(name)
            if target:
                found[target] += len(pattern.findall(text))
    for name, target in matcher.states():
        place = re.escape(name.removeprefix("State of "))
        hits = len(re.findall(rf"\b{place}{_STATE_ROLE}\b|\b(?:governor|Governor) of {place}\b", text))
        if hits:
            found[target] += hits
    return {target: count for target, count in found.items() if count}


def link_article(text):
    """The entities of an article (aliases, short forms, context) and the ambiguous names to show.

    Returns (entities, choices): `entities` as `AliasMatcher.entities`, `choices` a list of dicts
    {"text", "options", "chosen", "why", "count"} for the curator (see `AliasMatcher.link`).
    """
    matcher = current_matcher()
    entities, choices = matcher.link(text)
    extra = _context_mentions(matcher, text)
    if extra:
        counts = {(e.kind, e.id): e.count for e in entities}
        for target, count in extra.items():
            counts[target] = counts.get(target, 0) + count
        entities = matcher.entities_from_counts(counts)
    return entities, choices
