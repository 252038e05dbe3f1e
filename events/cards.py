"""Fragments rendered once and cached: timeline cards, and the organisation options of the filter form.

The same event looks the same on every page that shows it.

A card's cache key holds the event's id and `updated_at` (a curator's edit, or a change to its sources or
links, moves `updated_at` and so the key: see signals.py) and a version number that every change to an
organisation, person, lawsuit or agreement bumps, since their names appear on the cards. Old keys are
never read again and expire on their own.
"""

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .models import card_prefetches
from .versions import cards_version

CARD_TIMEOUT = 7 * 24 * 3600
TEMPLATE = "events/_event_card.html"


def card_key(event, version):
    return f"events:card:{version}:{event.pk}:{event.updated_at.timestamp():.6f}"


def attach_cards(events, version=None):
    """Give each event a `card_html`: from the cache, or rendered now (prefetching only for those).

    `version`: the cards version when the caller has it already (one cache round trip less).
    """
    if not events:
        return events
    version = version or cards_version()
    keys = {event.pk: card_key(event, version) for event in events}
    found = cache.get_many(list(keys.values()))
    missing = [event for event in events if keys[event.pk] not in found]
    if missing:
        prefetch_related_objects(missing, *card_prefetches())
        fresh = {keys[event.pk]: render_to_string(TEMPLATE, {"event": event}) for event in missing}
        cache.set_many(fresh, CARD_TIMEOUT)
        found.update(fresh)
    for event in events:
        # Rendered by our own template, with its autoescaping, from our own rows.
        event.card_html = mark_safe(found[keys[event.pk]])  # noqa: S308
    return events


def popular_organisation_options(exclude=()):
    """The most covered organisations as <option>s, by name, leaving out `exclude` (slugs shown as chosen)."""
    from .queries import organisation_coverage

    rows = organisation_coverage(max_age=300)["most_covered"]
    organisations = [(slug, name) for slug, name in rows if slug not in exclude]
    html = render_to_string("events/_org_options.html", {"organisations": organisations})
    return mark_safe(html)  # noqa: S308  (our own template, autoescaped)
