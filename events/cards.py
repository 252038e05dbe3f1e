"""Fragments rendered once and cached: timeline cards, and the organisation options of the filter form.

The same event looks the same on every page that shows it.

A card's cache key holds the event's id and `updated_at` (a curator's edit, or a change to its sources or
links, moves `updated_at` and so the key: see signals.py) and a version number that every change to an
organisation, person, lawsuit or agreement bumps, since their names appear on the cards. Old keys are
never read again and expire on their own.
"""

import dataclasses
import html
import re
from urllib.parse import urlencode

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe

from .models import Event, EventOrganisation, EventPerson, Role, Source, source_order
from .templatetags.dailies import at_precision, safe_url
from .versions import cards_version


def escape(text):
    """django.utils.html.escape without its lazy-string wrapper and SafeString (the same characters:
    & < > " '), called ~1,000 times a page."""
    return html.escape(str(text))


CARD_TIMEOUT = 7 * 24 * 3600
TEMPLATE = "events/_event_card.html"


def card_key(event, version):
    return f"events:card:{version}:{event.pk}:{event.updated_at.timestamp():.6f}"


@dataclasses.dataclass
class CardParts:
    """What a card shows beyond the event's own row, as plain values (no model instances)."""

    organisations: list = dataclasses.field(default_factory=list)  # (slug, name, role)
    people: list = dataclasses.field(default_factory=list)  # (slug, name, role)
    sources: list = dataclasses.field(default_factory=list)  # (url, title, publisher, published_on, is_primary)


def parts_from_prefetched(event):
    """The CardParts of an event whose card relations are prefetched (models.card_prefetches)."""
    return CardParts(
        [(link.organisation.slug, link.organisation.name, link.role) for link in event.organisation_links.all()],
        [(link.person.slug, link.person.name, link.role) for link in event.person_links.all()],
        [(s.url, s.title, s.publisher, s.published_on, s.is_primary) for s in event.sources.all()],
    )


def card_parts(events):
    """{event id: CardParts} in three flat queries, in the order card_prefetches() gives: building the
    models a prefetch makes (a link and its organisation, a person, a source) cost more than the queries."""
    ids = [event.pk for event in events]
    parts = {pk: CardParts() for pk in ids}
    links = EventOrganisation.objects.filter(event_id__in=ids).order_by("id")
    for event_id, slug, name, role in links.values_list("event_id", "organisation__slug", "organisation__name", "role"):
        parts[event_id].organisations.append((slug, name, role))
    people = EventPerson.objects.filter(event_id__in=ids).order_by("id")
    for event_id, slug, name, role in people.values_list("event_id", "person__slug", "person__name", "role"):
        parts[event_id].people.append((slug, name, role))
    sources = Source.objects.public().filter(event_id__in=ids).order_by("event_id", *source_order())
    for event_id, *source in sources.values_list("event_id", "url", "title", "publisher", "published_on", "is_primary"):
        parts[event_id].sources.append(tuple(source))
    return parts


def slug_url(name):
    """slug -> reverse(name, args=[slug]), with reverse() run once: pages that link many rows (cards, the
    organisations list, lawsuits, the JSON API) spent most of their time in reverse(). A slug the URL would
    have to quote goes through reverse() itself."""
    placeholder = "slug-placeholder"
    prefix, suffix = reverse(name, args=[placeholder]).split(placeholder)

    def url(slug):
        return prefix + slug + suffix if SLUG.fullmatch(slug) else reverse(name, args=[slug])

    return url


class CardUrls:
    """The links a card holds, each reversed once per page (slug_url)."""

    def __init__(self):
        self.timeline = reverse("events:timeline")
        self._urls = {name: slug_url(name) for name in ("events:event", "events:lawsuit", "events:agreement")}

    def __call__(self, name, slug):
        return self._urls[name](slug)


SLUG = re.compile(r"[-a-zA-Z0-9_]+")
ROLE_LABELS = dict(Role.choices)
KIND_LABELS = dict(Event.Kind.choices)


def compiled_card(event, timeline_url, parts=None, urls=None):
    """The card of `event` exactly as templates/events/_event_card.html renders it (a test holds the two
    equal), built by string formatting: a Django template walks ~3,000 nodes and lookups per card, which
    made rendering a page of cards not cached cost more than everything else on the page. `parts`: its
    CardParts (card_parts()), else read from its prefetched card relations; `timeline_url` is
    reverse("events:timeline"), `urls` a CardUrls, both looked up once per page."""
    parts = parts or parts_from_prefetched(event)
    urls = urls or CardUrls()
    date = event.date
    parts_html = [
        f'<article class="event kind-{escape(event.kind)}" id="event-{escape(event.slug)}">\n  <header>\n'
        f'    <time datetime="{date.isoformat()}">{escape(at_precision(date, event.date_precision))}'
        f'</time>\n    <span class="kind">{escape(KIND_LABELS.get(event.kind, event.kind))}</span>\n  </header>\n'
        f'  <h3><a href="{escape(urls("events:event", event.slug))}">{escape(event.title)}</a></h3>\n  ',
        f'<p class="summary">{escape(event.summary)}</p>' if event.summary else "",
        '\n  <ul class="chips" aria-label="Involved">\n    ',
    ]
    for slug, name, role in parts.organisations:
        label = ROLE_LABELS.get(role, role)
        small = f" <small>{escape(label.lower())}</small>" if role != "subject" else ""
        parts_html.append(
            f'\n      <li><a class="chip org" href="{timeline_url}?org={escape(slug)}"\n'
            f'             title="{escape(label)}">{escape(name)}{small}</a></li>\n    '
        )
    parts_html.append("\n    ")
    for slug, name, role in parts.people:
        parts_html.append(
            f'\n      <li><a class="chip person" href="{timeline_url}?person={escape(slug)}"\n'
            f'             title="{escape(ROLE_LABELS.get(role, role))}">{escape(name)}</a></li>\n    '
        )
    parts_html.append("\n    ")
    if event.lawsuit:
        parts_html.append(f'<li><a class="chip lawsuit" href="{escape(urls("events:lawsuit", event.lawsuit.slug))}">'
                          f"{escape(event.lawsuit.case_name)}</a></li>")
    parts_html.append("\n    ")
    if event.agreement:
        parts_html.append(
            f'<li><a class="chip agreement" href="{escape(urls("events:agreement", event.agreement.slug))}">'
            f"{escape(event.agreement.name)}</a></li>"
        )
    parts_html.append("\n  </ul>\n  ")
    sources = parts.sources
    if sources:
        parts_html.append(
            f'\n  <details class="sources">\n    <summary>{len(sources)} source{"" if len(sources) == 1 else "s"}'
            '</summary>\n    <ol class="source-list">'
        )
        for url, title, publisher, published_on, is_primary in sources:
            primary = '>'
            if is_primary:
                primary = ' class="primary"><strong class="primary-mark">Primary source</strong> '
            parts_html.append(
                f'\n  <li{primary}<a href="{escape(safe_url(url))}" rel="noopener nofollow" target="_blank">'
                f"{escape(title or url)}</a>"
            )
            if publisher:
                parts_html.append(f" · {escape(publisher)}")
            if published_on:
                parts_html.append(
                    f' · <time datetime="{published_on.isoformat()}">{date_format(published_on, "j M Y")}</time>'
                )
            parts_html.append("</li>\n")
        parts_html.append("</ol>\n  </details>\n  ")
    parts_html.append("\n</article>\n")
    return "".join(parts_html)


def attach_cards(events, version=None):
    """Give each event a `card_html`: from the cache, or rendered now (three flat queries, only for those).

    `version`: the cards version when the caller has it already (one cache round trip less).
    """
    if not events:
        return events
    version = version or cards_version()
    keys = {event.pk: card_key(event, version) for event in events}
    found = cache.get_many(list(keys.values()))
    missing = [event for event in events if keys[event.pk] not in found]
    if missing:
        parts = card_parts(missing)
        urls = CardUrls()
        fresh = {keys[event.pk]: compiled_card(event, urls.timeline, parts[event.pk], urls) for event in missing}
        cache.set_many(fresh, CARD_TIMEOUT)
        found.update(fresh)
    for event in events:
        # Rendered by our own template, with its autoescaping, from our own rows.
        event.card_html = mark_safe(found[keys[event.pk]])  # noqa: S308
    return events


def link_cards_back(events, back_url):
    """Each card's link to its event carries `back_url` (`?from=`), so the event page's "Back" link returns to
    the filters the reader came from without the Referer header, which browsers and privacy settings drop.

    A card's HTML is cached per event whatever page shows it; the fragment it goes into is cached per
    query, so the link is completed here, once per rendering of that fragment, on the link compiled_card
    writes (its URL built as there: one reverse() a page, not one a card).
    """
    suffix = escape("?" + urlencode({"from": back_url}))
    urls = CardUrls()
    for event in events:
        href = escape(urls("events:event", event.slug))
        # Our own card, with its own escaping; only the href gains the escaped parameter.
        event.card_html = mark_safe(  # noqa: S308
            event.card_html.replace(f'<h3><a href="{href}">', f'<h3><a href="{href}{suffix}">', 1)
        )


def popular_organisation_options(exclude=()):
    """The most covered organisations as <option>s, by name, leaving out `exclude` (slugs shown as chosen)."""
    from .queries import most_covered_organisations

    rows = most_covered_organisations(max_age=300)
    organisations = [(slug, name) for slug, name in rows if slug not in exclude]
    html = render_to_string("events/_org_options.html", {"organisations": organisations})
    return mark_safe(html)  # noqa: S308  (our own template, autoescaped)
