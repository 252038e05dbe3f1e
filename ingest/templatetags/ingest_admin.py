"""Ingest figures for the admin index: the number of unhealthy feeds curators should look at."""

from django import template

from ingest.models import Feed

register = template.Library()


@register.simple_tag
def unhealthy_feed_count():
    return Feed.objects.unhealthy().count()
