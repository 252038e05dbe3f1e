"""Template filters of the public site."""

from django import template

from events.models import web_url

register = template.Library()

FORMATS = {"day": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}


@register.filter
def at_precision(day, precision):
    """A date as precisely as we know it: `14 Feb 2024`, `Feb 2024`, `2024` or `date unknown`."""
    if not day:
        return ""
    if precision == "unknown":  # the stored day is a placeholder (events.models.Event.Precision.UNKNOWN)
        return "date unknown"
    return day.strftime(FORMATS.get(precision, FORMATS["day"]))


@register.filter
def safe_url(url):
    """The URL if it is an absolute http(s) link, else "#" (see events.models.web_url)."""
    return web_url(url) or "#"
