"""The article pipeline as plain functions: fetch ─► extract ─► dedupe ─► link ─► classify ─► propose.

Everything after the fetch is written in ONE transaction (the article, its mentions, and the event it
proposes or joins), so a worker killed mid-task leaves either nothing or a whole article. Duplicates are
refused by the database (unique canonical URL, content hash, title hash); a race between two tasks ends
with one article and the loser linking its feed to it. Celery tasks in `ingest.tasks` wrap these.
"""

import datetime
import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from events import services as event_services
from events.dates import plausible_publication
from events.models import Event, Role

from . import match
from .candidates import find_candidates
from .canonical import canonical_url
from .classify import classify
from .dates import EventDate, date_in_text, days_later, event_date, lead
from .extract import ExtractionError, extract_article
from .fetch import FetchError, fetch
from .link import current_matcher, link_article
from .models import Article, ArticleEvent, ArticleFeed, CandidateName, IngestRun, Mention

logger = logging.getLogger(__name__)

NEW, DUPLICATE, IRRELEVANT, FAILED = "new", "duplicate", "irrelevant", "failed"
SUMMARY_CHARS = 400
# Organisations named at least this often, or the most named, are the subject of a proposed event.
SUBJECT_MIN_MENTIONS = 2


@dataclass
class Outcome:
    result: str  # new / duplicate / irrelevant / failed
    article_id: int | None = None
    event_id: int | None = None
    event_created: bool = False
    error: str = ""


def count_in_run(run_id, result):
    """Add one to a run's counter; atomic, so concurrent article tasks of one feed poll add up."""
    if run_id:
        IngestRun.objects.filter(pk=run_id).update(**{f"{result}_count": F(f"{result}_count") + 1})


def link_feed(article_id, feed_id):
    if feed_id:
        ArticleFeed.objects.get_or_create(article_id=article_id, feed_id=feed_id)


PLACEHOLDERS = [Article.Status.FAILED, Article.Status.PENDING]


def _same_article(canonicals, content_hash="", title_hash=""):
    match = Q(canonical_url__in=[c for c in canonicals if c])
    if content_hash:
        match |= Q(content_hash=content_hash)
    if title_hash:
        match |= Q(title_hash=title_hash)
    return match


def find_existing(*canonicals, content_hash="", title_hash=""):
    """An article already stored under one of these canonical URLs or fingerprints, failed and pending
    ones aside (those are placeholders the article replaces)."""
    # Only the columns callers read: a stored article's text can run to megabytes.
    return (
        Article.objects.filter(_same_article(canonicals, content_hash, title_hash))
        .exclude(status__in=PLACEHOLDERS)
        .only("id", "event_id")
        .order_by("id")
        .first()
    )


def record_failure(url, message, *, feed_id=None, canonical=None):
    """Store why an article could not be read; a later success reuses the row. Never overwrites a good one."""
    canonical = canonical or _safe_canonical(url)
    article, created = Article.objects.get_or_create(
        canonical_url=canonical,
        defaults={
            "url": url[:2000],
            "status": Article.Status.FAILED,
            "error": message,
            "feed_id": feed_id,
            "attempts": 1,
        },
    )
    if not created and article.status in (Article.Status.FAILED, Article.Status.PENDING):
        Article.objects.filter(pk=article.pk).update(
            status=Article.Status.FAILED, error=message, attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    link_feed(article.pk, feed_id)
    return article


def _safe_canonical(url):
    try:
        return canonical_url(url)[:2000]
    except Exception:  # a URL too broken to canonicalise is still recorded, as written
        return url[:2000]


def ingest_url(url, *, feed_id=None, run_id=None, published_hint=None, allow_private=None):
    """Fetch one article by URL and take it through the pipeline.

    Permanent failures are stored on the article and returned; transient ones are stored and re-raised
    (a TransientFetchError) so the task retries.
    """
    canonical = _safe_canonical(url)
    existing = find_existing(canonical)
    if existing is not None:
        link_feed(existing.pk, feed_id)
        count_in_run(run_id, DUPLICATE)
        return Outcome(DUPLICATE, article_id=existing.pk, event_id=existing.event_id)
    try:
        fetched = fetch(url, accept="article", allow_private=allow_private)
    except FetchError as exc:
        article = record_failure(url, exc.message, feed_id=feed_id, canonical=canonical)
        if not exc.permanent:
            raise
        count_in_run(run_id, FAILED)
        return Outcome(FAILED, article_id=article.pk, error=exc.message)
    return ingest_html(
        fetched.content,
        url=url,
        final_url=fetched.final_url,
        encoding=getattr(fetched, "encoding", None),
        feed_id=feed_id,
        run_id=run_id,
        published_hint=published_hint,
    )


def _decode(content, encoding):
    if isinstance(content, str):
        return content
    try:
        return content.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def ingest_html(content, *, url, final_url=None, encoding=None, feed_id=None, run_id=None, published_hint=None):
    """Take an article page already in hand (fetched, or a saved file) through extract → propose."""
    canonical = _safe_canonical(url)
    final_canonical = _safe_canonical(final_url) if final_url else canonical
    try:
        extracted = extract_article(_decode(content, encoding), url=final_url or url)
    except ExtractionError as exc:
        article = record_failure(url, exc.message, feed_id=feed_id, canonical=canonical)
        count_in_run(run_id, FAILED)
        return Outcome(FAILED, article_id=article.pk, error=exc.message)
    # The feed entry's date is the publisher's word: it comes before a date guessed from the URL.
    if extracted.date_source in ("", "url") and published_hint:
        hinted = _parse_hint(published_hint)
        if hinted is not None:
            extracted.published_at, extracted.date_source = hinted, "feed"
    try:
        return _store(
            extracted,
            url=url,
            canonical=canonical,
            final_canonical=final_canonical,
            final_url=final_url or url,
            feed_id=feed_id,
            run_id=run_id,
        )
    except IntegrityError:
        # Another task stored the same article between our check and our insert: theirs stands.
        existing = find_existing(
            canonical, final_canonical, content_hash=extracted.content_hash, title_hash=extracted.title_hash
        )
        if existing is None:
            raise
        link_feed(existing.pk, feed_id)
        count_in_run(run_id, DUPLICATE)
        return Outcome(DUPLICATE, article_id=existing.pk, event_id=existing.event_id)


def _parse_hint(value):
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    parsed = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)
    return plausible_publication(parsed)  # a hint dated 9999-12-31 (or next year) is no hint


@transaction.atomic
def _store(extracted, *, url, canonical, final_canonical, final_url, feed_id, run_id=None):
    outcome = _write(
        extracted, url=url, canonical=canonical, final_canonical=final_canonical, final_url=final_url, feed_id=feed_id
    )
    # In the article's transaction: as durable as the article, and no separate round trip of its own.
    count_in_run(run_id, outcome.result)
    return outcome


def _write(extracted, *, url, canonical, final_canonical, final_url, feed_id):
    # One query finds both a stored copy (by URL or fingerprint) and a failed or pending row for this URL.
    candidates = list(
        Article.objects.filter(
            _same_article((canonical, final_canonical), extracted.content_hash, extracted.title_hash)
            | Q(canonical_url__in={canonical, final_canonical}, status__in=PLACEHOLDERS)
        )
        .order_by("id")
        .values_list("id", "event_id", "status", "canonical_url")
    )
    for article_id, event_id, status, _ in candidates:
        if status not in PLACEHOLDERS:
            link_feed(article_id, feed_id)
            return Outcome(DUPLICATE, article_id=article_id, event_id=event_id)
    fields = {
        "url": url[:2000],
        "canonical_url": final_canonical,
        "final_url": final_url[:2000],
        "content_hash": extracted.content_hash,
        "title_hash": extracted.title_hash,
        "title": extracted.title,
        "author": extracted.author,
        "publisher": extracted.publisher,
        "published_at": extracted.published_at,
        "text": extracted.text,
        "html_sanitised": extracted.html_sanitised,
        "status": Article.Status.EXTRACTED,
        "error": "",
    }
    # A failure recorded earlier for this URL, or its pending placeholder, becomes the article (locked: a
    # racing task waits here, and finds it no longer a placeholder if the other task stored the article).
    placeholders = [article_id for article_id, _, _, url_key in candidates if url_key in {canonical, final_canonical}]
    failed = (
        Article.objects.select_for_update().filter(pk__in=placeholders, status__in=PLACEHOLDERS).order_by("id").first()
        if placeholders
        else None
    )
    if failed is not None:
        for name, value in fields.items():
            setattr(failed, name, value)
        failed.feed_id = failed.feed_id or feed_id
        article = failed
    else:
        article = Article(feed_id=feed_id, **fields)
    return link_classify_propose(article, feed_id=feed_id, published_source=extracted.date_source)


def link_classify_propose(article, *, feed_id=None, published_source=None, force_relevant=False):
    """Mentions, kind, relevance and the event's date, then the event(s); saves the article. Called inside
    its transaction. `force_relevant`: a curator promoted an article judged irrelevant.

    Linking and classifying need only the text, so they run before the row is written: a new article
    is one INSERT (plus one UPDATE when it proposes or joins an event), not an INSERT and an UPDATE.
    """
    full_text = f"{article.title}\n{article.text}"
    entities, choices = link_article(full_text)
    verdict = classify(article.title, article.text, entities)
    relevant = verdict.relevant or force_relevant
    if published_source is None:
        published_source = "metadata" if article.published_at else ""
    when = event_date(article.title, article.text, article.published_at, published_source)
    article.kind_guess = verdict.kind
    article.kind_confidence = verdict.confidence
    article.matched_rules = list(verdict.matched_rules)
    article.kind_rule = verdict.rule[:200]
    article.relevance_signals = {
        "relevant": relevant,
        "route": "promoted by a curator" if force_relevant and not verdict.relevant else verdict.route,
        "ai": list(verdict.ai_side),
        "screen": list(verdict.entertainment_side),
        "missing": [
            side for side, evidence in (("AI", verdict.ai_side), ("screen industries", verdict.entertainment_side))
            if not evidence
        ],
    }  # fmt: skip
    article.link_choices = choices
    article.event_date = when.date
    article.event_date_precision = when.precision
    article.event_date_source = when.source
    article.event_date_evidence = when.evidence[:300]
    evidence = len(verdict.ai_side) + len(verdict.entertainment_side)
    article.relevance = min(1.0, evidence / 4) if relevant else 0.0
    if not relevant:
        article.status = Article.Status.IRRELEVANT
    new_row = article.pk is None
    article.save()
    if new_row and feed_id:  # a row created just now has no feed links yet: no get_or_create round trips
        ArticleFeed.objects.create(article_id=article.pk, feed_id=feed_id)
    else:
        link_feed(article.pk, feed_id)
    if not new_row:  # a reused failed or pending row: no mention of an earlier attempt survives
        Mention.objects.filter(article=article).delete()
        CandidateName.objects.filter(article=article, status=CandidateName.Status.OPEN).delete()
    if entities:
        Mention.objects.bulk_create(
            Mention(
                article=article,
                organisation_id=e.id if e.kind == "organisation" else None,
                person_id=e.id if e.kind == "person" else None,
                count=e.count,
            )
            for e in entities
        )
    if not relevant:  # no candidate names: nobody reviews it unless promoted, and promoting reads them then
        return Outcome(IRRELEVANT, article_id=article.pk)
    candidates = store_candidates(article, full_text, entities)
    matches = match.find_events(_facts(article, verdict.kind, when, entities, candidates))
    events, created = propose(article, verdict.kind, entities, when, matches)
    article.event = events[0]
    article.status = Article.Status.PROPOSED if created else Article.Status.LINKED
    article.save(update_fields=["event", "status", "updated_at"])
    return Outcome(NEW, article_id=article.pk, event_id=events[0].pk, event_created=created)


def store_candidates(article, text, entities=()):
    """Keep the names that look like organisations or people the registry lacks, for the review screen.
    A word of a name linked in the article ("Epic" after "Epic Games", "Tillis") is that name, not a new one."""
    matcher = current_matcher()
    linked_words = {word.casefold() for entity in entities for word in entity.name.split()}

    def known(name):
        return matcher.covers(name) or all(word.casefold() in linked_words for word in name.split())

    found = find_candidates(text, known)
    if found:
        CandidateName.objects.bulk_create(
            [
                CandidateName(
                    article=article, name=c.name[:200], key=c.key[:200], kind=c.kind, cue=c.cue[:100],
                    sentence=c.sentence, count=c.count,
                )
                for c in found
            ],
            ignore_conflicts=True,
        )  # fmt: skip
    return found


def _facts(article, kind, when, entities, candidates=()):
    """What the event matcher reads of an article: its lead's entities and, for roundups, each paragraph's.
    Unknown names (candidates) count as entities too: two reports of one new deal share them."""
    matcher = current_matcher()
    lead_text = f"{article.title}\n{lead(article.text)}".casefold()
    unknown = {("candidate", c.key) for c in candidates}
    lead_unknown = {("candidate", c.key) for c in candidates if c.key in lead_text}
    lead_entities = set(matcher.find(f"{article.title}\n{lead(article.text)}")) | lead_unknown
    paragraphs, previous = [], None
    blocks = [block for block in article.text.split("\n") if len(block) > 40]
    if len(blocks) >= 3 and article.published_at:
        for block in blocks:
            day = date_in_text("", block, article.published_at.date())
            later = days_later(block)
            if day is None and later and previous:  # "Two days later ..." in a roundup's next item
                day = EventDate(previous + datetime.timedelta(days=later), "day", "text", f"{later} days later")
            previous = day.date if day else previous
            paragraphs.append((block, set(matcher.find(block)), (day.date, day.source) if day else None))
    return match.ArticleFacts(
        title=article.title,
        text=article.text,
        kind=kind,
        date=when.date,
        date_source=when.source,
        lead_entities=lead_entities,
        entities={(e.kind, e.id) for e in entities} | unknown,
        paragraphs=paragraphs,
    )


def _roles(entities):
    organisations = [e for e in entities if e.kind == "organisation"]
    people = [e for e in entities if e.kind == "person"]
    top = organisations[0].count if organisations else 0

    def org_role(entity):
        if entity.org_kind == "union":
            return Role.UNION
        if entity.count >= SUBJECT_MIN_MENTIONS or entity.count == top:
            return Role.SUBJECT
        return Role.MENTIONED

    return (
        [(e.id, org_role(e)) for e in organisations],
        [(e.id, Role.SUBJECT if e.count >= SUBJECT_MIN_MENTIONS else Role.MENTIONED) for e in people],
    )


def summarise(text, limit=SUMMARY_CHARS):
    """The first sentences of the text, up to `limit` characters, for a curator to rewrite."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    summary = ""
    for sentence in sentences:
        if len(summary) + len(sentence) + 1 > limit:
            break
        summary = f"{summary} {sentence}".strip()
    return summary or text[:limit]


def propose(article, kind, entities, when=None, matches=()):
    """Make the article a source of the events it matches, or of a new draft. Returns (events, created)."""
    organisations, people = _roles(entities)
    source = {
        "source_url": article.final_url or article.url,
        "source_title": article.title,
        "publisher": article.publisher,
        "published_on": article.published_at.date() if article.published_at else None,
    }
    if matches:
        events = []
        for found in matches:
            event, _ = event_services.propose_event(
                kind=kind, date=found.event.date, title=article.title, organisations=organisations, people=people,
                event=found.event, **source,
            )  # fmt: skip
            ArticleEvent.objects.get_or_create(
                article=article,
                event=event,
                defaults={"how": ArticleEvent.How.JOINED, "score": found.score, "reasons": found.reasons},
            )
            events.append(event)
        return events, False
    when = when or event_date(article.title, article.text, article.published_at, "metadata")
    summary = summarise(article.text)
    if when.known:
        day, precision = when.date, when.precision or Event.Precision.DAY
        if precision == Event.Precision.MONTH:
            day = day.replace(day=1)
    else:  # never today's date in silence: the draft says it does not know, and cannot be published so
        day, precision = timezone.now().date(), Event.Precision.UNKNOWN
    event, _ = event_services.propose_event(
        kind=kind, date=day, date_precision=precision, title=article.title or article.canonical_url, summary=summary,
        organisations=organisations, people=people, find_match=False, **source,
    )  # fmt: skip
    ArticleEvent.objects.get_or_create(
        article=article, event=event, defaults={"how": ArticleEvent.How.PROPOSED, "reasons": {"date": when.evidence}}
    )
    return [event], True
