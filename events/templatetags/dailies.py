"""Template filters of the public site."""

from urllib.parse import urlsplit

from django import template

register = template.Library()

FORMATS = {"day": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}


@register.filter
def at_precision(day, precision):
    """A date as precisely as we know it: `14 Feb 2024`, `Feb 2024` or `2024`."""
    if not day:
        return ""
    return day.strftime(FORMATS.get(precision, FORMATS["day"]))


@register.filter
def safe_url(url):
    """The URL if it is an absolute http(s) link, else "#".

    Sources and websites are URLFields, but rows written by ingest or loaders skip form validation, so a
    `javascript:` or `data:` URL could reach a page; as an href it would run on click.
    """
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "#"
    has_control = any(c in text for c in "\x00\r\n\t")
    if parts.scheme.lower() in {"http", "https"} and parts.netloc and not has_control:
        return text
    return "#"
