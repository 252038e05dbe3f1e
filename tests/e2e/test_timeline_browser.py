"""The timeline as a reader uses it in a real browser: filter, page, go back, reload, with and without
JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import card_ids

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def choose_organisation_with_type_ahead(page, organisation, typed):
    page.locator("#org-search").fill(typed)
    suggestion = page.locator(f'#org-suggestions button.suggestion[data-slug="{organisation.slug}"]')
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
