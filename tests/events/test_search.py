"""The search box: full-text search on PostgreSQL, a substring match elsewhere, the same results on both."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from events.models import Event, Source
from events.queries import search_condition, search_words
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")


def found(q):
    return [e.title for e in search(q)]


def search(q, vendor=None):
    return list(Event.objects.published().filter(search_condition(q, vendor=vendor)).order_by("-date", "-id"))


@pytest.fixture
def events():
    EventFactory(title="OpenAI previews Sora", summary="A text-to-video model.", date=datetime.date(2024, 2, 15),
                 sources=["https://a.example.com/1"])
    EventFactory(title="Studio signs deal", summary="Lionsgate partners with Runway on a custom model.",
                 date=datetime.date(2024, 9, 18), sources=["https://a.example.com/2"])
    EventFactory(title="Guild statement", summary="Writers respond.", date=datetime.date(2024, 5, 1),
                 sources=["https://a.example.com/3"])
    Source.objects.filter(url="https://a.example.com/3").update(title="Screenwriters push back on generative tools")
    EventFactory(title="Draft about Sora", status=Event.Status.DRAFT)


@postgres_only
def test_search_matches_titles_summaries_and_source_titles(events):
    assert found("sora") == ["OpenAI previews Sora"]
    assert found("Lionsgate") == ["Studio signs deal"]
    assert found("generative") == ["Guild statement"]


@postgres_only
def test_search_stems_and_matches_word_prefixes_as_you_type(events):
    assert found("previewed") == ["OpenAI previews Sora"]  # English stemming
    assert found("lions") == ["Studio signs deal"]  # a prefix while typing
    assert found("model") == ["Studio signs deal", "OpenAI previews Sora"]  # newest first


@postgres_only
def test_every_word_must_match_but_each_may_match_a_different_field(events):
    assert found("sora video") == ["OpenAI previews Sora"]  # title + summary
    assert found("guild generative") == ["Guild statement"]  # title + source title
    assert found("sora lionsgate") == []


def test_stop_words_and_punctuation_are_ignored():
    assert search_words("The SAG-AFTRA deal, and the vote!") == ["sag", "aftra", "deal", "vote"]
    assert search_words("'); DROP TABLE x; --") == ["drop", "table", "x"]


@pytest.mark.parametrize("q", ["sora", "model", "guild", "generative", "sora video", "partners runway", "nothing"])
def test_postgres_and_the_simple_match_find_the_same_events_in_the_same_order(events, q):
    assert [e.pk for e in search(q, vendor="postgresql")] == [e.pk for e in search(q, vendor="sqlite")]


def test_search_box_filters_the_timeline_and_the_outputs(client, events):
    response = client.get(reverse("events:timeline"), {"q": "lionsgate"})
    assert [e.title for _, evs, _ in response.context["groups"] for e in evs] == ["Studio signs deal"]
    api = client.get(reverse("events:api_events"), {"q": "lionsgate"}).json()
    assert [e["title"] for e in api["events"]] == ["Studio signs deal"]


def test_raw_query_syntax_in_the_search_box_is_harmless(client, events):
    for q in ["sora & | ! :*", "'\"", "(((", "a:* & b"]:
        assert client.get(reverse("events:timeline"), {"q": q}).status_code == 200


@postgres_only
def test_one_gin_index_serves_the_search():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE indexname IN ('event_search_vector', 'event_search_fts', 'source_title_fts')"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"event_search_vector"}
    assert "USING gin (search_vector)" in indexes["event_search_vector"]


@postgres_only
def test_adding_editing_and_deleting_sources_keeps_the_search_current(events):
    statement = Event.objects.get(title="Guild statement")
    statement.sources.create(url="https://a.example.com/4", title="Residuals for synthetic performers")
    assert found("residuals") == ["Guild statement"]
    Source.objects.filter(url="https://a.example.com/4").update(title="Pension fund update")
    assert found("residuals") == [] and found("pension") == ["Guild statement"]
    Source.objects.filter(url="https://a.example.com/4").delete()
    assert found("pension") == []
    assert found("generative") == ["Guild statement"]  # the other source still counts


@postgres_only
def test_editing_an_event_and_moving_a_source_keep_the_search_current(events):
    deal = Event.objects.get(title="Studio signs deal")
    deal.summary = "Lionsgate licenses its library for dubbing."
    deal.save()
    assert found("dubbing") == ["Studio signs deal"] and found("runway") == []
    Event.objects.filter(pk=deal.pk).update(title="Library licence")  # no signals, triggers still run
    assert found("library licence") == ["Library licence"]
    sora = Event.objects.get(title="OpenAI previews Sora")
    Source.objects.filter(url="https://a.example.com/3").update(event=sora)
    assert found("generative") == ["OpenAI previews Sora"]


def test_search_inside_a_subquery_reads_the_subquerys_own_events(events):
    from django.db.models import Exists, OuterRef

    matching = Event.objects.published().filter(search_condition("lionsgate"), pk=OuterRef("pk"))
    assert [e.title for e in Event.objects.filter(Exists(matching))] == ["Studio signs deal"]


# --- Names, one typo, did you mean ------------------------------------------------------------------


@pytest.fixture
def named_events(db):
    from tests.factories import OrganisationFactory, PersonFactory

    crabtree = PersonFactory(name="Duncan Crabtree-Ireland", aliases="Crabtree-Ireland")
    ea = OrganisationFactory(name="Electronic Arts", aliases="EA")
    lucasfilm = OrganisationFactory(name="Lucasfilm", aliases="Lucasfilm Ltd.")
    midjourney = OrganisationFactory(name="Midjourney")
    return {
        "union talk": EventFactory(title="Union official speaks at a hearing", people=[crabtree], sources=[]),
        "game studio": EventFactory(title="Game studio hires voice actors", organisations=[ea], sources=[]),
        "effects": EventFactory(title="Effects house shows a tool", organisations=[lucasfilm], sources=[]),
        "suit": EventFactory(title="Studios sue an image generator", organisations=[midjourney], sources=[]),
        "people": (crabtree, ea, lucasfilm, midjourney),
    }


@pytest.mark.parametrize("q, title", [
    ("Crabtree-Ireland", "Union official speaks at a hearing"),
    ("crabtree", "Union official speaks at a hearing"),
    ("Electronic Arts", "Game studio hires voice actors"),
    ("Lucasfilm", "Effects house shows a tool"),
    ("lucasfilm ltd", "Effects house shows a tool"),
])
@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_search_matches_the_names_and_aliases_of_organisations_and_people_on_events(named_events, q, title, vendor):
    if vendor == "postgresql" and connection.vendor != "postgresql":
        pytest.skip("full-text search is PostgreSQL's")
    assert [e.title for e in search(q, vendor=vendor)] == [title]


def test_renaming_an_organisation_or_linking_a_person_keeps_the_search_current(named_events):
    from events.models import EventPerson

    crabtree, ea, _, _ = named_events["people"]
    ea.name = "EA Games"
    ea.aliases = ""
    ea.save()
    assert found("electronic") == []
    assert found("games") == ["Game studio hires voice actors"]
    EventPerson.objects.create(event=named_events["effects"], person=crabtree)
    assert set(found("crabtree")) == {"Effects house shows a tool", "Union official speaks at a hearing"}
    EventPerson.objects.filter(event=named_events["effects"]).delete()
    assert found("crabtree") == ["Union official speaks at a hearing"]


@pytest.mark.parametrize("typed", ["Midjourny", "midjuorney", "Midjoruney studios", "Lucasflm"])
def test_one_typo_in_a_name_still_finds_its_events_and_the_page_says_what_it_matched(client, named_events, typed):
    response = client.get(reverse("events:timeline"), {"q": typed})
    found = [e.title for _, events, _ in response.context["groups"] for e in events]
    assert len(found) == 1 and found[0] in {"Studios sue an image generator", "Effects house shows a tool"}
    assert "Also matching" in response.content.decode()


def test_a_word_that_matches_is_not_corrected(client, named_events):
    EventFactory(title="Midjourny is how fans misspell it", sources=[])
    response = client.get(reverse("events:timeline"), {"q": "midjourny"})
    assert [e.title for _, events, _ in response.context["groups"] for e in events] == [
        "Midjourny is how fans misspell it"
    ]
    assert "Also matching" not in response.content.decode()


def test_an_empty_search_suggests_the_nearest_name(client, named_events):
    response = client.get(reverse("events:timeline"), {"q": "Mdjournee"})
    html = response.content.decode()
    assert "Nothing matches “Mdjournee”. Did you mean" in html
    assert '<a href="/?org=midjourney">Midjourney</a>' in html
    assert "No published events match these filters." in html


def test_one_edit_apart_counts_insertions_deletions_substitutions_and_swaps():
    from events.search import one_edit_apart

    assert one_edit_apart("midjourny", "midjourney") and one_edit_apart("midjourneey", "midjourney")
    assert one_edit_apart("midjourmey", "midjourney") and one_edit_apart("midjuorney", "midjourney")
    assert not one_edit_apart("mdjurney", "midjourney") and not one_edit_apart("midjourney", "midjourney")


# --- One typo in any word (titles and summaries; the kept table of words on PostgreSQL) -------------


@pytest.fixture
def worded_events(db):
    return {
        "suit": EventFactory(title="Authors file a copyright suit", summary="Over training data.", sources=[]),
        "strike": EventFactory(title="Animators vote to strike", summary="The walkout starts Monday.", sources=[]),
        "guild": EventFactory(title="Guild signs deal", summary="Residuals for dubbing.", sources=[]),
        "letter": EventFactory(title="A dear colleague letter", summary="", sources=[]),
        "draft": EventFactory(title="Secret merger with Zephyrco", status=Event.Status.DRAFT, sources=[]),
    }


def timeline_titles(client, q):
    response = client.get(reverse("events:timeline"), {"q": q})
    return [e.title for _, events, _ in response.context["groups"] for e in events], response.content.decode()


@pytest.mark.parametrize("typed, title", [
    ("copyrigt", "Authors file a copyright suit"),
    ("copyrigth suit", "Authors file a copyright suit"),
    ("strik", "Animators vote to strike"),
    ("animtors strike", "Animators vote to strike"),
    ("walkuot", "Animators vote to strike"),
    ("residauls", "Guild signs deal"),
    ("trainign data", "Authors file a copyright suit"),
])
def test_one_typo_in_any_word_of_a_title_or_summary_still_finds_the_event(client, worded_events, typed, title):
    titles, _ = timeline_titles(client, typed)
    assert titles == [title]


def test_the_page_says_which_word_a_typo_was_read_as(client, worded_events):
    _, html = timeline_titles(client, "copyrigt")
    assert "Also matching “copyright” for “copyrigt”." in html


def test_a_draft_lends_no_word_to_the_corrections(client, worded_events):
    titles, html = timeline_titles(client, "zephyrcp")
    assert titles == [] and "zephyrco" not in html.lower()


@postgres_only
def test_the_kept_words_follow_published_events_as_they_are_written(worded_events):
    def kept(*words):
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM events_searchword WHERE word = ANY(%s)", [list(words)])
            return {row[0] for row in cursor.fetchall()}

    assert kept("copyright", "walkout", "residuals") == {"copyright", "walkout", "residuals"}
    assert kept("zephyrco", "secret") == set()  # a draft's words wait for it to be published
    Event.objects.filter(pk=worded_events["draft"].pk).update(status=Event.Status.PUBLISHED)
    assert kept("zephyrco", "secret") == {"zephyrco", "secret"}
    guild = worded_events["guild"]
    guild.summary = "Royalties for synthetic voices."
    guild.save()
    assert kept("royalties", "synthetic") == {"royalties", "synthetic"}
    loaded = Event(title="Broadcaster pilots subtitling", slug="pilots", date=datetime.date(2024, 1, 1),
                   status=Event.Status.PUBLISHED)
    Event.objects.bulk_create([loaded])  # one statement, as a bulk load writes
    assert kept("subtitling", "broadcaster") == {"subtitling", "broadcaster"}


@postgres_only
def test_a_trigram_index_serves_the_lookup_of_near_words_and_the_primary_key_the_variants():
    from events.search import one_edit_variants

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'events_searchword'")
        indexes = [row[0] for row in cursor.fetchall()]
        assert any("USING gin (lower(word) gin_trgm_ops)" in index for index in indexes), indexes
        # A trigram index on the column itself would answer `=` too, one trigram search per variant (seconds).
        assert not any("(word gin_trgm_ops)" in index for index in indexes), indexes
        cursor.execute("SET enable_seqscan = off")  # as on a big table: which index would serve?
        cursor.execute("EXPLAIN SELECT word FROM events_searchword WHERE word = ANY(%s)",
                       [sorted(one_edit_variants("submit"))])
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "events_searchword_pkey" in plan and "trgm" not in plan, plan


def test_nothing_found_suggests_the_search_with_one_word_corrected(client, worded_events):
    # "dear" matches the letter and "guild" the deal, but not together: "guild deal" does.
    titles, html = timeline_titles(client, "guild dear")
    assert titles == []
    assert 'Did you mean <a href="/?q=guild+deal">“guild deal”</a>' in html


def test_one_edit_variants_hold_every_single_edit():
    from events.search import one_edit_apart, one_edit_variants

    variants = one_edit_variants("deal")
    assert {"deel", "dea", "edal", "deals", "ideal", "dela"} <= variants and "deal" not in variants
    assert all(one_edit_apart("deal", v) for v in variants)
