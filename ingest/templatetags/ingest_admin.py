"""Figures for the admin home: what waits for a curator (drafts, proposed sources, unhealthy feeds,
candidate names), each with the page that deals with it."""

from django import template
from django.urls import reverse

from events.models import ProposedSource
from ingest.models import CandidateName, DraftEvent, Feed

register = template.Library()


@register.simple_tag
def unhealthy_feed_count():
    return Feed.objects.unhealthy().count()


@register.simple_tag
def waiting_for_review():
    """[(count, label, url, start)] for the admin home: four small counts, each on an index, and for drafts
    and proposed sources a link `start` = (words, url) straight to the first one in the queue's order, which
    saves the curator the list's page on the way in."""
    drafts = DraftEvent.objects.count()
    proposals = ProposedSource.objects.count()
    feeds = Feed.objects.unhealthy().count()
    names = CandidateName.objects.filter(status=CandidateName.Status.OPEN).values("key").distinct().count()
    newest_draft = DraftEvent.objects.order_by("-created_at", "-id").values_list("pk", flat=True).first()
    first_proposal = (
        ProposedSource.objects.order_by("event__date", "event_id", "created_at").values_list("pk", flat=True).first()
    )
    return [
        (drafts, "draft" if drafts == 1 else "drafts", reverse("admin:ingest_draftevent_changelist"),
         newest_draft and ("review the newest draft", reverse("admin:ingest_draftevent_change", args=[newest_draft]))),
        (proposals, "proposed source" if proposals == 1 else "proposed sources",
         reverse("admin:events_proposedsource_changelist"),
         first_proposal and ("review the first proposal",
                             reverse("admin:events_proposedsource_change", args=[first_proposal]))),
        (feeds, "unhealthy feed" if feeds == 1 else "unhealthy feeds",
         reverse("admin:ingest_feed_changelist") + "?health=unhealthy", None),
        (names, "candidate name" if names == 1 else "candidate names",
         reverse("admin:ingest_candidatename_changelist"), None),
    ]
