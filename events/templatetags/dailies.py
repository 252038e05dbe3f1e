"""Template filters of the public site."""

from django import template

register = template.Library()

FORMATS = {"day": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}


@register.filter
def at_precision(day, precision):
    """A date as precisely as we know it: `14 Feb 2024`, `Feb 2024` or `2024`."""
    if not day:
        return ""
    return day.strftime(FORMATS.get(precision, FORMATS["day"]))
