"""The curated dataset and `manage.py load_curated`: what it loads, that reloading is harmless, bad files."""

import io
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from events.curated.loader import DATASET_PATH, load_curated
from events.models import Event, Lawsuit, Organisation, Person, Source, UnionAgreement

pytestmark = pytest.mark.django_db
FACTS = Path(settings.BASE_DIR).parent / "shared" / "data" / "facts.json"
RECENT_FACTS = FACTS.with_name("facts-2025-2026.json")
TIMELINE = reverse("events:timeline")
EMPTY_SECTIONS = ("people", "lawsuits", "agreements", "events")


@pytest.fixture
def dataset():
    return json.loads(DATASET_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def loaded(db):
    return load_curated()


def row_counts():
    """Rows of every model of events/, history tables included."""
    return {model.__name__: model.objects.count() for model in apps.get_app_config("events").get_models()}


def timeline_titles(client, query):
    response = client.get(TIMELINE, {**query, "page_size": 100})
    assert response.status_code == 200
    return {e.title for _, events, _ in response.context["groups"] for e in events}


def page_text(client, url):
    """The page's text without its tags, spaces collapsed."""
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def dataset_titles_naming(dataset, organisation):
    return {e["title"] for e in dataset["events"] if organisation in {o["name"] for o in e["organisations"]}}


def test_loading_publishes_the_82_curated_events_each_with_a_source_and_its_date_precision(loaded):
    assert Event.objects.count() == 82
    assert Event.objects.published().count() == 82
    assert not Event.objects.published().filter(sources__isnull=True).exists()
    assert loaded.totals["events"] == loaded.created["events"] == 82
    assert loaded.totals["sources"] == Source.objects.count()
    # A month-precision fact ("2024-05") is dated the first of its month.
    event = Event.objects.get(slug="2024-05-voice-actors-sue-lovo")
    assert (event.date.isoformat(), event.date_precision) == ("2024-05-01", "month")


@pytest.mark.corpus
@pytest.mark.skipif(not FACTS.exists(), reason=f"{FACTS} is absent (the verified facts live outside the repository)")
def test_every_source_url_of_the_verified_facts_is_kept_under_our_own_words(loaded):
    facts = json.loads(FACTS.read_text(encoding="utf-8"))
    kept = set(Source.objects.values_list("url", flat=True))
    assert {source["url"] for fact in facts for source in fact["sources"]} <= kept
    # Titles and summaries are rewritten, and the sources' quotes are not reproduced.
    ours = list(Event.objects.values_list("title", "summary"))
    assert not {f["title"] for f in facts} & {title for title, _ in ours}
    assert not {f["summary"] for f in facts} & {summary for _, summary in ours}
    quotes = [source["quote"] for fact in facts for source in fact["sources"]]
    assert not [q for q in quotes if any(q in summary for _, summary in ours)]


def test_loading_twice_creates_nothing_new(loaded):
    before = row_counts()
    out = io.StringIO()
    call_command("load_curated", stdout=out)
    assert row_counts() == before, "no new rows, history included"
    assert "82 events" in out.getvalue() and "(0 new); 0 rows updated" in out.getvalue()


def test_filtering_by_openai_shows_exactly_the_openai_events(client, loaded, dataset):
    expected = dataset_titles_naming(dataset, "OpenAI")
    assert len(expected) >= 16
    assert timeline_titles(client, {"org": "openai"}) == expected


def test_filtering_by_sag_aftra_shows_exactly_the_sag_aftra_events(client, loaded, dataset):
    expected = dataset_titles_naming(dataset, "SAG-AFTRA")
    assert len(expected) >= 16
    assert timeline_titles(client, {"org": "sag-aftra"}) == expected


def test_universal_pictures_sits_under_nbcuniversal_under_comcast(client, loaded, dataset):
    universal = Organisation.objects.get(slug="universal-pictures")
    assert universal.parent.name == "NBCUniversal" and universal.parent.parent.name == "Comcast"
    assert "Universal" in universal.alias_list
    assert not Organisation.objects.filter(name="Universal").exists(), "one organisation, with its other name as alias"
    assert Organisation.objects.get(slug="lucasfilm").parent.name == "The Walt Disney Company"
    assert Organisation.objects.get(slug="warner-bros").parent.name == "Warner Bros. Discovery"
    # Filtering by the group finds its subsidiaries' events.
    expected = dataset_titles_naming(dataset, "Universal Pictures") | dataset_titles_naming(dataset, "NBCUniversal")
    assert timeline_titles(client, {"org": "comcast"}) == expected


def test_ingest_finds_the_seed_articles_organisations_and_people_in_the_registry(loaded):
    wga = Organisation.objects.get(name="Writers Guild of America")
    assert {"WGA", "Writers Guild"} <= set(wga.alias_list)
    assert set(
        Organisation.objects.filter(slug__in=["openai", "sag-aftra", "fairly-trained"]).values_list("slug", flat=True)
    ) == {"openai", "sag-aftra", "fairly-trained"}
    for name in ("Sam Altman", "Brad Lightcap", "Paul Trillo", "Ed Newton-Rex"):
        assert Person.objects.filter(name=name).exists(), name
    altman = Person.objects.get(name="Sam Altman").affiliations.get()
    assert (altman.organisation.name, altman.role) == ("OpenAI", "CEO")
    assert (
        Person.objects.get(name="Ed Newton-Rex")
        .affiliations.filter(organisation__name="Fairly Trained", role="CEO")
        .exists()
    )


def test_successive_contracts_link_both_ways_on_their_pages(client, loaded):
    earlier = UnionAgreement.objects.get(name="SAG-AFTRA 2023 TV/Theatrical Contracts")
    later = UnionAgreement.objects.get(name="SAG-AFTRA 2026 TV/Theatrical Agreement")
    assert later.supersedes == earlier
    later_page = client.get(later.get_absolute_url()).content.decode()
    earlier_page = client.get(earlier.get_absolute_url()).content.decode()
    assert f'href="{earlier.get_absolute_url()}" rel="prev"' in later_page
    assert f'href="{later.get_absolute_url()}" rel="next"' in earlier_page
    assert later.events.count() == 3 and later.provisions.exists()
    wga_2023 = UnionAgreement.objects.get(slug="wga-2023-minimum-basic-agreement")
    assert (wga_2023.votes_for, wga_2023.votes_against, wga_2023.status) == (8435, 90, "ratified")


def test_a_lawsuit_has_its_parties_with_their_sides(client, loaded):
    lawsuit = Lawsuit.objects.get(docket_number="1:23-cv-11195")
    sides = {(p.party.name, p.side) for p in lawsuit.parties.all()}
    assert sides == {
        ("The New York Times Company", "plaintiff"),
        ("Microsoft", "defendant"),
        ("OpenAI", "defendant"),
    }
    assert lawsuit.events.get().kind == "lawsuit_filed"
    page = client.get(lawsuit.get_absolute_url()).content.decode()
    assert "Microsoft" in page and "The New York Times Company" in page
    assert Lawsuit.objects.get(slug="bartz-v-anthropic").status == "settling", (
        "settled, with the court's final approval still to come"
    )


def test_an_event_missing_a_field_is_a_clear_error_and_loads_nothing(tmp_path, dataset):
    del dataset["events"][3]["title"]
    slug = dataset["events"][3]["slug"]
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_curated", path=str(path), stdout=io.StringIO())
    message = str(error.value)
    assert "events[3]" in message and slug in message and "'title'" in message
    assert not Event.objects.exists() and not Organisation.objects.exists(), "one transaction: nothing half-loaded"


@pytest.mark.parametrize(
    "content, complaint",
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"organisations": []}', "'people' is missing"),
        (
            json.dumps({"organisations": [{"name": "X", "kind": "castle"}], **{k: [] for k in EMPTY_SECTIONS}}),
            "organisations[0] ('X'): 'kind' is 'castle'",
        ),
    ],
)
def test_a_malformed_dataset_file_is_a_clear_command_error(tmp_path, content, complaint):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was loaded") as error:
        call_command("load_curated", path=str(path), stdout=io.StringIO())
    assert complaint in str(error.value)


# --- Reloading: changed rows are updated, a curator's edit wins unless --force --------------------------------


def small_dataset():
    """A dataset of one lawsuit and what it names: reloads are about rows, not volume."""
    return {
        "organisations": [
            {"name": "Lovo", "kind": "ai_company", "aliases": ["Lovo AI", "LOVO Inc."]},
            {"name": "A Law Firm", "kind": "law_firm"},
            {"name": "A Guild", "kind": "union"},
        ],
        "people": [{"name": "Paul Skye Lehrman"}],
        "lawsuits": [
            {
                "slug": "lehrman-v-lovo",
                "case_name": "Lehrman v. Lovo",
                "docket_number": "1:24-cv-03770",
                "judge": "J. Paul Oetken",
                "status": "pending",
                "summary": "Voice actors sued over cloned voices.",
                "parties": [
                    {"person": "Paul Skye Lehrman", "side": "plaintiff"},
                    {"organisation": "Lovo", "side": "defendant"},
                    {"organisation": "A Law Firm", "side": "counsel"},
                ],
            }
        ],
        "agreements": [],
        "events": [
            {
                "slug": "2024-05-16-voice-actors-sue-lovo",
                "date": "2024-05-16",
                "kind": "lawsuit_filed",
                "title": "Voice actors sue Lovo",
                "summary": "Two voice actors sued the company.",
                "organisations": [{"name": "Lovo", "role": "defendant"}, {"name": "A Law Firm", "role": "counsel"}],
                "lawsuit": "Lehrman v. Lovo",
                "sources": [{"url": "https://example.org/lovo", "title": "Voice actors sue Lovo"}],
            }
        ],
    }


@pytest.fixture
def small(tmp_path, db):
    """Load the small dataset once; returns a function that loads it again after `change(data)`."""
    data = small_dataset()
    path = tmp_path / "small.json"

    def load(change=lambda data: None, **options):
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        out = io.StringIO()
        call_command("load_curated", path=str(path), stdout=out, **options)
        return out.getvalue()

    load()
    return load


def test_a_changed_value_in_the_file_updates_its_row_and_an_unchanged_file_writes_nothing(small):
    assert "(0 new); 0 rows updated" in small()

    def change(data):
        data["lawsuits"][0]["status"] = "settled"

    out = small(change)
    assert Lawsuit.objects.get(slug="lehrman-v-lovo").status == "settled"
    assert "1 rows updated" in out


def test_a_curators_edit_in_the_admin_wins_over_the_file_unless_forced(small):
    lawsuit = Lawsuit.objects.get(slug="lehrman-v-lovo")
    lawsuit.status, lawsuit.judge = "judgment", "A curator's judge"
    lawsuit.save()

    def change(data):
        entry = data["lawsuits"][0]
        entry["status"], entry["summary"] = "settled", "The file's new summary."

    out = small(change)
    lawsuit.refresh_from_db()
    assert (lawsuit.status, lawsuit.judge) == ("judgment", "A curator's judge"), "the curator's fields stay"
    assert lawsuit.summary == "The file's new summary.", "a field the curator left alone follows the file"
    assert "2 curator edits kept" in out
    small(force=True)
    lawsuit.refresh_from_db()
    assert (lawsuit.status, lawsuit.judge) == ("settled", "J. Paul Oetken")


def test_a_party_link_or_alias_the_file_drops_is_removed_but_a_curators_stays(small):
    lawsuit = Lawsuit.objects.get(slug="lehrman-v-lovo")
    guild = Organisation.objects.get(name="A Guild")
    lawsuit.parties.create(organisation=guild, side="amicus")
    lovo = Organisation.objects.get(name="Lovo")
    lovo.aliases += "\nLovo Labs"
    lovo.save()

    def change(data):
        data["lawsuits"][0]["parties"].pop()  # the law firm
        data["events"][0]["organisations"].pop()
        data["organisations"][0]["aliases"].remove("LOVO Inc.")

    out = small(change)
    assert {p.party.name for p in lawsuit.parties.all()} == {"Paul Skye Lehrman", "Lovo", "A Guild"}
    assert list(Event.objects.get().organisations.values_list("name", flat=True)) == ["Lovo"]
    assert Organisation.objects.get(name="Lovo").alias_list == ["Lovo AI", "Lovo Labs"]
    assert "2 links removed" in out


def test_a_field_the_file_starts_setting_is_not_taken_for_a_curators_edit(small):
    def change(data):
        data["events"][0]["sources"][0]["primary"] = True

    out = small(change)
    assert Source.objects.get().is_primary
    assert "0 curator edits kept" in out
