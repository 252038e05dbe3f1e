"""Proposed sources: an article that ingest joins to a published event waits for a curator.

Readers never see it, on any page or in any output, until a curator accepts it from the queue.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from events import services
from events.models import Event, Organisation, Person, Source
from ingest import pipeline
from ingest.models import Article
from ingest.services import SAMPLE_DIR

pytestmark = pytest.mark.django_db

SECOND_REPORT = (Path(__file__).parent / "data" / "sora-second-report.html").read_bytes()
SECOND_URL = "https://quillfeather.example/2024/12/sora-turbo-hands-on"
MARK = "quillfeather"  # in the second report's URL, title and publisher, and nowhere else
# What would show of it: its link, title or publisher (a search for MARK echoes MARK alone).
TRACES = [b"quillfeather.example", b"quillfeather hears", b"quillfeather weekly"]


def shows_the_second_report(body):
    body = body.lower()
    return any(trace in body for trace in TRACES)


@pytest.fixture
def published_with_proposal(db):
    """The Sora launch published by a curator, then a second report of it ingested."""
    Organisation.objects.create(name="OpenAI", kind="ai_company")
    Person.objects.create(name="Sam Altman")
    first = pipeline.ingest_html(
        (SAMPLE_DIR / "sora-opens-to-subscribers.html").read_bytes(),
        url="https://dailies.example/sample/sora-opens-to-subscribers",
    )
    event = Event.objects.get(pk=first.event_id)
    services.publish_events(Event.objects.filter(pk=event.pk))
    second = pipeline.ingest_html(SECOND_REPORT, url=SECOND_URL)
    assert second.event_id == event.pk and not second.event_created, "the second report joins the event"
    return Event.objects.get(pk=event.pk)


def public_urls(event):
    """Every page and output a reader can reach that could show or search the event's sources."""
    urls = [
        reverse("events:timeline"),
        reverse("events:timeline") + f"?q={MARK}",
        reverse("events:timeline") + "?q=sora",
        reverse("events:event", args=[event.slug]),
        reverse("events:organisations"),
        reverse("events:lawsuits"),
        reverse("events:agreements"),
    ]
    urls += [o.get_absolute_url() for o in event.organisations.all()]
    urls += [p.get_absolute_url() for p in event.people.all()]
    for name in ["feed_atom", "feed_rss", "api_events", "export_csv", "calendar_ics"]:
        base = reverse(f"events:{name}")
        urls += [base, f"{base}?q=sora", f"{base}?q={MARK}", f"{base}?kind={event.kind}"]
    return urls


def pages(client, event):
    for url in public_urls(event):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            assert response.status_code == 200, url
            yield url, b"".join(response) if response.streaming else response.content


def test_ingest_marks_a_source_joined_to_a_published_event_as_proposed(published_with_proposal):
    event = published_with_proposal
    first, second = event.sources.order_by("id")
    assert first.review == Source.Review.ACCEPTED
    assert second.review == Source.Review.PROPOSED and MARK in second.url
    assert Article.objects.get(url=SECOND_URL).event_id == event.pk


def test_a_source_joined_to_a_draft_is_reviewed_with_the_draft(db):
    Organisation.objects.create(name="OpenAI", kind="ai_company")
    pipeline.ingest_html(
        (SAMPLE_DIR / "sora-opens-to-subscribers.html").read_bytes(),
        url="https://dailies.example/sample/sora-opens-to-subscribers",
    )
    second = pipeline.ingest_html(SECOND_REPORT, url=SECOND_URL)
    assert set(Source.objects.filter(event_id=second.event_id).values_list("review", flat=True)) == {"accepted"}


def test_anonymous_readers_never_see_a_proposed_source_on_any_page_or_output(client, published_with_proposal):
    event = published_with_proposal
    checked = 0
    for url, body in pages(client, event):
        assert not shows_the_second_report(body), f"the proposed source leaks on {url}"
        checked += 1
    assert checked >= 40
    # The search finds the event by its accepted source's words, not by the proposal's.
    assert event.title.encode() not in client.get(reverse("events:timeline") + f"?q={MARK}").content


def test_an_accepted_source_shows_everywhere_at_once(client, curator_client, published_with_proposal):
    event = published_with_proposal
    list(pages(client, event))  # everything is cached now
    proposal = event.sources.get(review="proposed")
    curator_client.post(
        reverse("admin:events_proposedsource_changelist"), {"action": "accept", "_selected_action": [proposal.pk]}
    )
    shown = {url for url, body in pages(client, event) if shows_the_second_report(body)}
    for name in ["events:event", "events:api_events"]:  # CSV and feeds link the first source only
        url = reverse(name, args=[event.slug]) if name == "events:event" else reverse(name)
        assert url in shown, f"the accepted source is missing from {url}"
    assert reverse("events:timeline") + f"?q={MARK}" in shown


def test_the_queue_lists_proposals_per_event_with_the_article_beside(curator_client, published_with_proposal):
    event = published_with_proposal
    proposal = event.sources.get(review="proposed")
    listing = curator_client.get(reverse("admin:events_proposedsource_changelist")).content.decode()
    assert "Quillfeather" in listing and event.title in listing
    page = curator_client.get(reverse("admin:events_proposedsource_change", args=[proposal.pk])).content.decode()
    assert 'class="review"' in page and "our test desk tried the Sora" in page
    assert f"Proposed for “{event.title}”" in page
    events_list = curator_client.get(reverse("admin:events_event_changelist") + "?proposals=waiting").content.decode()
    assert "1 to review" in events_list and event.title in events_list


def test_reject_keeps_the_source_off_the_site_and_a_reingest_does_not_propose_it_again(
    client, curator_client, published_with_proposal
):
    event = published_with_proposal
    proposal = event.sources.get(review="proposed")
    response = curator_client.post(
        reverse("admin:events_proposedsource_change", args=[proposal.pk]), {"_reject": "1"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.review == "rejected"
    services.propose_event(
        kind=event.kind, date=event.date, title="again",
        organisations=[(o.pk, "subject") for o in event.organisations.all()], source_url=proposal.url,
    )
    proposal.refresh_from_db()
    assert proposal.review == "rejected"
    assert not shows_the_second_report(client.get(event.get_absolute_url()).content)


def test_moving_a_proposed_source_to_another_event_accepts_it_there(client, curator_client, published_with_proposal):
    event = published_with_proposal
    other = Event.objects.create(date=event.date, title="Sora Turbo goes on sale", kind=event.kind, status="published")
    Source.objects.create(event=other, url="https://example.com/sora-sale", title="Sale report")
    proposal = event.sources.get(review="proposed")
    response = curator_client.post(
        reverse("admin:events_proposedsource_changelist"),
        {"action": "move", "_selected_action": [proposal.pk], "target": other.pk},
    )
    assert response.status_code == 302
    moved = Source.objects.get(url=proposal.url)
    assert moved.event == other and moved.review == "accepted"
    article = Article.objects.get(url=SECOND_URL)
    assert article.event == other and list(article.event_links.values_list("event", flat=True)) == [other.pk]
    assert shows_the_second_report(client.get(other.get_absolute_url()).content)
    assert not shows_the_second_report(client.get(event.get_absolute_url()).content)


def test_the_move_form_searches_events_by_title_through_the_admin_autocomplete(curator_client, published_with_proposal):
    event = published_with_proposal
    rejected = Event.objects.create(date=event.date, title="Sora rejected draft", kind=event.kind, status="rejected")
    response = curator_client.get(
        reverse("admin:autocomplete"),
        {"term": "sora", "app_label": "events", "model_name": "source", "field_name": "event"},
    )
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert event.pk in ids and rejected.pk not in ids
