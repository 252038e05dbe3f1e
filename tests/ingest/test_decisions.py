"""The decisions after linking, one rule at a time: the event's date, kind, relevance, linking in context,
candidate names, matching at the event's precision, and promoting an article judged irrelevant."""

import datetime

import pytest

from events.models import Event, Organisation
from ingest import dates, match
from ingest.candidates import find_candidates
from ingest.classify import classify
from ingest.extract import extract_article, url_date
from ingest.link import AliasMatcher, _context_mentions
from ingest.models import Article, ArticleEvent

PUBLISHED = datetime.date(2025, 10, 1)  # a Wednesday


# --- The event's date --------------------------------------------------------------------------------


def test_a_weekday_in_the_lead_is_the_latest_such_day_on_or_before_publication():
    found = dates.date_in_text("Sora 2 arrives", "OpenAI released Sora 2 on Tuesday, with an app.", PUBLISHED)
    assert (found.date, found.precision, found.source) == (datetime.date(2025, 9, 30), "day", "text")
    same_day = dates.date_in_text("", "The union said on Wednesday that it objects.", PUBLISHED)
    assert same_day.date == PUBLISHED


def test_friday_last_week_and_last_friday_go_back_a_week():
    friday = datetime.date(2025, 10, 10)
    assert dates.date_in_text("", "Altman promised, on Friday last week, more control.", friday).date == datetime.date(
        2025, 10, 3
    )
    assert dates.date_in_text("", "The guild spoke last Friday.", friday).date == datetime.date(2025, 10, 3)


def test_a_month_and_day_is_read_before_publication_and_a_span_end_never():
    found = dates.date_in_text("", "The studios sued on June 11 in Los Angeles.", datetime.date(2025, 6, 20))
    assert found.date == datetime.date(2025, 6, 11)
    january = dates.date_in_text("", "The deal was signed on December 30.", datetime.date(2026, 1, 5))
    assert january.date == datetime.date(2025, 12, 30)
    assert dates.date_in_text("", "The pilot runs through May 1, 2026, and started in early 2026.", PUBLISHED) is None


def test_last_week_is_the_month_of_a_week_ago():
    found = dates.date_in_text("", "Last week the guild issued guidance.", datetime.date(2026, 3, 9))
    assert (found.date, found.precision) == (datetime.date(2026, 3, 2), "month")


def test_without_a_phrase_the_publication_date_stands_in_and_without_one_the_date_is_unknown():
    published = datetime.datetime(2024, 3, 25, 9, tzinfo=datetime.UTC)
    stand_in = dates.event_date("OpenAI courts Hollywood", "Details are still fuzzy.", published, "feed")
    assert (stand_in.date, stand_in.source) == (datetime.date(2024, 3, 25), "feed")
    unknown = dates.event_date("OpenAI courts Hollywood", "It happened on Tuesday.", None, "")
    assert unknown.date is None and unknown.source == "unknown" and not unknown.known


def _dated_page(published_time):
    return (
        "<html><head><title>Union criticises an AI voice demo</title>"
        f'<meta property="article:published_time" content="{published_time}"></head><body><article>'
        + "".join(f"<p>The union criticised demo number {n}, where game characters answer with made voices.</p>"
                  for n in range(5))
        + "</article></body></html>"
    )  # fmt: skip


def test_metadata_far_from_the_date_in_the_url_loses_to_the_url():
    # Real pages carry template or update dates: a 2016 date in the metadata of a story filed under 2019/11/20.
    url = "https://news.example.com/story/sports/2019/11/20/roundup/4246736002/"
    stale = extract_article(_dated_page("2016-04-05T10:00:00Z"), url=url)
    assert (stale.published_at.date(), stale.date_source) == (datetime.date(2019, 11, 20), "url")
    # A day apart is a time zone or a late post: the metadata, which has the time, stands.
    close = extract_article(_dated_page("2019-11-21T02:00:00Z"), url=url)
    assert (close.published_at.date(), close.date_source) == (datetime.date(2019, 11, 21), "metadata")


def test_a_date_in_the_url_path_counts_but_not_one_in_a_linked_file():
    assert url_date("https://blog.example.org/2026/08/19/lionsgate-framewise").date() == datetime.date(2026, 8, 19)
    assert url_date("https://blog.example.org/lionsgate-framewise") is None
    page = (
        "<html><head><title>Union criticises an AI voice demo</title></head><body><article>"
        + "".join(f"<p>The union criticised demo number {n}, where game characters answer with made voices.</p>"
                  for n in range(5))
        + '<p><a href="https://cdn.example.com/audio/2019/03/04/episode.mp3">our podcast</a></p>'
        "</article></body></html>"
    )
    extracted = extract_article(page, url="https://trade.example.com/games/union-voice-demo")
    assert extracted.published_at is None and extracted.date_source == ""


# --- Kind and relevance ------------------------------------------------------------------------------


def test_a_specific_kind_beats_statement_and_the_deciding_rule_is_recorded():
    result = classify(
        "Studio says it will license its library", "The studio said on Monday that it licensed its films. It said more."
    )
    assert result.kind == "deal" and result.rule.startswith("deal#")


def test_statement_is_what_remains_when_nothing_specific_holds():
    result = classify("Actors' union condemns an AI 'actress'", "The union said the character is not an actor.")
    assert result.kind == "statement" and result.rule.startswith("statement#")


def test_a_newspaper_suing_an_ai_company_belongs_though_it_names_no_film():
    result = classify(
        "Newspaper sues chatbot maker over its articles",
        "The newspaper filed a lawsuit saying the company copied millions of its articles to train its AI.",
    )
    assert result.relevant and result.route == "copyright suit"


def test_a_chip_launch_stays_out():
    result = classify("Chipmaker unveils an AI accelerator", "The chip trains large language models faster.")
    assert not result.relevant


# --- Linking in context ------------------------------------------------------------------------------

WBD, WB, PERSON = ("organisation", 1), ("organisation", 2), ("person", 3)


def _matcher():
    return AliasMatcher.build(
        [("Warner Bros. Discovery", *WBD), ("Warner Bros.", *WB), ("Thom Tillis", *PERSON)],
        {WBD: ("Warner Bros. Discovery", "studio"), WB: ("Warner Bros.", "studio"), PERSON: ("Thom Tillis", "")},
        {WB: WBD},
    )


def test_a_surname_after_the_full_name_is_a_mention():
    entities, _ = _matcher().link("Thom Tillis sponsors the bill. Tillis said it gives people a way out.")
    assert [(e.name, e.count) for e in entities] == [("Thom Tillis", 2)]


def test_a_short_form_of_the_parent_counts_for_the_parent_and_the_choice_is_shown():
    entities, choices = _matcher().link("Warner Bros. Discovery sued on Thursday. Warner Bros. said it had to.")
    assert [(e.name, e.count) for e in entities] == [("Warner Bros. Discovery", 2)]
    # The text as its words (punctuation aside), as the matcher reads it.
    assert choices[0]["text"] == "Warner Bros" and choices[0]["chosen"] == ["Warner Bros. Discovery"]


def test_a_name_that_only_starts_with_an_alias_is_offered_not_linked():
    entities, choices = _matcher().link("Artists at Warner Bros. Animation ratified the contract.")
    assert entities == []
    assert choices == [
        {"text": "Warner Bros Animation", "options": ["Warner Bros."], "chosen": None, "count": 1,
         "why": "a name the registry does not have, starting with a known one"}
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_senate_in_a_federal_bill_story_is_the_us_senate_and_not_elsewhere():
    senate = Organisation.objects.create(name="U.S. Senate", kind="government")
    target = ("organisation", senate.pk)
    matcher = AliasMatcher.build([(senate.name, *target)], {target: (senate.name, "government")})
    assert _context_mentions(matcher, "Senators introduced the NO FAKES Act; the Senate must act.") == {
        ("organisation", senate.pk): 1
    }
    assert _context_mentions(matcher, "The club's board met in the Senate room of the hotel.") == {}


def test_names_the_registry_lacks_are_candidates_with_their_sentence():
    text = (
        "Judge Paul Oetken ruled on Thursday. Lingotone Inc. will dub the films, said Lingotone CEO Mara Velasquez. "
        "Lingotone was founded in Berlin."
    )
    found = {c.name: c for c in find_candidates(text, known=lambda name: False)}
    assert found["Paul Oetken"].kind == "person" and found["Paul Oetken"].cue == "Judge …"
    assert found["Lingotone"].kind == "organisation" and found["Lingotone"].count == 3
    assert found["Mara Velasquez"].sentence.startswith("Lingotone Inc. will dub")
    assert "Berlin" not in found and "Thursday" not in found


# --- Matching at the event's precision ---------------------------------------------------------------


def test_a_month_precision_event_takes_any_day_of_its_month():
    event = Event(date=datetime.date(2024, 5, 1), date_precision=Event.Precision.MONTH)
    assert match.date_score(datetime.date(2024, 5, 16), "metadata", event) == 1.0
    assert match.date_score(datetime.date(2024, 8, 16), "metadata", event) == 0.0


def test_a_report_comes_on_the_day_or_after_and_a_stated_day_must_agree():
    event = Event(date=datetime.date(2024, 3, 22), date_precision=Event.Precision.DAY)
    assert match.date_score(datetime.date(2024, 3, 25), "metadata", event) == 1.0
    assert match.date_score(datetime.date(2024, 3, 12), "metadata", event) == 0.0
    assert match.date_score(datetime.date(2024, 3, 25), "text", event) < 0.3


# --- Promotion ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_article_judged_irrelevant_is_kept_and_a_curator_can_promote_it():
    from ingest import pipeline, services

    page = (
        "<html><head><title>A festival programme of short films</title>"
        '<meta property="article:published_time" content="2026-02-03T09:00:00Z"></head><body><article>'
        + "".join(f"<p>The festival announced programme {n} of short films from ten countries.</p>" for n in range(5))
        + "</article></body></html>"
    ).encode()
    outcome = pipeline.ingest_html(page, url="https://news.example.com/festival")
    article = Article.objects.get(pk=outcome.article_id)
    assert article.status == Article.Status.IRRELEVANT and article.relevance_signals["missing"] == ["AI"]
    promoted = services.promote_article(article)
    article.refresh_from_db()
    assert promoted.event_created and article.status == Article.Status.PROPOSED
    assert article.relevance_signals["route"] == "promoted by a curator"
    assert ArticleEvent.objects.get(article=article).how == ArticleEvent.How.PROPOSED
    assert Event.objects.get(pk=promoted.event_id).date == datetime.date(2026, 2, 3)
