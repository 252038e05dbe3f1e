"""Changes to the domain that more than one caller makes: publishing, rejecting, merging.

The admin calls these, and so does the ingest pipeline; each keeps the rules in one place.
"""

import datetime
import re

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import update_change_reason

from .models import (
    DATE_UNKNOWN_REFUSAL,
    Affiliation,
    Event,
    EventOrganisation,
    EventPerson,
    LawsuitParty,
    Organisation,
    OrganisationMerge,
    Source,
    UnionAgreement,
    split_aliases,
)

NO_SOURCE_REFUSAL = "no source yet: accept one of its sources first."


def publish_refusal(event):
    """Why the event cannot be published as it stands, in a curator's words; "" when it can."""
    if event.date_unknown:
        return DATE_UNKNOWN_REFUSAL
    if not any(source.review == Source.Review.ACCEPTED for source in event.sources.all()):
        return NO_SOURCE_REFUSAL
    return ""


def publish_events(events, *, reason=""):
    """Publish the given events; those without a source or without a date are refused. Returns
    (published, refused); each refused event carries `refusal`, the reason in a curator's words.

    `reason` goes into each event's history (a bulk action says so there)."""
    published, refused = [], []
    for event in events.prefetch_related("sources") if hasattr(events, "prefetch_related") else events:
        event.refusal = publish_refusal(event)
        if event.refusal:
            refused.append(event)
            continue
        if event.status != Event.Status.PUBLISHED:
            event.status = Event.Status.PUBLISHED
            event.published_at = event.published_at or timezone.now()
            event.machine_draft = False  # a curator published it as it stands: the words are now theirs
            if reason:
                event._change_reason = reason
            event.save(update_fields=["status", "published_at", "machine_draft", "updated_at"])
        published.append(event)
    return published, refused


def reject_events(events, *, reason=""):
    """Reject the given events; a rejected event is never public."""
    rejected = []
    for event in events:
        if event.status != Event.Status.REJECTED:
            event.status = Event.Status.REJECTED
            if reason:
                event._change_reason = reason
            event.save(update_fields=["status", "updated_at"])
        rejected.append(event)
    return rejected


@transaction.atomic
def merge_organisations(target, duplicates):
    """Fold `duplicates` into `target`: every relation is re-pointed and their names kept as aliases.

    Event links that would repeat one the target already has are dropped (the target's role wins). Each
    merge is recorded (OrganisationMerge): the old URL redirects to the target, and an un-merge restores.
    """
    duplicates = [d for d in duplicates if d.pk != target.pk]
    if not duplicates:
        return target
    names = split_aliases(target.aliases)
    for duplicate in duplicates:
        snapshot = {
            "organisation": {
                "name": duplicate.name, "slug": duplicate.slug, "kind": duplicate.kind, "aliases": duplicate.aliases,
                "website": duplicate.website, "description": duplicate.description, "parent_id": duplicate.parent_id,
            },
            "target_aliases": target.aliases,
            "target_parent_id": target.parent_id,
            "event_links": [], "parties": [], "affiliations": [], "agreements": [], "counterparty_of": [],
            "subsidiaries": [],
        }
        names += [duplicate.name, *split_aliases(duplicate.aliases)]
        for link in EventOrganisation.objects.filter(organisation=duplicate):
            kept = not EventOrganisation.objects.filter(event_id=link.event_id, organisation=target).exists()
            snapshot["event_links"].append([link.pk, kept, link.event_id, link.role])
            if kept:
                link.organisation = target
                link.save(update_fields=["organisation"])
            else:
                link.delete()
        for party in LawsuitParty.objects.filter(organisation=duplicate):
            kept = not LawsuitParty.objects.filter(
                lawsuit_id=party.lawsuit_id, organisation=target, side=party.side
            ).exists()
            snapshot["parties"].append([party.pk, kept, party.lawsuit_id, party.side])
            if kept:
                party.organisation = target
                party.save(update_fields=["organisation"])
            else:
                party.delete()
        moving = duplicate.affiliations.exclude(person__affiliations__organisation=target)
        snapshot["affiliations"] = list(moving.values_list("pk", flat=True))
        Affiliation.objects.filter(pk__in=snapshot["affiliations"]).update(organisation=target)
        snapshot["agreements"] = list(duplicate.agreements.values_list("pk", flat=True))
        duplicate.agreements.update(union=target)
        for agreement in duplicate.agreements_as_counterparty.all():
            had_target = agreement.counterparties.filter(pk=target.pk).exists()
            snapshot["counterparty_of"].append([agreement.pk, had_target])
            agreement.counterparties.remove(duplicate)
            agreement.counterparties.add(target)
        snapshot["subsidiaries"] = list(duplicate.subsidiaries.exclude(pk=target.pk).values_list("pk", flat=True))
        duplicate.subsidiaries.exclude(pk=target.pk).update(parent=target)
        if target.parent_id == duplicate.pk:
            target.parent = duplicate.parent
        OrganisationMerge.objects.filter(survivor=duplicate, undone_at__isnull=True).update(survivor=target)
        OrganisationMerge.objects.create(
            survivor=target, merged_name=duplicate.name, merged_slug=duplicate.slug, snapshot=snapshot
        )
    keep = [n for n in split_aliases("\n".join(names)) if n.casefold() != target.name.casefold()]
    target.aliases = "\n".join(keep)
    target.save()
    for duplicate in duplicates:
        duplicate.delete()
    return target


@transaction.atomic
def unmerge_organisation(merge):
    """Undo one merge: the organisation comes back under its old name and URL, with the rows the merge
    moved (those still on the survivor). Returns the restored organisation."""
    if merge.undone_at is not None:
        raise ValueError("This merge was undone already.")
    snapshot, survivor = merge.snapshot, merge.survivor
    fields = snapshot["organisation"]
    restored = Organisation.objects.create(
        name=fields["name"], slug=fields["slug"], kind=fields["kind"], aliases=fields["aliases"],
        website=fields["website"], description=fields["description"],
        parent_id=fields["parent_id"] if Organisation.objects.filter(pk=fields["parent_id"]).exists() else None,
    )
    for link_id, kept, event_id, role in snapshot["event_links"]:
        if kept:
            # Saved row by row, as the merge did: each event's history shows the link coming back, and by whom.
            for link in EventOrganisation.objects.filter(pk=link_id, organisation=survivor):
                link.organisation = restored
                link.save(update_fields=["organisation"])
        elif Event.objects.filter(pk=event_id).exists():
            EventOrganisation.objects.get_or_create(event_id=event_id, organisation=restored, defaults={"role": role})
    for party_id, kept, lawsuit_id, side in snapshot["parties"]:
        if kept:
            LawsuitParty.objects.filter(pk=party_id, organisation=survivor).update(organisation=restored)
        else:
            LawsuitParty.objects.get_or_create(lawsuit_id=lawsuit_id, organisation=restored, side=side)
    Affiliation.objects.filter(pk__in=snapshot["affiliations"], organisation=survivor).update(organisation=restored)
    UnionAgreement.objects.filter(pk__in=snapshot["agreements"], union=survivor).update(union=restored)
    for agreement_id, had_survivor in snapshot["counterparty_of"]:
        agreement = UnionAgreement.objects.filter(pk=agreement_id).first()
        if agreement is not None:
            agreement.counterparties.add(restored)
            if not had_survivor:
                agreement.counterparties.remove(survivor)
    Organisation.objects.filter(pk__in=snapshot["subsidiaries"], parent=survivor).update(parent=restored)
    survivor.aliases = snapshot["target_aliases"]
    if survivor.parent_id == fields["parent_id"] and snapshot["target_parent_id"] == restored.pk:
        survivor.parent = restored
    survivor.save()
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    return restored


def merged_organisation_redirect(slug):
    """The organisation an old slug now lives under, after a merge; None if it was never merged."""
    merge = OrganisationMerge.objects.filter(merged_slug=slug, undone_at__isnull=True).select_related("survivor")
    found = merge.first()
    return found.survivor if found else None


# --- Proposals from the ingest pipeline ------------------------------------------------------------
# ingest/ calls these with plain values; events/ never imports ingest/.

MATCH_WINDOW_DAYS = 3


def find_matching_event(*, kind, date, organisation_ids, window_days=MATCH_WINDOW_DAYS):
    """An event (draft or published, never rejected) of the same kind, within ±window_days of `date`,
    sharing at least one organisation; the one sharing the most wins, then the nearest in time."""
    if not organisation_ids:
        return None
    window = datetime.timedelta(days=window_days)
    candidates = (
        Event.objects.exclude(status=Event.Status.REJECTED)
        .filter(kind=kind, date__range=(date - window, date + window))
        .annotate(
            shared=Count(
                "organisation_links", filter=Q(organisation_links__organisation_id__in=organisation_ids)
            )
        )
        .filter(shared__gt=0)
        .order_by("-shared", "id")
    )
    # A window of a few days holds few candidates: rank them here rather than in portable SQL.
    return max(candidates[:20], key=lambda event: (event.shared, -abs((event.date - date).days)), default=None)


def add_source_to_event(event, *, url, title="", publisher="", published_on=None, review=Source.Review.ACCEPTED):
    """Attach an article to an event as a source; a second call with the same URL changes nothing (a
    rejected source stays rejected, an accepted one accepted)."""
    source, _ = Source.objects.get_or_create(
        event=event,
        url=url[:1000],
        defaults={
            "title": title[:500], "publisher": publisher[:200], "published_on": published_on, "review": review,
        },
    )
    return source


def review_for_new_source(event):
    """A source that ingest adds to a published event waits for a curator: readers see only what was
    reviewed. A draft's sources are reviewed with the draft."""
    return Source.Review.PROPOSED if event.status == Event.Status.PUBLISHED else Source.Review.ACCEPTED


def accept_sources(sources, *, reason=""):
    """Make proposed sources public. Saved one by one, so history and the cache signals see each;
    `reason` goes into each one's history (a bulk action says so there)."""
    return _set_review(sources, Source.Review.ACCEPTED, reason)


def reject_sources(sources, *, reason=""):
    """Keep proposed sources off the site for good; the row stays, so a re-ingest does not propose it again."""
    return _set_review(sources, Source.Review.REJECTED, reason)


def _set_review(sources, review, reason=""):
    changed = []
    for source in Source.objects.filter(pk__in=[s.pk for s in sources]).exclude(review=review):
        source.review = review
        if reason:
            source._change_reason = reason
        source.save(update_fields=["review"])
        changed.append(source)
    return changed


@transaction.atomic
def move_sources(sources, target, *, reason=""):
    """Move sources to the event they really report, accepted (a curator chose the event). A source
    the target already has is dropped instead. Returns the sources now on the target."""
    moved = []
    for source in Source.objects.filter(pk__in=[s.pk for s in sources]).exclude(event=target):
        if reason:
            source._change_reason = reason
        existing = Source.objects.filter(event=target, url=source.url).first()
        if existing is not None:
            source.delete()
            moved.append(existing)
            continue
        source.event = target
        source.review = Source.Review.ACCEPTED
        source.save(update_fields=["event", "review"])
        moved.append(source)
    return moved


# Titles often end with the site's name ("Sora opens up | The Verge"); summaries start with a dateline
# ("LOS ANGELES (Reuters) -") or a byline ("By Jane Doe"). A draft shows what the story says, not that.
TITLE_SEPARATORS = re.compile(r"\s+[|–—\-:·•]\s+")
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’\- ]{2,40}(?:,\s*[A-Z][\w.]*\.?(?:\s+\d{1,2})?)?\s*(?:\([^)]{2,40}\))?\s*[-–—:]+\s+)"
)
BYLINE = re.compile(
    r"^(?:By|BY)\s+[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|de|van|von)){1,3}?"
    r"(?:,\s*[\w ]{0,40}?\b(?i:writer|correspondent|reporter|editor|desk|staff)(?:\s+(?i:writer|reporter|editor))?)?"
    r"[,:]?\s+"
)
LEAD_SENTENCES = 2
LEAD_CHARS = 400


def clean_title(title, publisher=""):
    """The headline without the site's name tacked on before or after it."""
    title = " ".join((title or "").split())
    if publisher and title.casefold().startswith(publisher.casefold()):
        rest = title[len(publisher):]
        if rest[:1] in {":", "|", "-", "–", "—", "·"} or rest.startswith((" |", " -", " –", " —", " ·")):
            title = rest.lstrip(" |–—-:·•")
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        known = {p.casefold() for p in [publisher] if p}
        last, first = parts[-1], parts[0]
        if last.casefold() in known or (len(last.split()) <= 4 and len(last) < len(title) / 3):
            title = title[: title.rfind(last)].rstrip(" |–—-:·•")
        elif first.casefold() in known:
            title = title[len(first):].lstrip(" |–—-:·•")
    return title.strip() or "Untitled"


def lead_summary(text, *titles):
    """The lead sentence or two of an article, without its headline (as given in `titles`), dateline or
    byline."""
    text = " ".join((text or "").split())
    headlines = sorted({" ".join(t.split()) for t in titles if t and t.strip()}, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for headline in headlines:
            if text.casefold().startswith(headline.casefold()):
                text = text[len(headline):].lstrip(" .:-–—|")
                stripped = True
    for pattern in (BYLINE, DATELINE, BYLINE):
        text = pattern.sub("", text, count=1)
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])", text)
    lead = ""
    for sentence in sentences[:LEAD_SENTENCES]:
        if lead and len(lead) + len(sentence) + 1 > LEAD_CHARS:
            break
        lead = f"{lead} {sentence}".strip()
    return lead[:LEAD_CHARS * 2]


@transaction.atomic
def propose_event(
    *, kind, date, title, summary="", organisations=(), people=(), source_url, source_title="",
    publisher="", published_on=None, event=None, find_match=True, date_precision=Event.Precision.DAY,
):
    """Attach the source to a matching event, or create a draft event for curators to review.

    `organisations` and `people` are (id, role) pairs. `event`: the event the caller has already matched
    (the source joins it); `find_match=False`: the caller found none, so a draft is made. Returns (event, created).
    """
    if event is None and find_match:
        organisation_ids = [org_id for org_id, _ in organisations]
        event = find_matching_event(kind=kind, date=date, organisation_ids=organisation_ids)
    created = event is None
    if created:
        headline = clean_title(title, publisher)
        event = Event.objects.create(
            kind=kind, date=date, date_precision=date_precision, title=headline[:300],
            summary=lead_summary(summary, title, headline), status=Event.Status.DRAFT, machine_draft=True,
        )
    # A published event's organisations and people are the curators' word: a new source leaves them.
    if event.status == Event.Status.DRAFT:
        for org_id, role in organisations:
            EventOrganisation.objects.get_or_create(
                event=event, organisation_id=org_id, defaults={"role": role}
            )
        for person_id, role in people:
            EventPerson.objects.get_or_create(event=event, person_id=person_id, defaults={"role": role})
    add_source_to_event(
        event, url=source_url, title=source_title, publisher=publisher, published_on=published_on,
        review=review_for_new_source(event),
    )
    return event, created


@transaction.atomic
def merge_event_into(draft, target):
    """Fold a draft into an existing event: its sources, organisations and people move over (the
    target's own links and roles win), and the draft is rejected. Returns the target."""
    if draft.pk == target.pk:
        raise ValueError("An event cannot be merged into itself.")
    # What the merge brings to the target says so in the target's history, not just "added".
    reason = f"Merged from the draft “{draft.title}” (#{draft.pk})"[:100]
    brought = []
    target_urls = set(Source.objects.filter(event=target).values_list("url", flat=True))
    for source in Source.objects.filter(event=draft).exclude(review=Source.Review.REJECTED):
        added = add_source_to_event(
            target, url=source.url, title=source.title, publisher=source.publisher, published_on=source.published_on
        )
        if added.url not in target_urls:
            brought.append(added)
    for link in EventOrganisation.objects.filter(event=draft):
        added, created = EventOrganisation.objects.get_or_create(
            event=target, organisation_id=link.organisation_id, defaults={"role": link.role}
        )
        if created:
            brought.append(added)
    for link in EventPerson.objects.filter(event=draft):
        added, created = EventPerson.objects.get_or_create(
            event=target, person_id=link.person_id, defaults={"role": link.role}
        )
        if created:
            brought.append(added)
    for row in brought:
        update_change_reason(row, reason)
    reject_events([draft])
    return target
