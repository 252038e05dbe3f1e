"""What in the registry looks out of date or incomplete, for `manage.py check_registry` and the admin home.

Each check is a plain function returning findings of one kind; `findings()` runs them all. They read a
few queries' worth of rows (the registry holds hundreds, not millions), so the admin home can count them
on every visit.
"""

import dataclasses
import datetime
import json
import re

from django.db.models import Q
from django.utils import timezone

from .curated.entries import DATASET_PATH
from .models import Affiliation, Event, Lawsuit, Organisation, Source, UnionAgreement

# A lawsuit's status not checked against the court's record for this long may have moved on.
STATUS_CHECK_DAYS = 180


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str = ""


KINDS = {
    "agreement_expired_in_force": "agreement past its expiry still stored as in force",
    "agreement_dates_missing": "agreement in force without its ratification, start or expiry date",
    "lawsuit_no_docket": "lawsuit without a docket number",
    "lawsuit_no_filing_date": "lawsuit without a filing date",
    "lawsuit_untracked": "US lawsuit without a CourtListener docket id (its docket is not followed)",
    "lawsuit_status_unchecked": f"lawsuit whose status was not checked in {STATUS_CHECK_DAYS} days",
    "person_role_ended": "person shown in a role that has ended",
    "event_no_primary_source": "published event without a primary source (the document itself)",
    "event_weak_sources_only": "published event resting only on sources the dataset marks weak",
    "organisation_no_description": "organisation without a description",
}


def expired_agreements_still_in_force(today):
    for agreement in UnionAgreement.objects.filter(
        status__in=UnionAgreement.IN_FORCE, expires_on__lt=today
    ).select_related("superseded_by"):
        status = agreement.effective_status(today)
        if status.value == UnionAgreement.Status.EXPIRED:
            yield Finding(
                "agreement_expired_in_force",
                agreement.name,
                f"stored as {agreement.get_status_display().lower()}, expired {agreement.expires_on}"
                " (its page already says expired; set the status to record it)",
            )


def agreements_missing_dates(today):
    ratified = UnionAgreement.objects.filter(status=UnionAgreement.Status.RATIFIED)
    for agreement in ratified.filter(Q(ratified_on=None) | Q(effective_on=None) | Q(expires_on=None)):
        missing = [f for f in ("ratified_on", "effective_on", "expires_on") if getattr(agreement, f) is None]
        yield Finding("agreement_dates_missing", agreement.name, "no " + ", ".join(missing))


def lawsuits_incomplete(today):
    stale_before = today - datetime.timedelta(days=STATUS_CHECK_DAYS)
    for lawsuit in Lawsuit.objects.order_by("case_name"):
        if not lawsuit.docket_number:
            yield Finding("lawsuit_no_docket", lawsuit.case_name)
        if not lawsuit.filed_on:
            yield Finding("lawsuit_no_filing_date", lawsuit.case_name)
        if lawsuit.court.startswith("U.S.") and not lawsuit.courtlistener_docket_id:
            yield Finding("lawsuit_untracked", lawsuit.case_name)
        open_case = lawsuit.status not in (Lawsuit.Status.SETTLED, Lawsuit.Status.CLOSED, Lawsuit.Status.DISMISSED)
        if open_case and (lawsuit.status_on is None or lawsuit.status_on < stale_before):
            checked = f"last checked {lawsuit.status_on}" if lawsuit.status_on else "never checked"
            yield Finding("lawsuit_status_unchecked", lawsuit.case_name, f"{lawsuit.get_status_display()}, {checked}")


# "President (2021-2025)", "Former CEO": the role's own words say it ended.
ENDED_IN_WORDS = re.compile(r"\bformer\b|\b(19|20)\d\d\s*[-–]\s*(19|20)\d\d\b", re.IGNORECASE)


def roles_ended(today):
    """Affiliations with no end date whose role has ended: its words say so, or someone took it over since."""
    affiliations = list(Affiliation.objects.select_related("person", "organisation"))
    holders = {}
    for a in affiliations:
        holders.setdefault((a.organisation_id, a.role.casefold()), []).append(a)
    for a in affiliations:
        if a.ended_on is not None:
            continue
        if ENDED_IN_WORDS.search(a.role):
            yield Finding("person_role_ended", a.person.name, f"{a.role}, {a.organisation}: no end date")
            continue
        successors = [
            b
            for b in holders[(a.organisation_id, a.role.casefold())]
            if b.person_id != a.person_id
            and b.started_on
            and b.started_on <= today
            and (a.started_on is None or b.started_on > a.started_on)
        ]
        if successors:
            yield Finding(
                "person_role_ended",
                a.person.name,
                f"{a.role}, {a.organisation}: {successors[0].person} holds it since {successors[0].started_on}",
            )


def weak_source_urls(path=DATASET_PATH):
    """The source URLs the curated dataset marks as weak (lesser-known sites, one source only)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {
        source.get("url")
        for event in data.get("events", [])
        if isinstance(event, dict)
        for source in event.get("sources") or []
        if isinstance(source, dict) and source.get("weak")
    }


def events_without_primary_source(today):
    """Published events with no accepted primary source, and those resting only on weak sources."""
    weak = weak_source_urls()
    sources = {}
    shown = Source.objects.public().filter(event__status=Event.Status.PUBLISHED)
    for event_id, url, primary in shown.values_list("event_id", "url", "is_primary"):
        sources.setdefault(event_id, []).append((url, primary))
    for event in Event.objects.published().only("id", "slug"):
        mine = sources.get(event.id, [])
        if not any(primary for _, primary in mine):
            yield Finding("event_no_primary_source", event.slug, f"{len(mine)} sources, none primary")
        if mine and all(url in weak for url, _ in mine):
            urls = ", ".join(url for url, _ in mine)
            yield Finding("event_weak_sources_only", event.slug, f"only weak sources: {urls}")


def organisations_without_description(today):
    for name in Organisation.objects.filter(description="").values_list("name", flat=True):
        yield Finding("organisation_no_description", name)


CHECKS = (
    expired_agreements_still_in_force,
    agreements_missing_dates,
    lawsuits_incomplete,
    roles_ended,
    events_without_primary_source,
    organisations_without_description,
)


def findings(today=None):
    today = today or timezone.localdate()
    return [finding for check in CHECKS for finding in check(today)]


def counts(found=None):
    """Findings per kind, every kind listed (zero included), in KINDS order."""
    found = findings() if found is None else found
    tally = {kind: 0 for kind in KINDS}
    for finding in found:
        tally[finding.kind] += 1
    return tally


def issue_count():
    """How many registry entries look out of date or incomplete (the admin home shows it)."""
    return len(findings())
