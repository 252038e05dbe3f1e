"""The curators' ingest admin: review queue, merge, feeds' health, articles, runs, submitting a URL."""

import datetime

import pytest
from django.urls import reverse

from events.models import Event, Organisation, Source
from ingest.models import Article, CandidateName, Feed, IngestRun
from ingest.services import SAMPLE_DIR, ingest_sample
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(db):
    ingest_sample()
    return Event.objects.filter(status="draft").order_by("-created_at")


def test_the_review_queue_lists_drafts_newest_first_and_hides_published(curator_client, sample):
    published = factories.EventFactory(title="Already public")
    response = curator_client.get(reverse("admin:ingest_draftevent_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    titles = [e.title for e in sample]
    assert all(t in page for t in titles) and published.title not in page
    assert page.index(titles[0]) < page.index(titles[-1])


def test_a_draft_shows_the_article_beside_its_suggested_kind_and_organisations(curator_client, sample):
    draft = sample.first()
    article = Article.objects.get(event=draft)
    response = curator_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="review"' in page and article.text.split("\n")[0][:60] in page
    label = dict(Event.Kind.choices)[article.kind_guess]
    assert f"suggested kind: {label}" in page and f"suggested kind: {article.kind_guess} " not in page


def test_article_html_reaches_the_review_page_sanitised(curator_client, sample):
    draft = sample.first()
    Article.objects.filter(event=draft).update(
        html_sanitised='<p>ok</p><script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    page = curator_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk])).content.decode()
    assert "<p>ok</p>" in page and 'alert("x")' not in page and "onerror" not in page


def test_publishing_and_rejecting_from_the_queue(curator_client, sample):
    first, second = list(sample[:2])
    url = reverse("admin:ingest_draftevent_changelist")
    curator_client.post(url, {"action": "publish", "_selected_action": [first.pk]})
    curator_client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "published" and second.status == "rejected"


def test_an_event_published_from_the_queue_shows_on_the_cached_timeline_at_once(curator_client, client, sample):
    draft = sample.first()
    timeline = reverse("events:timeline")
    assert draft.title not in client.get(timeline).content.decode()  # the page is now cached
    curator_client.post(
        reverse("admin:ingest_draftevent_changelist"), {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert draft.title in client.get(timeline).content.decode()
    assert draft.title in client.get(timeline, HTTP_HX_REQUEST="true").content.decode()


def test_merging_a_draft_into_a_published_event_moves_its_sources_and_rejects_it(curator_client, sample):
    draft = sample.first()
    target = factories.EventFactory(title="The real event", date=draft.date)
    url = reverse("admin:ingest_draftevent_changelist")
    choose = curator_client.post(url, {"action": "merge_into_event", "_selected_action": [draft.pk]})
    assert 'type="radio"' not in choose.content.decode() and "Next: confirm" in choose.content.decode()
    chosen = {"action": "merge_into_event", "_selected_action": [draft.pk], "target": target.pk}
    confirm = curator_client.post(url, chosen)
    assert "Merge this draft into" in confirm.content.decode() and "“The real event”" in confirm.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft", "nothing merges before the confirmation"
    curator_client.post(url, {**chosen, "confirmed": target.pk})
    draft.refresh_from_db()
    assert draft.status == "rejected"
    assert target.sources.filter(url__contains="dailies.example/sample").exists()
    assert set(draft.organisations.all()) <= set(target.organisations.all())
    assert Article.objects.get(url=draft.sources.get().url).event == target


def test_feeds_show_their_health_and_the_index_counts_unhealthy_ones(curator_client):
    Feed.objects.create(
        url="https://broken.example.com/rss",
        consecutive_failures=5,
        last_error="The server answered 500.",
        failing_since=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC),
    )
    Feed.objects.create(url="https://fine.example.com/rss")
    index = curator_client.get(reverse("admin:index")).content.decode()
    assert "1 unhealthy feed" in index
    listing = curator_client.get(
        reverse("admin:ingest_feed_changelist") + "?health=unhealthy"
    ).content.decode()
    assert "broken.example.com" in listing and "fine.example.com" not in listing
    assert "The server answered 500." in listing


def test_pausing_a_feed(curator_client):
    feed = Feed.objects.create(url="https://x.example.com/rss")
    curator_client.post(
        reverse("admin:ingest_feed_changelist"), {"action": "pause", "_selected_action": [feed.pk]}
    )
    feed.refresh_from_db()
    assert not feed.active and feed.health == "paused"


def test_articles_and_runs_are_read_only_with_their_errors(curator_client):
    article = Article.objects.create(
        url="http://10.0.0.1/",
        canonical_url="http://10.0.0.1/",
        status="failed",
        error="Refused: a private address",
    )
    IngestRun.objects.create(kind="url", target="http://10.0.0.1/", failed_count=1)
    listing = curator_client.get(reverse("admin:ingest_article_changelist")).content.decode()
    assert "Refused: a private address" in listing and "Submit a URL" in listing
    assert curator_client.get(reverse("admin:ingest_article_change", args=[article.pk])).status_code == 200
    assert curator_client.get(reverse("admin:ingest_article_add")).status_code == 403
    assert curator_client.get(reverse("admin:ingest_ingestrun_changelist")).status_code == 200


def test_submitting_a_url_queues_it(curator_client, monkeypatch):
    queued = []
    monkeypatch.setattr("ingest.admin.submit_url", lambda url: (queued.append(url) or True, IngestRun.objects.create(
        kind=IngestRun.Kind.URL, target=url)))
    url = reverse("admin:ingest_article_submit")
    assert curator_client.get(url).status_code == 200
    response = curator_client.post(url, {"url": "https://news.example.com/story"}, follow=True)
    assert queued == ["https://news.example.com/story"]
    run = IngestRun.objects.get(target="https://news.example.com/story")
    assert reverse("admin:ingest_ingestrun_change", args=[run.pk]) in response.content.decode()
    assert curator_client.post(url, {"url": "not a url"}).status_code == 200


def test_anonymous_visitors_never_see_the_queue(client, sample):
    response = client.get(reverse("admin:ingest_draftevent_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- The admin home, curator wording, lists that fit, Submit a URL that tells the truth ---------------


def test_the_admin_home_shows_what_waits_each_a_link(curator_client, sample):
    published = factories.EventFactory(title="Public")
    Source.objects.create(event=published, url="https://x.example.com/p", review="proposed")
    article = Article.objects.first()
    CandidateName.objects.all().delete()  # the sample's own candidate names (ingest keeps them) aside: one known name
    CandidateName.objects.create(article=article, name="Quillfeather Studios", key="quillfeather studios",
                                 kind="organisation", sentence="Quillfeather Studios signed on.")
    index = curator_client.get(reverse("admin:index")).content.decode()
    assert f"<strong>{sample.count()}</strong> drafts" in index
    names = CandidateName.objects.filter(status="open").values("key").distinct().count()
    assert "<strong>1</strong> proposed source" in index and f"<strong>{names}</strong> candidate name" in index
    assert "<strong>0</strong> unhealthy feeds" in index
    for name in ["ingest_draftevent_changelist", "events_proposedsource_changelist",
                 "ingest_candidatename_changelist", "ingest_feed_changelist"]:
        assert reverse(f"admin:{name}") in index
    # Straight to the first of each queue, in the queue's own order.
    newest = reverse("admin:ingest_draftevent_change", args=[sample.first().pk])
    proposal = reverse("admin:events_proposedsource_change", args=[Source.objects.get(review="proposed").pk])
    assert f'href="{newest}">review the newest draft' in index
    assert f'href="{proposal}">review the first proposal' in index
    Source.objects.filter(review="proposed").update(review="accepted")
    assert "review the first proposal" not in curator_client.get(reverse("admin:index")).content.decode()


def test_the_queue_speaks_a_curators_language(curator_client, sample):
    page = curator_client.get(reverse("admin:ingest_draftevent_changelist")).content.decode()
    assert "Drafts to review" in page and f"{sample.count()} drafts to review" in page
    assert "Select draft" not in page and "review queue" not in page and "Delete selected" not in page
    assert "Publish: show on the site" in page
    articles = curator_client.get(reverse("admin:ingest_article_changelist")).content.decode()
    codes = [code for code, _ in Event.Kind.choices if "_" in code]
    assert not any(f">{code}<" in articles for code in codes)


def test_the_article_list_has_few_narrow_columns(curator_client):
    Article.objects.create(url="https://e.example.com/a", canonical_url="https://e.example.com/a",
                           title="T" * 400, status="failed", error="E" * 900)
    page = curator_client.get(reverse("admin:ingest_article_changelist")).content.decode()
    assert "T" * 120 not in page and "E" * 100 not in page
    assert page.count('<th scope="col" class="column-') <= 8


def test_submitting_a_url_run_in_process_says_what_became_of_it(curator_client, settings, local_server):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DAILIES_FETCH_ALLOW_PRIVATE = True
    page = (SAMPLE_DIR / "sora-opens-to-subscribers.html").read_bytes()
    local_server.serve("/sora", page)
    url = reverse("admin:ingest_article_submit")
    done = curator_client.post(url, {"url": local_server.url("/sora")}, follow=True).content.decode()
    draft = Event.objects.get(status="draft")
    assert "it proposes the draft" in done and reverse("admin:ingest_draftevent_change", args=[draft.pk]) in done
    again = curator_client.post(url, {"url": local_server.url("/sora")}, follow=True).content.decode()
    assert "Already here: it duplicates the article" in again and draft.title in again
    failed = curator_client.post(url, {"url": local_server.url("/missing")}, follow=True).content.decode()
    assert "Failed to ingest" in failed and "Queued" not in failed


def test_candidate_names_are_offered_as_prefilled_registry_entries(curator_client, sample):
    draft = sample.first()
    article = Article.objects.get(event=draft)
    CandidateName.objects.create(article=article, name="Quillfeather Studios", key="quillfeather studios",
                                 kind="organisation", cue="… Studios", sentence="Quillfeather Studios signed on.")
    CandidateName.objects.create(article=article, name="Ada Lark", key="ada lark", kind="person",
                                 sentence="Ada Lark said so.")
    review = curator_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk])).content.decode()
    assert "Add to the registry" in review and "Add as organisation" in review and "Add as person" in review
    listing = curator_client.get(reverse("admin:ingest_candidatename_changelist"), follow=True).content.decode()
    assert "Quillfeather Studios" in listing and "Ada Lark" in listing
    add = curator_client.get(
        reverse("admin:events_organisation_add") + "?name=Quillfeather+Studios&kind=studio"
        "&description=Named+in+an+article"
    )
    form = add.context["adminform"].form
    assert form.initial["name"] == "Quillfeather Studios" and form.initial["kind"] == "studio"
    Organisation.objects.create(name="Quillfeather Studios", kind="studio")
    review = curator_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk])).content.decode()
    offered = review.split('<ul class="candidates">')[-1].split("</ul>")[0] if 'class="candidates"' in review else ""
    assert "Quillfeather Studios" not in offered


def test_adding_a_candidate_name_from_its_prefilled_form_marks_it_added_everywhere(curator_client, sample):
    first, second = list(sample[:2])
    CandidateName.objects.all().delete()  # the sample's own names aside: two of ours
    for draft in (first, second):  # the same name found in two articles: one entry settles both
        CandidateName.objects.create(article=Article.objects.get(event=draft), name="Quillfeather Studios",
                                     key="quillfeather studios", kind="organisation", cue="… Studios",
                                     sentence="Quillfeather Studios signed on.")
    CandidateName.objects.create(article=Article.objects.get(event=first), name="Ada Lark", key="ada lark",
                                 kind="person", sentence="Ada Lark said so.")
    waiting = CandidateName.objects.filter(status="open").values("key").distinct().count()
    index = curator_client.get(reverse("admin:index")).content.decode()
    assert f"<strong>{waiting}</strong> candidate name" in index
    review = curator_client.get(reverse("admin:ingest_draftevent_change", args=[first.pk]))
    add_url = next(c.add_url for c in review.context["candidates"] if c.name == "Quillfeather Studios")
    form = curator_client.get(add_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"slug": "", "website": "", "subsidiaries-TOTAL_FORMS": 0, "subsidiaries-INITIAL_FORMS": 0,
                 "_save": "Save"})
    response = curator_client.post(add_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    review_url = reverse("admin:ingest_draftevent_change", args=[first.pk])
    assert response["Location"] == review_url, "after Save the curator is back on the draft"
    assert Organisation.objects.filter(name="Quillfeather Studios", kind="studio").exists()
    statuses = set(CandidateName.objects.filter(key="quillfeather studios").values_list("status", flat=True))
    assert statuses == {"added"}
    assert CandidateName.objects.get(key="ada lark").status == "open"  # only the name that was added
    index = curator_client.get(reverse("admin:index")).content.decode()
    assert f"<strong>{waiting - 1}</strong> candidate name" in index
    review = curator_client.get(reverse("admin:ingest_draftevent_change", args=[first.pk])).content.decode()
    assert "Add as organisation" not in review and "Ada Lark" in review


def test_a_person_added_under_another_spelling_settles_the_candidate_by_its_alias(db, sample):
    article = Article.objects.get(event=sample.first())
    CandidateName.objects.create(article=article, name="Ada  Lark", key="ada lark", kind="person")
    factories.PersonFactory(name="Ada Lark-Moreno", aliases="Ada Lark")
    assert CandidateName.objects.get(key="ada lark").status == "added"


def test_an_add_form_returns_only_to_an_admin_page_of_this_site(curator_client):
    base = reverse("admin:events_person_add")
    data = {"name": "Ada Lark", "slug": "", "affiliations-TOTAL_FORMS": 0, "affiliations-INITIAL_FORMS": 0,
            "_save": "Save"}
    for outside in ["https://elsewhere.example.com/admin/", "//elsewhere.example.com/admin/", "/organisations/"]:
        response = curator_client.post(f"{base}?return_to={outside}", {**data, "name": f"Ada {len(outside)}"})
        assert response.status_code == 302 and response["Location"] == reverse("admin:events_person_changelist")


def test_the_review_screen_shows_what_ingest_decided_beside_the_article(curator_client, sample):
    draft = sample.first()
    article = Article.objects.get(event=draft)
    page = curator_client.get(reverse("admin:ingest_draftevent_change", args=[draft.pk])).content.decode()
    decided = page.split('class="ingest-decisions"', 1)[1].split("</section>", 1)[0]
    assert page.index('class="ingest-decisions"') > page.index('<div class="article">')  # beside the article
    assert "Relevant" in decided and article.kind_guess_label in decided
    assert "Source of" in decided and draft.title in decided


def test_a_draft_whose_date_is_unknown_says_so_on_the_screen_and_in_the_queue(curator_client, sample):
    draft = sample.first()
    Event.objects.filter(pk=draft.pk).update(date_precision="unknown")
    review_url = reverse("admin:ingest_draftevent_change", args=[draft.pk])
    page = curator_client.get(review_url).content.decode()
    assert 'class="errornote date-unknown"' in page and "Date unknown — set it before publishing" in page
    queue = curator_client.get(reverse("admin:ingest_draftevent_changelist")).content.decode()
    row = next(r for r in queue.split("<tr")[1:] if draft.title in r)
    assert "Date unknown — set it before publishing" in row and f"{draft.date:%Y}" not in row
    others = [r for r in queue.split("<tr")[1:] if "<td" in r and draft.title not in r]
    assert others and not any("Date unknown" in r for r in others)
    # Publish is refused until the curator sets the date; then it goes through from the same screen.
    form = curator_client.get(review_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"lawsuit", "agreement"}}
    for prefix in ["organisation_links", "person_links", "sources"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update({"date": draft.date.isoformat(), "_publish": "1"})
    refused = curator_client.post(review_url, data, follow=True).content.decode()
    assert Event.objects.get(pk=draft.pk).status == "draft" and "date is unknown" in refused
    data.update({"date": "2024-12-09", "date_precision": "day"})
    curator_client.post(review_url, data)
    published = Event.objects.get(pk=draft.pk)
    assert published.status == "published" and published.date == datetime.date(2024, 12, 9)


def test_candidates_found_before_the_registry_answered_them_are_settled_by_the_migration(sample):
    from importlib import import_module

    from django.apps import apps

    settle = import_module("ingest.migrations.0007_settle_candidates_already_in_registry").settle_candidates
    article = Article.objects.first()
    org = factories.OrganisationFactory(name="Quillfeather Studios", aliases="Quillfeather Inc.")
    for name in ["Quillfeather  studios", "QUILLFEATHER INC.", "Inkwell Pictures"]:
        CandidateName.objects.create(article=article, name=name, key=" ".join(name.casefold().split()),
                                     kind="organisation", sentence=f"{name} signed on.")
    CandidateName.objects.filter(key__startswith="quillfeather").update(status="open")  # as found before
    settle(apps, None)
    status = dict(CandidateName.objects.filter(article=article, key__in=[
        "quillfeather studios", "quillfeather inc.", "inkwell pictures"]).values_list("key", "status"))
    assert status == {"quillfeather studios": "added", "quillfeather inc.": "added", "inkwell pictures": "open"}
    assert org.pk
