"""The filter's type-ahead: organisations and people by name and alias, ranked by relevance then coverage, as
an ARIA listbox; chips; and the plain select without JS."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import EventFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db
SUGGEST = reverse("events:organisation_suggest")
TIMELINE = reverse("events:timeline")


def suggested(response, param="org"):
    pattern = (
        r'<li role="option" id="suggestion-(\w+)-[^"]+" class="suggestion" aria-selected="false" '
        r'data-param="\w+" data-slug="([^"]+)" data-name="([^"]+)">'
    )
    found = re.findall(pattern, response.content.decode())
    return [(slug, name) for kind, slug, name in found if kind == param]


@pytest.fixture
def organisations(openai):
    openai.aliases = "Open AI\nOpenAI Inc."
    openai.save()
    return {
        "openai": openai,
        "lionsgate": OrganisationFactory(name="Lionsgate", aliases="Lions Gate Entertainment"),
        "disney": OrganisationFactory(name="The Walt Disney Company", aliases="Disney\nWalt Disney"),
        "disney-plus": OrganisationFactory(name="Disney+"),  # slug "disney"
        "runway": OrganisationFactory(name="Runway", aliases="RunwayML"),
    }


def test_suggestions_find_organisations_by_name_prefix(client, organisations):
    assert suggested(client.get(SUGGEST, {"q": "lio"})) == [("lionsgate", "Lionsgate")]
    assert suggested(client.get(SUGGEST, {"q": "RUN"})) == [("runway", "Runway")]


def test_suggestions_find_organisations_by_alias(client, organisations):
    assert suggested(client.get(SUGGEST, {"q": "open ai"})) == [("openai", "OpenAI")]
    assert suggested(client.get(SUGGEST, {"q": "runwayml"})) == [("runway", "Runway")]


def test_a_name_or_alias_equal_to_the_text_comes_first_then_names_starting_with_it(client, organisations):
    # The Walt Disney Company is known as "Disney"; "Disney+" only starts with it.
    assert suggested(client.get(SUGGEST, {"q": "disney"})) == [
        ("the-walt-disney-company", "The Walt Disney Company"),
        ("disney", "Disney+"),
    ]


def test_among_equally_good_matches_the_most_covered_comes_first_not_the_first_in_the_alphabet(client):
    voices = OrganisationFactory(name="Disney Character Voices")
    studios = OrganisationFactory(name="Disney Studios")
    for _ in range(3):
        EventFactory(organisations=[studios])
    EventFactory(organisations=[voices])
    assert suggested(client.get(SUGGEST, {"q": "disn"})) == [
        ("disney-studios", "Disney Studios"), ("disney-character-voices", "Disney Character Voices"),
    ]


def test_people_are_suggested_too_with_what_they_are_and_their_coverage(client, organisations):
    person = PersonFactory(name="Duncan Crabtree-Ireland", aliases="Crabtree-Ireland")
    EventFactory(people=[person])
    response = client.get(SUGGEST, {"q": "crabtree"})
    assert suggested(response, "person") == [(person.slug, "Duncan Crabtree-Ireland")]
    assert "Person · 1 event" in response.content.decode()
    assert suggested(client.get(SUGGEST, {"q": "crabtree", "person": person.slug}), "person") == []


def test_suggestions_leave_out_organisations_already_chosen(client, organisations):
    assert suggested(client.get(SUGGEST, {"q": "disney", "org": "disney"})) == [
        ("the-walt-disney-company", "The Walt Disney Company")
    ]


def test_htmx_sends_the_search_box_under_its_own_name(client, organisations):
    assert suggested(client.get(SUGGEST, {"org_search": "lions"})) == [("lionsgate", "Lionsgate")]


def test_no_text_no_suggestions_and_no_match_says_so(client, organisations):
    assert client.get(SUGGEST).content.decode().strip() == ""
    html = client.get(SUGGEST, {"q": "zzz"}).content.decode()
    assert "No organisation or person matches “zzz”" in html and "suggestion" not in html


def test_suggestions_are_escaped_and_cost_a_few_queries(client, django_assert_max_num_queries):
    OrganisationFactory(name="<script>x</script> Films")
    with django_assert_max_num_queries(3):  # organisations, people, and the cached coverage once
        html = client.get(SUGGEST, {"q": "films"}).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


class FormFields(HTMLParser):
    """The controls of form.filters a browser without JavaScript would submit, and the ids and classes seen."""

    def __init__(self):
        super().__init__()
        self.submitted, self.elements = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag in {"input", "select"} and attrs.get("name") and "disabled" not in attrs:
            self.submitted.append(attrs["name"])


def test_chosen_organisations_show_as_removable_chips_and_the_select_still_works_without_js(client, organisations):
    EventFactory(organisations=[organisations["openai"]])
    html = client.get(TIMELINE, {"org": ["openai", "runway"]}).content.decode()
    assert (
        '<span class="chip org-chosen-chip" data-slug="openai">OpenAI <button type="button" class="remove" '
        'aria-label="Remove OpenAI">×</button><input type="hidden" name="org" value="openai" disabled></span>' in html
    )
    assert '<option value="openai" selected>OpenAI</option>' in html
    parser = FormFields()
    parser.feed(html)
    # Without JS only the select sends org (the chips' inputs and the search box are disabled until JS runs).
    assert parser.submitted.count("org") == 1 and "org_search" not in parser.submitted
    by_id = {attrs.get("id"): (tag, attrs) for tag, attrs in parser.elements if attrs.get("id")}
    tag, search = by_id["org-search"]
    assert tag == "input" and search["name"] == "org_search" and search["hx-get"] == SUGGEST
    assert search["hx-target"] == "#org-suggestions"
    # An ARIA 1.2 combobox over a listbox.
    assert search["role"] == "combobox" and search["aria-controls"] == "org-suggestions"
    assert search["aria-expanded"] == "false" and search["aria-autocomplete"] == "list"
    assert by_id["org-suggestions"][1]["role"] == "listbox"
    # Not inherited from the form: suggestions fill the list and never change the page's URL.
    assert search["hx-swap"] == "innerHTML" and search["hx-push-url"] == "false" and search["hx-params"] == "*"
    assert by_id["org-suggestions"][0] == "ul" and by_id["org-chosen"][0] == "span"
    form = next(attrs for tag, attrs in parser.elements if tag == "form")
    assert form["id"] == "filters" and form["hx-params"] == "not org_search"


def test_the_search_box_value_is_not_a_filter(client, organisations):
    EventFactory(title="Kept")
    response = client.get(TIMELINE, {"org_search": "lions"})
    assert response.status_code == 200
    assert [e.title for _, events, _ in response.context["groups"] for e in events] == ["Kept"]


def test_the_page_has_no_inline_script_or_style(client, organisations):
    EventFactory(organisations=[organisations["openai"]])
    html = client.get(TIMELINE, {"org": "openai"}).content.decode()
    assert '<script src="/static/js/timeline.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
