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
    """[(count, label, url)] for the admin home: four small counts, each on an index."""
    drafts = DraftEvent.objects.count()
    proposals = ProposedSource.objects.count()
    feeds = Feed.objects.unhealthy().count()
    names = CandidateName.objects.filter(status=CandidateName.Status.OPEN).values("key").distinct().count()
    return [
        (drafts, "draft" if drafts == 1 else "drafts", reverse("admin:ingest_draftevent_changelist")),
        (proposals, "proposed source" if proposals == 1 else "proposed sources",
         reverse("admin:events_proposedsource_changelist")),
        (feeds, "unhealthy feed" if feeds == 1 else "unhealthy feeds",
         reverse("admin:ingest_feed_changelist") + "?health=unhealthy"),
        (names, "candidate name" if names == 1 else "candidate names",
         reverse("admin:ingest_candidatename_changelist")),
    ]
