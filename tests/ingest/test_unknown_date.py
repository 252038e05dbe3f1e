"""Never today's date in silence: a draft ingest could not date says so in its data, stays off the site, and
cannot be published until a curator sets its date."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from events import services
from events.models import Event, Source
from events.templatetags.dailies import at_precision
from ingest import pipeline
from ingest.models import Article

pytestmark = pytest.mark.django_db

# No publication date anywhere (no metadata, no date in the URL, no feed entry), and the text never says when.
UNDATED_PAGE = (
    b"<html><head><title>OpenAI shows Sora to Hollywood studios</title></head><body><article>"
    b"<h1>OpenAI shows Sora to Hollywood studios</h1>"
    b"<p>OpenAI has been showing its Sora video model to Hollywood studios and talent agencies, people who "
    b"attended the meetings said. Filmmakers were shown clips the AI model made from short text prompts.</p>"
    b"<p>Studio executives asked how the model was trained and what it would cost to use in production.</p>"
    b"</article></body></html>"
)


@pytest.fixture
def undated_draft(openai):
    outcome = pipeline.ingest_html(UNDATED_PAGE, url="https://trade.example.com/openai-sora-studios")
    article = Article.objects.get(pk=outcome.article_id)
    assert article.status == Article.Status.PROPOSED and article.event_date_source == "unknown"
    return Event.objects.get(pk=outcome.event_id)


def test_an_undated_article_makes_a_draft_whose_date_is_unknown_in_the_data(undated_draft):
    assert undated_draft.status == Event.Status.DRAFT
    assert undated_draft.date_precision == Event.Precision.UNKNOWN and undated_draft.date_unknown
    # The placeholder day is no part of its address, and the summary is the article's words, not a note.
    assert undated_draft.slug == "openai-shows-sora-to-hollywood-studios"
    assert not undated_draft.summary.lower().startswith("date unknown")
    assert at_precision(undated_draft.date, undated_draft.date_precision) == "date unknown"


def test_publishing_an_undated_draft_is_refused_with_the_reason_until_a_curator_dates_it(undated_draft):
    Source.objects.filter(event=undated_draft).update(review=Source.Review.ACCEPTED)
    published, refused = services.publish_events(Event.objects.filter(pk=undated_draft.pk))
    assert not published and refused == [undated_draft]
    assert "date is unknown" in refused[0].refusal and "set the date" in refused[0].refusal
    undated_draft.refresh_from_db()
    assert undated_draft.status == Event.Status.DRAFT

    undated_draft.date, undated_draft.date_precision = datetime.date(2024, 3, 22), Event.Precision.DAY
    undated_draft.save()
    published, refused = services.publish_events(Event.objects.filter(pk=undated_draft.pk))
    assert published == [undated_draft] and not refused


def test_the_model_and_the_database_refuse_a_published_event_with_an_unknown_date(undated_draft):
    undated_draft.status = Event.Status.PUBLISHED
    with pytest.raises(ValidationError) as refused:
        undated_draft.full_clean()
    assert "date_precision" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        undated_draft.save()


def test_the_admin_publish_action_says_why_an_undated_draft_stays_a_draft(undated_draft, curator_client):
    Source.objects.filter(event=undated_draft).update(review=Source.Review.ACCEPTED)
    response = curator_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "publish", "_selected_action": [undated_draft.pk]},
        follow=True,
    )
    assert "The date is unknown" in response.content.decode()
    undated_draft.refresh_from_db()
    assert undated_draft.status == Event.Status.DRAFT


def test_the_public_pages_never_show_an_undated_draft(undated_draft, client):
    assert client.get(undated_draft.get_absolute_url()).status_code == 404
    assert undated_draft.title not in client.get(reverse("events:timeline")).content.decode()


def test_a_dated_article_about_the_same_happening_is_not_held_to_the_placeholder_day(undated_draft):
    from ingest import match

    # The placeholder is the ingest day; an article from two years earlier is not ruled out by it.
    assert match.date_score(datetime.date(2024, 3, 25), "metadata", undated_draft) == 0.4
