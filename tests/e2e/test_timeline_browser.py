"""The timeline as a reader uses it in a real browser: filter, page, go back, reload, with and without
JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import card_ids

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def choose_organisation_with_type_ahead(page, organisation, typed):
    page.locator("#org-search").fill(typed)
    suggestion = page.locator(f'#org-suggestions .suggestion[data-slug="{organisation.slug}"]')
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.locator(f'#org-chosen .org-chosen-chip[data-slug="{organisation.slug}"]')).to_be_visible()


def expect_cards(page, ids):
    """Wait until the cards shown are exactly `ids`, then check none is shown twice."""
    expect(page.locator("article.event")).to_have_count(len(ids))
    shown = card_ids(page)
    assert sorted(shown) == sorted(ids)


def test_choosing_an_organisation_with_the_type_ahead_filters_and_survives_back_forward_and_reload(
    page, timeline
):
    page.goto("/")
    first_page = card_ids(page)
    assert len(first_page) == 25

    choose_organisation_with_type_ahead(page, timeline.studio, "northl")
    page.wait_for_url(re.compile(rf"[?&]org={timeline.studio.slug}(&|$)"))
    expect_cards(page, timeline.studio_ids)

    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("article.event")).to_have_count(25)
    assert card_ids(page) == first_page
    expect(page.locator("#org-chosen .org-chosen-chip")).to_have_count(0)

    page.go_forward()
    page.wait_for_url(re.compile(rf"[?&]org={timeline.studio.slug}(&|$)"))
    expect_cards(page, timeline.studio_ids)

    page.reload()
    expect_cards(page, timeline.studio_ids)
    expect(page.locator(f'#org-chosen .org-chosen-chip[data-slug="{timeline.studio.slug}"]')).to_be_visible()


def test_removing_the_chosen_organisation_shows_the_whole_timeline_again(page, timeline):
    page.goto(f"/?org={timeline.studio.slug}")
    expect_cards(page, timeline.studio_ids)
    page.locator(f'#org-chosen .org-chosen-chip[data-slug="{timeline.studio.slug}"] button.remove').click()
    expect(page.locator("article.event")).to_have_count(25)
    page.wait_for_url(lambda url: "org=" not in url)


def test_scrolling_to_the_end_loads_the_next_page_once_without_duplicates(page, timeline):
    next_page_requests = []
    page.on("request", lambda r: "cursor=" in r.url and next_page_requests.append(r.url))
    page.goto("/")
    expect(page.locator("article.event")).to_have_count(25)

    page.locator(".more a").scroll_into_view_if_needed()
    expect(page.locator("article.event")).to_have_count(len(timeline.all_ids))
    page.wait_for_load_state("networkidle")
    page.keyboard.press("End")  # at the very end now: nothing more may load
    page.wait_for_load_state("networkidle")

    ids = card_ids(page)
    assert len(ids) == len(set(ids)) == len(timeline.all_ids)
    assert set(ids) == timeline.all_ids
    all_element_ids = page.locator("[id]").evaluate_all("nodes => nodes.map(node => node.id)")
    assert len(all_element_ids) == len(set(all_element_ids)), "an id attribute appears twice"
    assert len(next_page_requests) == 1, next_page_requests
    expect(page.locator(".more a")).to_have_count(0)


def test_the_organisation_filter_works_without_javascript_through_the_plain_form(new_page, timeline):
    page = new_page(javascript=False)
    page.goto("/")
    expect(page.locator("article.event")).to_have_count(25)
    page.locator("form.filters select[name=org]").select_option(timeline.studio.slug)
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert re.search(rf"[?&]org={timeline.studio.slug}(&|$)", page.url)
    expect_cards(page, timeline.studio_ids)


def test_the_load_more_link_works_without_javascript(new_page, timeline):
    page = new_page(javascript=False)
    page.goto("/")
    with page.expect_navigation():
        page.locator(".more a").click()
    assert "cursor=" in page.url
    second = card_ids(page)
    assert len(second) == len(timeline.all_ids) - 25
    assert set(second) <= timeline.all_ids


def test_after_back_the_form_shows_the_filters_of_the_url_and_the_next_change_keeps_them(page, timeline):
    page.goto("/")
    page.locator("details.kind-picker summary").click()
    page.locator("input[name=kind][value=lawsuit_filed]").check()
    page.wait_for_url(re.compile(r"kind=lawsuit_filed"))
    page.locator("#id_date_from").fill("2023-06-01")
    page.wait_for_url(re.compile(r"date_from=2023-06-01"))
    page.locator("input[name=kind][value=ruling]").check()
    page.wait_for_url(re.compile(r"kind=ruling"))

    page.go_back()
    page.wait_for_url(lambda url: "kind=ruling" not in url and "date_from=2023-06-01" in url)
    expect(page.locator("input[name=kind][value=lawsuit_filed]")).to_be_checked()
    expect(page.locator("input[name=kind][value=ruling]")).not_to_be_checked()
    expect(page.locator("#id_date_from")).to_have_value("2023-06-01")
    expect(page.locator("article.event")).to_have_count(1)

    # The next change builds on what the form shows, which is what the URL says.
    page.locator("details.kind-picker summary").click()
    page.locator("input[name=kind][value=settlement]").check()
    page.wait_for_url(re.compile(r"kind=settlement"))
    assert "kind=lawsuit_filed" in page.url and "date_from=2023-06-01" in page.url
    assert not re.search(r"[?&](q|date_to)=(&|$)", page.url), page.url  # no empty parameters
    expect(page.locator("article.event")).to_have_count(2)


def test_with_javascript_a_to_before_from_shows_the_error_and_the_url_and_form_hold_what_applies(page, timeline):
    page.problems.expect_status(400)  # what a filter left out answers
    page.goto("/?date_from=2023-03-01")
    page.locator("#id_date_to").fill("2023-01-01")
    expect(page.locator("#results .errors")).to_contain_text("The end date is before the start date.")
    expect(page.locator("#id_date_to")).to_have_value("")
    expect(page.locator("#id_date_from")).to_have_value("2023-03-01")
    page.wait_for_url(re.compile(r"\?date_from=2023-03-01$"))
    expect(page.locator("#announce")).to_contain_text("Some filters were left out")


def test_the_type_ahead_ranks_by_coverage_moves_with_arrow_keys_and_closes_on_a_click_elsewhere(page, timeline):
    page.goto("/")
    box = page.locator("#org-search")
    box.fill("vector")
    options = page.locator("#org-suggestions [role=option]")
    expect(options.first).to_have_attribute("data-slug", timeline.ai_company.slug)
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"suggestion-org-{timeline.ai_company.slug}")
    page.locator("h1").click()
    expect(options).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")

    box.fill("north")  # Northlight Studios (5 events with its subsidiary's) and Northlight Animation
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    box.press("ArrowDown")
    chosen = options.nth(1).get_attribute("data-slug")
    box.press("Enter")
    expect(page.locator(f'#org-chosen .org-chosen-chip[data-slug="{chosen}"]')).to_be_visible()
    page.wait_for_url(re.compile(rf"org={chosen}"))


def test_a_person_filter_reached_from_a_link_is_a_chip_that_can_be_removed(page, timeline, committed_rows):
    page.goto(f"/?person={timeline.person.slug}")
    expect(page.locator("article.event")).to_have_count(1)
    page.locator("#also-chosen .person-chosen-chip .remove").click()
    page.wait_for_url(lambda url: "person=" not in url)
    expect(page.locator("article.event")).to_have_count(25)
    expect(page.locator("#also-chosen")).to_have_count(0)
