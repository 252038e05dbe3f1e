"""Turning a timeline view (its query string) and the follow form into a Subscription."""

from urllib.parse import urlencode

from django.http import QueryDict

from events.outputs import describe, output_query, read_filters
from events.search import search_words

from .models import Subscription

FOLLOW_FIELDS = ("name", "kinds", "roles", "mode", "corrections", "webhook_url")


def normalised_query(params):
    """The filter parameters of `params` (a QueryDict) alone, sorted, so one view has one spelling."""
    query = QueryDict(output_query(params))
    return urlencode(sorted((name, sorted(values) if name != "org" else values) for name, values in query.lists()),
                     doseq=True)


def read_view(query_string):
    """(Filters, cleaned data, normalised query) of a followed view; events.queries.FilterError when bad."""
    params = QueryDict(query_string)
    filters, cleaned = read_filters(params)
    return filters, cleaned, normalised_query(params)


def default_name(filters):
    text = describe(filters)
    return (text[:1].upper() + text[1:]) if text else "Everything on Dailies"


def create_subscription(reader, query_string, follow):
    """A subscription of `reader` to the view `query_string`, with the follow form's choices in `follow`."""
    filters, cleaned, query = read_view(query_string)
    # The view's kinds are the scope unless the form narrowed or changed them.
    kinds = list(follow.get("kinds") or filters.kinds)
    return Subscription.objects.create(
        reader=reader,
        name=follow.get("name") or default_name(filters),
        query=query,
        organisation_ids=[o.pk for o in filters.organisations],
        include_subsidiaries=filters.include_subsidiaries,
        person=filters.person,
        lawsuit=filters.lawsuit,
        agreement=filters.agreement,
        date_from=filters.date_from,
        date_to=filters.date_to,
        q_words=search_words(filters.q),
        kinds=sorted(set(kinds)),
        roles=sorted(set(follow.get("roles") or [])),
        mode=follow.get("mode") or Subscription.Mode.IMMEDIATE,
        corrections=bool(follow.get("corrections")),
        webhook_url=follow.get("webhook_url") or "",
    )


def follow_payload(cleaned, query_string):
    """What a sign-in link carries for a follow made before signing in (JSON-safe)."""
    return {"q": query_string, **{name: cleaned.get(name) for name in FOLLOW_FIELDS}}
