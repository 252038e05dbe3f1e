"""The decisions shown to curators on the Article admin page (templates/admin/ingest/_ingest_decisions.html),
and the one-click Promote of an article judged irrelevant."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Event, Source
from ingest import pipeline
from ingest.models import Article, ArticleEvent
from tests import factories

pytestmark = pytest.mark.django_db


def page(title, paragraphs, published="2026-02-03"):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    meta = f'<meta property="article:published_time" content="{published}T09:00:00Z">' if published else ""
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def ingest(content, slug):
    outcome = pipeline.ingest_html(content, url=f"https://trade.example.com/{slug}")
    return Article.objects.get(pk=outcome.article_id)


@pytest.fixture
def registry(openai):
    warner = factories.OrganisationFactory(name="Warner Bros.", kind="studio")
    return {"openai": openai, "warner": warner}


@pytest.fixture
def relevant_article(registry):
    return ingest(
        page(
            "OpenAI sued over training data by animators",
            [
                "A group of animators sued OpenAI on Tuesday in federal court, saying its video model was trained "
                "on their films without permission.",
                "The complaint names Warner Bros. Animation as a studio whose shows were copied. Judge Mara Quill "
                "will hear the case. Lingotone Inc. was also named; Lingotone has not commented.",
            ],
        ),
        "animators-sue-openai",
    )


def change_page(client, article):
    response = client.get(reverse("admin:ingest_article_change", args=[article.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_article_page_shows_relevance_kind_date_choices_and_candidates(curator_client, relevant_article):
    html = change_page(curator_client, relevant_article)
    assert "What ingest decided" in html
    assert "<strong>Relevant</strong>" in html and "AI side: OpenAI" in html
    assert "Lawsuit filed" in html and relevant_article.kind_rule in html and "confidence" in html
    # Tuesday before the publication on Tuesday 3 February 2026 is that day, read from the text.
    assert "3 Feb 2026 (known to the day)" in html and "source: the text says when" in html and "“Tuesday”" in html
    # "Warner Bros. Animation" is not in the registry: shown as a choice, not guessed.
    assert "“Warner Bros Animation” may mean Warner Bros. or a part of it the registry lacks" in html
    assert "choose one" in html
    assert "Mara Quill" in html and "Lingotone" in html
    assert "Promote: it belongs" not in html  # it is relevant already
    assert relevant_article.event.title in html  # the draft it proposed


def test_the_decisions_are_escaped(curator_client, relevant_article):
    Article.objects.filter(pk=relevant_article.pk).update(
        relevance_signals={"relevant": True, "route": "<script>alert(1)</script>", "ai": ["<b>x</b>"], "screen": []}
    )
    html = change_page(curator_client, relevant_article)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_an_unknown_date_says_so_on_the_article_page(curator_client, openai):
    article = ingest(
        page(
            "OpenAI shows Sora to Hollywood studios",
            [
                "OpenAI has been showing Sora, its AI video model, to Hollywood studios and filmmakers, people who "
                "attended the meetings said.",
                "Studio executives asked how the model was trained and what it would cost to use in production.",
            ],
            published=None,
        ),
        "sora-studios-undated",
    )
    html = change_page(curator_client, article)
    assert "<strong>Date unknown</strong>" in html and "source: unknown" in html
    assert "date unknown" in html  # the draft it proposed, in the list of events it is a source of


@pytest.fixture
def irrelevant_article(db):
    article = ingest(
        page(
            "A festival programme of short films",
            [f"The festival announced programme {n} of short films from ten countries." for n in range(4)],
        ),
        "festival",
    )
    assert article.status == Article.Status.IRRELEVANT
    return article


def test_an_irrelevant_article_shows_why_and_a_promote_button(curator_client, irrelevant_article):
    html = change_page(curator_client, irrelevant_article)
    assert "<strong>Not relevant</strong>: no AI side" in html and "AI side: nothing found" in html
    promote_url = reverse("admin:ingest_article_promote", args=[irrelevant_article.pk])
    assert f'action="{promote_url}"' in html and "csrfmiddlewaretoken" in html


def test_promoting_makes_a_new_draft_and_says_so(curator_client, irrelevant_article):
    response = curator_client.post(reverse("admin:ingest_article_promote", args=[irrelevant_article.pk]), follow=True)
    irrelevant_article.refresh_from_db()
    assert irrelevant_article.status == Article.Status.PROPOSED
    draft = irrelevant_article.event
    assert draft.status == Event.Status.DRAFT and draft.date == datetime.date(2026, 2, 3)
    assert "it proposes a new draft" in response.content.decode() and draft.title in response.content.decode()
    # A second click finds nothing to promote and changes nothing.
    again = curator_client.post(reverse("admin:ingest_article_promote", args=[irrelevant_article.pk]), follow=True)
    assert "nothing to promote" in again.content.decode()
    assert ArticleEvent.objects.filter(article=irrelevant_article).count() == 1


def test_promoting_an_article_about_a_known_event_joins_it(curator_client, openai):
    event = factories.EventFactory(
        title="OpenAI pitches its video tool to media companies",
        date=datetime.date(2026, 2, 2),
        kind=Event.Kind.ANNOUNCEMENT,
        organisations=[openai],
    )
    article = ingest(
        page(
            "OpenAI pitches its video tool to media companies",
            [
                "OpenAI pitched its video tool to media companies in Los Angeles on Monday, the company announced.",
                "The company showed clips made with the tool and said it wanted to hear what the companies thought.",
            ],
        ),
        "openai-pitches-tool",
    )
    assert article.status == Article.Status.IRRELEVANT  # nothing of the screen side
    response = curator_client.post(reverse("admin:ingest_article_promote", args=[article.pk]), follow=True)
    article.refresh_from_db()
    assert article.status == Article.Status.LINKED and article.event == event
    assert "it joined the event" in response.content.decode()
    assert Source.objects.filter(event=event, review=Source.Review.PROPOSED).exists()


def test_promote_is_post_only_and_for_curators(curator_client, irrelevant_article, django_user_model):
    url = reverse("admin:ingest_article_promote", args=[irrelevant_article.pk])
    assert curator_client.get(url).status_code == 405
    client = Client()
    anonymous = client.post(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    staff = django_user_model.objects.create_user("visitor", password="pw-visitor-1", is_staff=True)
    client.force_login(staff)
    assert client.post(url).status_code == 403
    irrelevant_article.refresh_from_db()
    assert irrelevant_article.status == Article.Status.IRRELEVANT
