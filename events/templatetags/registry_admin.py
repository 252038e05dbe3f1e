"""The registry's staleness count for the admin home (see events/registry.py and `manage.py check_registry`)."""

from django import template

from events import registry

register = template.Library()


@register.simple_tag
def registry_issue_count():
    return registry.issue_count()
