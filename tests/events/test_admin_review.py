"""The review screen as a curator's daily tool: duplicates with why, merge by search with a confirmation,
publish or reject in one click and on to the next draft, a preview, clean machine drafts, history by whom."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from events import services
from events.duplicates import possible_duplicates
from events.models import Event, Organisation
from ingest.models import Article, DraftEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def wga():
    return Organisation.objects.create(name="Writers Guild of America", kind="union")


@pytest.fixture
def deal(wga):
    return factories.EventFactory(
        title="Writers Guild members ratify contract with rules on AI", kind="ratification",
        date=datetime.date(2023, 10, 9), organisations=[wga],
    )


@pytest.fixture
def draft(wga):
    # Another kind and five days later: ingest does not join it to the deal, a curator should.
    event, _ = services.propose_event(
        kind="agreement", date=datetime.date(2023, 10, 14),
        title="WGA members ratify new contract with AI rules | Example Trade", publisher="Example Trade",
        summary="WGA members ratify new contract with AI rules | Example Trade LOS ANGELES (Example) - Members of "
        "the Writers Guild voted to ratify the contract. It sets rules on AI. A third sentence follows.",
        organisations=[(wga.pk, "union")], source_url="https://trade.example.com/wga-ratify",
    )
    assert event.status == "draft"
    return event


def review_url(event):
    return reverse("admin:ingest_draftevent_change", args=[event.pk])


def test_a_draft_that_repeats_an_event_lists_it_as_a_possible_duplicate_with_why(curator_client, deal, draft):
    unrelated = factories.EventFactory(title="A studio buys a render farm", date=datetime.date(2019, 1, 1))
    found = possible_duplicates(draft)
    assert [d.event for d in found][:1] == [deal] and unrelated not in [d.event for d in found]
    reasons = "; ".join(found[0].reasons)
    assert "shares Writers Guild of America" in reasons and "5 days apart" in reasons and "alike" in reasons
    page = curator_client.get(review_url(draft)).content.decode()
    assert "Possible duplicates" in page and deal.title in page and "Merge into this" in page


def test_merge_into_a_suggested_duplicate_asks_for_a_confirmation_that_names_it(curator_client, deal, draft):
    merge = reverse("admin:ingest_draftevent_merge", args=[draft.pk])
    confirm = curator_client.get(merge, {"target": deal.pk}).content.decode()
    assert f"“{deal.title}”" in confirm and 'name="confirmed"' in confirm
    assert Event.objects.get(pk=draft.pk).status == "draft"
    response = curator_client.post(merge, {"target": deal.pk, "confirmed": deal.pk})
    assert response.status_code == 302
    assert Event.objects.get(pk=draft.pk).status == "rejected"
    assert deal.sources.filter(url="https://trade.example.com/wga-ratify").exists()


def test_merge_offers_any_event_through_a_search_not_a_preselected_list(curator_client, draft):
    old = factories.EventFactory(title="An old ratification vote", date=datetime.date(2001, 5, 1))
    for n in range(60):
        factories.EventFactory(title=f"Newer event {n}", date=datetime.date(2024, 1, 1) + datetime.timedelta(n))
    page = curator_client.get(reverse("admin:ingest_draftevent_merge", args=[draft.pk])).content.decode()
    assert 'type="radio"' not in page and "admin-autocomplete" in page and " checked" not in page
    found = curator_client.get(
        reverse("admin:autocomplete"),
        {"term": "old ratification", "app_label": "events", "model_name": "source", "field_name": "event"},
    ).json()["results"]
    assert [int(r["id"]) for r in found] == [old.pk]
    by_date = curator_client.get(
        reverse("admin:autocomplete"),
        {"term": "2001-05", "app_label": "events", "model_name": "source", "field_name": "event"},
    ).json()["results"]
    assert [int(r["id"]) for r in by_date] == [old.pk]


def test_a_merge_into_the_draft_itself_is_refused(curator_client, draft):
    merge = reverse("admin:ingest_draftevent_merge", args=[draft.pk])
    page = curator_client.post(merge, {"target": draft.pk, "confirmed": draft.pk}).content.decode()
    assert "cannot be merged into itself" in page and Event.objects.get(pk=draft.pk).status == "draft"


def test_publish_from_the_review_screen_goes_on_to_the_next_draft(curator_client, client, draft, wga):
    older, _ = services.propose_event(
        kind="deal", date=datetime.date(2024, 9, 18), title="Older draft", organisations=[(wga.pk, "subject")],
        source_url="https://trade.example.com/older",
    )
    Event.objects.filter(pk=older.pk).update(created_at=draft.created_at - datetime.timedelta(hours=1))
    form = curator_client.get(review_url(draft)).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    for prefix in ["organisation_links", "person_links", "sources"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"date": draft.date.isoformat(), "_publish": "1"})
    response = curator_client.post(review_url(draft), data)
    assert response.status_code == 302 and response["Location"] == review_url(older)
    draft.refresh_from_db()
    assert draft.status == "published" and not draft.machine_draft
    assert client.get(draft.get_absolute_url()).status_code == 200
    latest = Event.history.filter(id=draft.pk).latest()
    assert latest.status == "published" and latest.history_user.username == "curator"


def test_the_review_screen_lists_its_keys_and_links_the_next_draft(curator_client, draft, deal):
    page = curator_client.get(review_url(draft)).content.decode()
    for key in ['data-key="p"', 'data-key="x"', "<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>d</kbd>", 'id="duplicates"']:
        assert key in page
    assert "review-keys.js" in page


def test_a_bulk_publish_is_kept_in_history_with_who_did_it(curator_client, curator, draft):
    curator_client.post(
        reverse("admin:ingest_draftevent_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )
    latest = Event.history.filter(id=draft.pk).latest()
    assert latest.status == "published" and latest.history_user == curator
    history = curator_client.get(reverse("admin:events_event_history", args=[draft.pk])).content.decode()
    assert "curator" in history and "<strong>Status:</strong>" in history  # the diff: draft → published
    assert "Bulk: published 1 event" in history


def test_a_draft_has_a_preview_exactly_as_on_the_site_for_curators_only(curator_client, draft):
    preview = reverse("admin:ingest_draftevent_preview", args=[draft.pk])
    page = curator_client.get(preview).content.decode()
    assert draft.title in page and "trade.example.com/wga-ratify" in page
    anonymous = Client()
    assert anonymous.get(draft.get_absolute_url()).status_code == 404
    assert anonymous.get(preview).status_code == 302  # to the login page
    review = curator_client.get(review_url(draft)).content.decode()
    assert preview in review


def test_a_machine_draft_has_a_clean_title_and_lead_and_is_marked_until_edited(curator_client, draft):
    assert draft.title == "WGA members ratify new contract with AI rules"
    assert draft.summary == "Members of the Writers Guild voted to ratify the contract. It sets rules on AI."
    assert draft.machine_draft
    assert "Machine draft" in curator_client.get(review_url(draft)).content.decode()
    form = curator_client.get(review_url(draft)).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    for prefix in ["organisation_links", "person_links", "sources"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"date": draft.date.isoformat(), "summary": "The guild's members ratified the contract."})
    curator_client.post(review_url(draft), data)
    draft.refresh_from_db()
    assert not draft.machine_draft and DraftEvent.objects.filter(pk=draft.pk).exists()
    assert "Machine draft" not in curator_client.get(review_url(draft)).content.decode()


def test_title_cleaning_keeps_headlines_that_have_no_site_name():
    assert services.clean_title("OpenAI releases Sora to paying ChatGPT users") == (
        "OpenAI releases Sora to paying ChatGPT users"
    )
    assert services.clean_title("Variety: Lionsgate signs a deal with Runway", "Variety") == (
        "Lionsgate signs a deal with Runway"
    )
    assert services.lead_summary("By Jane Doe, Staff Writer The union voted. It passed. Third.") == (
        "The union voted. It passed."
    )


def test_the_draft_screen_keeps_the_article_beside_it_for_ingested_drafts(curator_client, draft):
    assert not Article.objects.exists()  # proposed by hand here: the screen says so
    assert "entered by hand" in curator_client.get(review_url(draft)).content.decode()
