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
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import card_prefetches
from .templatetags.dailies import at_precision, safe_url
from .versions import cards_version

CARD_TIMEOUT = 7 * 24 * 3600
TEMPLATE = "events/_event_card.html"


def card_key(event, version):
    return f"events:card:{version}:{event.pk}:{event.updated_at.timestamp():.6f}"


def compiled_card(event, timeline_url):
    """The card of `event` exactly as templates/events/_event_card.html renders it (a test holds the two
    equal), built by string formatting: a Django template walks ~3,000 nodes and lookups per card, which
    made rendering a page of cards not cached cost more than everything else on the page. `event` has its
    card relations prefetched; `timeline_url` is reverse("events:timeline"), looked up once per page."""
    date = event.date
    parts = [
        f'<article class="event kind-{escape(event.kind)}" id="event-{escape(event.slug)}">\n  <header>\n'
        f'    <time datetime="{date.isoformat()}">{escape(at_precision(date, event.date_precision))}'
        f'</time>\n    <span class="kind">{escape(event.get_kind_display())}</span>\n  </header>\n'
        f'  <h3><a href="{escape(event.get_absolute_url())}">{escape(event.title)}</a></h3>\n  ',
        f'<p class="summary">{escape(event.summary)}</p>' if event.summary else "",
        '\n  <ul class="chips" aria-label="Involved">\n    ',
    ]
    for link in event.organisation_links.all():
        role = escape(link.get_role_display())
        small = f" <small>{escape(link.get_role_display().lower())}</small>" if link.role != "subject" else ""
        parts.append(
            f'\n      <li><a class="chip org" href="{timeline_url}?org={escape(link.organisation.slug)}"\n'
            f'             title="{role}">{escape(link.organisation.name)}{small}</a></li>\n    '
        )
    parts.append("\n    ")
    for link in event.person_links.all():
        parts.append(
            f'\n      <li><a class="chip person" href="{timeline_url}?person={escape(link.person.slug)}"\n'
            f'             title="{escape(link.get_role_display())}">{escape(link.person.name)}</a></li>\n    '
        )
    parts.append("\n    ")
    if event.lawsuit:
        parts.append(f'<li><a class="chip lawsuit" href="{escape(event.lawsuit.get_absolute_url())}">'
                     f"{escape(event.lawsuit.case_name)}</a></li>")
    parts.append("\n    ")
    if event.agreement:
        parts.append(f'<li><a class="chip agreement" href="{escape(event.agreement.get_absolute_url())}">'
                     f"{escape(event.agreement.name)}</a></li>")
    parts.append("\n  </ul>\n  ")
    sources = list(event.sources.all())
    if sources:
        parts.append(
            f'\n  <details class="sources">\n    <summary>{len(sources)} source{"" if len(sources) == 1 else "s"}'
            '</summary>\n    <ol class="source-list">'
        )
        for source in sources:
            primary = '>'
            if source.is_primary:
                primary = ' class="primary"><strong class="primary-mark">Primary source</strong> '
            parts.append(
                f'\n  <li{primary}<a href="{escape(safe_url(source.url))}" rel="noopener nofollow" target="_blank">'
                f"{escape(source.title or source.url)}</a>"
            )
            if source.publisher:
                parts.append(f" · {escape(source.publisher)}")
            if source.published_on:
                day = source.published_on
                parts.append(f' · <time datetime="{day.isoformat()}">{date_format(day, "j M Y")}</time>')
            parts.append("</li>\n")
        parts.append("</ol>\n  </details>\n  ")
    parts.append("\n</article>\n")
    return "".join(parts)


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
        timeline_url = reverse("events:timeline")
        fresh = {keys[event.pk]: compiled_card(event, timeline_url) for event in missing}
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
