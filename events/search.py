"""The search box: the words of a search, what they match, the typos they forgive and the names they suggest.

An event matches when every word of the search is in its title, its summary, a source's title, or the
name or an alias of an organisation or person on it. On PostgreSQL that is one full-text condition on the
event's stored document (`search_vector`, migrations 0005 and 0006), with English stemming and each word
also as a prefix (so `sor` finds Sora while typing); elsewhere a case-insensitive substring match.

A word of four letters or more that matches nothing is also tried as the words one letter away from it
(one insertion, deletion, substitution or swap of neighbours) in the names and in the published events'
titles and summaries: "Midjourny" finds Midjourney's events, "copyrigt" the copyright ones, and the page
says so. When nothing matches at all, `suggest_search` offers the search with one word corrected and
`near_names` the closest organisation or person ("did you mean"). On PostgreSQL pg_trgm's indexes on the
names and on the kept table of the events' words (migration 0015) find the candidates; elsewhere (the
demo's SQLite) the names and the events' words are read whole, which suits its size.
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Exists, Expression, OuterRef, Q
from django.db.models.expressions import Col

from .models import Event, EventOrganisation, EventPerson, Organisation, Person, Source

# PostgreSQL's English stop words (tsearch_data/english.stop). Full-text search ignores them, so the
# SQLite match drops them too and both databases find the same events.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up
down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very s t can will just don should now
""".split())
SEARCH_WORD = re.compile(r"[^\W_]+")
MAX_SEARCH_WORDS = 8
# Shorter words are too often another word one letter away (sora, sara) to be corrected.
MIN_CORRECTED_LENGTH = 4
MAX_ALTERNATIVES = 4
# Near words tried per mistyped word, each an EXISTS ("deel" has deal, deer, deep, feel, heel...).
MAX_CANDIDATES = 8
CANDIDATE_NAMES = 200


def search_words(text):
    """The words of a search that count: letters and digits, stop words dropped, at most eight."""
    words = [w for w in SEARCH_WORD.findall(text.lower()) if w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_SEARCH_WORDS]


class StoredSearchVector(Expression):
    """The `search_vector` column of events_event (migration 0005), which the model does not declare.

    Resolves to a column of whichever alias the event table has in the query (the outer query, or U0
    inside an EXISTS), so the search works in subqueries too.
    """

    output_field = SearchVectorField()
    column = SearchVectorField(name="search_vector")
    column.set_attributes_from_name("search_vector")

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        return Col(query.get_initial_alias(), self.column, self.output_field)


def search_condition(text, *, vendor=None, terms=None):
    """Events matching every word of `text` (or every one of `terms`, each a tuple of words of which
    any may match: see spell_search). Callers order the results (by date and id), so the two databases
    list them in the same order. `vendor` picks the branch (default: the database in use).
    """
    if terms is None:
        terms = tuple((word,) for word in search_words(text))
    if not terms:
        return Q()
    if (vendor or connection.vendor) == "postgresql":
        # Words hold letters and digits only (search_words), so no tsquery syntax reaches to_tsquery.
        raw = " & ".join("(" + " | ".join(f"{word}:*" for word in words) + ")" for words in terms)
        return Q(SearchVectorExact(StoredSearchVector(), SearchQuery(raw, config="english", search_type="raw")))
    condition = Q()
    for words in terms:
        either = Q()
        for word in words:
            either |= _substring_match(word)
        condition &= either
    return condition


def _substring_match(word):
    in_sources = Exists(Source.objects.public().filter(event=OuterRef("pk"), title__icontains=word))
    in_organisations = Exists(EventOrganisation.objects.filter(
        Q(organisation__name__icontains=word) | Q(organisation__aliases__icontains=word), event=OuterRef("pk"),
    ))
    in_people = Exists(EventPerson.objects.filter(
        Q(person__name__icontains=word) | Q(person__aliases__icontains=word), event=OuterRef("pk"),
    ))
    return Q(title__icontains=word) | Q(summary__icontains=word) | in_sources | in_organisations | in_people


# --- One typo ---------------------------------------------------------------------------------------

def one_edit_apart(a, b):
    """True when `b` is `a` with one letter inserted, deleted, replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1:]


def one_edit_variants(word):
    """Every string one insertion, deletion, substitution or swap of neighbours from `word`, over a–z, the
    digits and the word's own letters (a few hundred: each is a primary-key probe on PostgreSQL)."""
    letters = set("abcdefghijklmnopqrstuvwxyz0123456789") | set(word)
    variants = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            variants.add(head + tail[1:])
            variants.update(head + letter + tail[1:] for letter in letters)
        if len(tail) > 1:
            variants.add(head + tail[1] + tail[0] + tail[2:])
        variants.update(head + letter + tail for letter in letters)
    variants.discard(word)
    return variants


def _name_rows(word):
    """(name, aliases) of the organisations and people whose names may hold a word near `word`."""
    if connection.vendor == "postgresql":
        sql = (
            "(SELECT name, aliases FROM events_organisation WHERE %s <%% lower(name || ' ' || aliases) LIMIT %s)"
            " UNION ALL "
            "(SELECT name, aliases FROM events_person WHERE %s <%% lower(name || ' ' || aliases) LIMIT %s)"
        )
        with connection.cursor() as cursor:
            # At the default 0.6 a swap of two letters falls short (midjuorney: 0.47); only `<%` reads this.
            cursor.execute("SET pg_trgm.word_similarity_threshold = 0.4")
            cursor.execute(sql, [word, CANDIDATE_NAMES, word, CANDIDATE_NAMES])
            return cursor.fetchall()
    return [*Organisation.objects.values_list("name", "aliases"), *Person.objects.values_list("name", "aliases")]


def _words_of_names(rows):
    found = set()
    for name, aliases in rows:
        found.update(w for w in SEARCH_WORD.findall(f"{name} {aliases}".lower()) if len(w) >= MIN_CORRECTED_LENGTH - 1)
    return found


def _event_words(word):
    """Words of the published events' titles and summaries that may be one edit from `word`.

    On PostgreSQL from the kept table of those words (migrations 0015 and 0017): pg_trgm's `%` on its trigram index
    (any alphabet), and the word's one-edit variants on its primary key (short words, where one letter
    changes most of the trigrams: "deel" and "deal" share two of eight). Elsewhere the events' own words.
    """
    if connection.vendor == "postgresql":
        sql = (
            # lower(word): the trigram index is on that expression, so `word = ANY` keeps to the primary
            # key (migration 0017).
            "(SELECT word FROM events_searchword WHERE lower(word) %% %s LIMIT %s)"
            " UNION (SELECT word FROM events_searchword WHERE word = ANY(%s))"
        )
        with connection.cursor() as cursor:
            # The default 0.3 already; said here because a session may have changed it.
            cursor.execute("SET pg_trgm.similarity_threshold = 0.3")
            cursor.execute(sql, [word, CANDIDATE_NAMES, sorted(one_edit_variants(word))])
            return {row[0] for row in cursor.fetchall()}
    found = set()
    for title, summary in Event.objects.published().values_list("title", "summary"):
        found.update(SEARCH_WORD.findall(f"{title} {summary}".lower()))
    return found


def near_words(word):
    """The words of names and of published events one edit from `word`, likeliest first: a typo is seldom
    in the first letter, and then by spelling so both databases give the same order."""
    found = {w for w in _words_of_names(_name_rows(word)) | _event_words(word) if one_edit_apart(word, w)}
    return sorted(found, key=lambda w: (w[0] != word[0], w))


def _matches_something(word, others=()):
    terms = tuple(others) + ((word,),)
    return Event.objects.published().filter(search_condition("", terms=terms)).exists()


def _correctable(word):
    return len(word) >= MIN_CORRECTED_LENGTH and not word.isdigit()


def spell_search(text):
    """(terms, corrections) for a search: each word with the words one edit from it (in names, titles and
    summaries) that match a published event, when the word alone matches none; `corrections` pairs each
    corrected word with its first alternative.

    Costs one indexed EXISTS per word of four letters or more, and for a word that matches nothing two
    lookups of near words and an EXISTS per candidate (at most MAX_CANDIDATES).
    """
    terms, corrections = [], []
    for word in search_words(text):
        alternatives = (word,)
        if _correctable(word) and not _matches_something(word):
            near = [w for w in near_words(word)[:MAX_CANDIDATES] if _matches_something(w)][:MAX_ALTERNATIVES]
            if near:
                alternatives = (word, *near)
                corrections.append((word, near[0]))
        terms.append(alternatives)
    return tuple(terms), tuple(corrections)


def suggest_search(text, terms=None):
    """A search one typo away from `text` that finds events, to offer when `text` finds none; "" if none.

    `terms`: spell_search's, which already widened every word that matches nothing alone. What is left is
    a word that matches something alone but not with the others ("guild dear" for "guild deal"): each
    word in turn is replaced by its near words until the whole search matches. At most MAX_CANDIDATES
    EXISTS per word, and only for a search that found nothing.
    """
    terms = tuple(terms) if terms else tuple((word,) for word in search_words(text))
    # The words as the search will be shown: a corrected word by its correction.
    shown = [alternatives[1] if len(alternatives) > 1 else alternatives[0] for alternatives in terms]
    for i, alternatives in enumerate(terms):
        word = alternatives[0]
        if not _correctable(word) or len(alternatives) > 1:
            continue
        others = terms[:i] + terms[i + 1:]
        for candidate in near_words(word)[:MAX_CANDIDATES]:
            if _matches_something(candidate, others):
                return " ".join(candidate if j == i else w for j, w in enumerate(shown))
    return ""


# --- Did you mean -----------------------------------------------------------------------------------

def near_names(text, *, limit=3):
    """The organisations and people whose name is closest to `text`, for a search that found nothing:
    [(param, slug, name)] with param "org" or "person", closest first."""
    text = " ".join(SEARCH_WORD.findall(text.lower()))
    if len(text) < 3:
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT param, slug, name FROM ("
            " SELECT 'org' AS param, slug, name, word_similarity(%s, lower(name || ' ' || aliases)) AS score"
            " FROM events_organisation"
            " UNION ALL"
            " SELECT 'person', slug, name, word_similarity(%s, lower(name || ' ' || aliases)) FROM events_person"
            ") AS names WHERE score >= 0.4 ORDER BY score DESC, name LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [text, text, limit])
            return [tuple(row) for row in cursor.fetchall()]
    names = {}
    for param, model in (("org", Organisation), ("person", Person)):
        for slug, name, aliases in model.objects.values_list("slug", "name", "aliases"):
            for spelling in [name, *aliases.splitlines()]:
                names.setdefault(spelling.lower(), (param, slug, name))
    close = difflib.get_close_matches(text, list(names), n=limit * 2, cutoff=0.6)
    return list(dict.fromkeys(names[c] for c in close))[:limit]
