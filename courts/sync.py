"""Polling one lawsuit's docket on CourtListener: new entries that matter become draft events.

Each new entry is stored in its own transaction as soon as it is read, so a failure on page three keeps
the entries of pages one and two, and the next poll does not propose them again. A failure is recorded
on the lawsuit's DocketSync; a rate limit is raised to the task, which comes back after Retry-After.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import strip_tags

from events.models import Event, EventOrganisation, Lawsuit, Role, Source

from .classify import stage_of
from .client import CourtListener, CourtListenerError, RateLimited
from .models import DocketEntry, DocketSync

log = logging.getLogger(__name__)
SIDE_ROLES = {"plaintiff": Role.PLAINTIFF, "defendant": Role.DEFENDANT}


@dataclass
class PollResult:
    lawsuit: str
    seen: int = 0
    new: int = 0
    drafts: int = 0
    error: str = ""


def tracked_lawsuits():
    return Lawsuit.objects.filter(courtlistener_docket_id__isnull=False).order_by("pk")


def entry_text(raw):
    """The entry's description, or its first document's when the entry has none (as RECAP often does)."""
    text = raw.get("description") or ""
    if not text:
        documents = raw.get("recap_documents") or []
        text = next((d.get("description") for d in documents if isinstance(d, dict) and d.get("description")), "")
    return " ".join(strip_tags(str(text)).split())[:4000]


def draft_title(lawsuit, entry, stage):
    label = DocketEntry.Kind(stage.kind).label
    text = entry.description if len(entry.description) <= 160 else entry.description[:157].rstrip() + "..."
    return f"{lawsuit.case_name}: {label.lower()} — {text}"[:300]


def draft_summary(lawsuit, entry, stage):
    number = f"entry {entry.entry_number}" if entry.entry_number else "an entry"
    summary = f"Docket {number} on CourtListener, filed {entry.date_filed or 'on an unknown date'}: {entry.description}"
    if stage.status and stage.status != lawsuit.status:
        summary += (
            f"\n\nProposed status change for the lawsuit: {lawsuit.get_status_display()} → "
            f"{Lawsuit.Status(stage.status).label} (apply it from the docket entry in the admin)."
        )
    return summary


def make_draft(lawsuit, entry, stage):
    """The draft event for a docket entry that matters, linked to the lawsuit and its parties."""
    event = Event.objects.create(
        date=entry.date_filed or timezone.localdate(),
        kind=stage.event_kind,
        title=draft_title(lawsuit, entry, stage),
        summary=draft_summary(lawsuit, entry, stage),
        status=Event.Status.DRAFT,
        machine_draft=True,  # the sync's words, until a curator checks them
        lawsuit=lawsuit,
    )
    Source.objects.create(
        event=event,
        url=f"{lawsuit.courtlistener_url}#entry-{entry.entry_number or entry.courtlistener_id}",
        title=f"{lawsuit.case_name}, docket entry {entry.entry_number or entry.courtlistener_id}",
        publisher="CourtListener",
        published_on=entry.date_filed,
    )
    parties = lawsuit.parties.filter(organisation__isnull=False, side__in=SIDE_ROLES)
    EventOrganisation.objects.bulk_create(
        [EventOrganisation(event=event, organisation_id=p.organisation_id, role=SIDE_ROLES[p.side]) for p in parties],
        ignore_conflicts=True,
    )
    return event


def covered_until(lawsuit):
    """The date of the lawsuit's latest published event: docket entries up to it are history curators covered.

    Without this, a docket's first poll would turn years of filings into drafts.
    """
    return lawsuit.events.filter(status=Event.Status.PUBLISHED).order_by("-date").values_list("date", flat=True).first()


def take_entry(lawsuit, raw, known, covered=None):
    """Store one docket entry read from CourtListener, with its draft when it matters and is new to the
    timeline (filed after `covered`). Returns the entry, or None if it was seen before."""
    try:
        entry_id = int(raw["id"])
    except (KeyError, TypeError, ValueError):
        raise CourtListenerError(f"a docket entry without a usable id: {str(raw)[:200]}") from None
    if entry_id in known:
        return None
    number = raw.get("entry_number")
    entry = DocketEntry(
        lawsuit=lawsuit,
        courtlistener_id=entry_id,
        entry_number=number if isinstance(number, int) and number >= 0 else None,
        date_filed=parse_date(raw.get("date_filed") or "") if isinstance(raw.get("date_filed"), str) else None,
        description=entry_text(raw),
    )
    stage = stage_of(entry.description)
    already_covered = covered is not None and (entry.date_filed is None or entry.date_filed <= covered)
    with transaction.atomic():
        if stage is not None and not already_covered:
            entry.kind = stage.kind
            entry.proposed_status = stage.status if stage.status != lawsuit.status else ""
            entry.event = make_draft(lawsuit, entry, stage)
        entry.save()
    known.add(entry_id)
    return entry


def record_docket(sync, lawsuit, docket):
    """Keep what CourtListener says of the docket; fill the lawsuit's judge and docket number if blank."""
    if not isinstance(docket, dict):
        raise CourtListenerError("CourtListener's docket answer is not an object")
    sync.court_id = str(docket.get("court_id") or "")[:40]
    sync.docket_number = str(docket.get("docket_number") or "")[:100]
    sync.assigned_to = str(docket.get("assigned_to_str") or "")[:200]
    blanks = {"judge": sync.assigned_to, "docket_number": sync.docket_number}
    changed = [f for f, v in blanks.items() if v and not getattr(lawsuit, f)]
    for field in changed:
        setattr(lawsuit, field, blanks[field])
    if changed:
        lawsuit.save(update_fields=[*changed, "updated_at"])


def poll_lawsuit(lawsuit, client=None):
    """Read the lawsuit's docket and entries; returns a PollResult. Raises RateLimited for the task to retry."""
    sync, _ = DocketSync.objects.get_or_create(lawsuit=lawsuit)
    result = PollResult(lawsuit.case_name)
    seen = DocketEntry.objects.filter(lawsuit=lawsuit)
    known = set(seen.values_list("courtlistener_id", flat=True))
    covered = covered_until(lawsuit)
    # After the first poll, ask only for entries filed since the last one seen (a week back, for late entries).
    latest = seen.exclude(date_filed=None).order_by("-date_filed").values_list("date_filed", flat=True).first()
    since = latest - timezone.timedelta(days=7) if latest else None
    own_client = client is None
    client = client or CourtListener()
    sync.last_polled_at = timezone.now()
    try:
        record_docket(sync, lawsuit, client.docket(lawsuit.courtlistener_docket_id))
        for page in client.docket_entry_pages(lawsuit.courtlistener_docket_id, filed_since=since):
            for raw in page:
                result.seen += 1
                entry = take_entry(lawsuit, raw if isinstance(raw, dict) else {}, known, covered)
                if entry is not None:
                    result.new += 1
                    result.drafts += int(entry.event_id is not None)
    except RateLimited as error:
        sync.last_error, sync.last_error_at = str(error), timezone.now()
        sync.rate_limited_until = timezone.now() + timezone.timedelta(seconds=error.retry_after)
        sync.save()
        raise
    except CourtListenerError as error:
        result.error = str(error)
        sync.last_error, sync.last_error_at = str(error), timezone.now()
        sync.failures += 1
        sync.save()
        log.warning("docket sync of %s failed after %d new entries: %s", lawsuit, result.new, error)
        return result
    finally:
        if own_client:
            client.close()
    sync.last_success_at, sync.last_error, sync.failures, sync.rate_limited_until = timezone.now(), "", 0, None
    sync.save()
    return result
