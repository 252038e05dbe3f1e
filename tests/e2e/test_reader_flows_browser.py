"""The reader's main flows in a real browser, end to end: filter, open an event, come back with the
filters intact (with and without the Referer header, with and without JavaScript); type a search and
press Filter at once. The `new_page` fixture fails a test on any console error, failed request or
unexpected status, so each flow here is also a check that it runs clean."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, card_ids

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

DOCKET_KINDS = ("lawsuit_filed", "ruling")


def choose_kinds(page, kinds):
    page.locator("details.kind-picker summary").click()
    for kind in kinds:
        page.locator(f'input[name=kind][value="{kind}"]').check()


def expect_kinds_chosen(page, kinds):
    for value in ("lawsuit_filed", "ruling", "settlement", "deal"):
        box = page.locator(f'input[name=kind][value="{value}"]')
        if value in kinds:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()


def expect_docket_cards(page):
    expect(page.locator("article.event")).to_have_count(2)
    assert all("-docket-entry-" in card for card in card_ids(page)), card_ids(page)


def without_referer(route):
    headers = {name: value for name, value in route.request.headers.items() if name.lower() != "referer"}
    route.continue_(headers=headers)


@pytest.mark.parametrize("referer", [True, False], ids=["referer", "no-referer"])
def test_the_event_page_leads_back_to_the_filtered_timeline(new_page, timeline, referer):
    page = new_page()
    if not referer:
        page.route(re.compile(r".*/events/.*"), without_referer)
    page.goto("/")
    choose_kinds(page, DOCKET_KINDS)
    page.wait_for_url(re.compile(r"kind=lawsuit_filed.*kind=ruling|kind=ruling.*kind=lawsuit_filed"))
    expect_docket_cards(page)
    page.wait_for_load_state("load")
    title = page.locator("article.event h3 a").first.text_content()
    page.locator("article.event h3 a").first.click()
    expect(page.locator("h1")).to_have_text(title)
    # The page's own address stays clean for citing.
    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    assert "?" not in canonical and canonical.endswith(urlsplit(page.url).path), canonical
    back = page.locator("p.back a")
    expect(back).to_have_text("← Back to the filtered timeline")
    back.click()
    page.wait_for_url(re.compile(r"kind=lawsuit_filed"))
    expect_docket_cards(page)
    expect_kinds_chosen(page, DOCKET_KINDS)


def test_an_event_link_opened_on_its_own_still_knows_the_filters(new_page, timeline):
    # A link opened in a new tab or pasted elsewhere carries no Referer at all.
    page = new_page()
    page.goto("/?kind=lawsuit_filed&kind=ruling")
    href = page.locator("article.event h3 a").first.get_attribute("href")
    assert "from=" in href
    other = new_page()
    other.goto(href)
    other.locator("p.back a").click()
    expect_docket_cards(other)
    expect_kinds_chosen(other, DOCKET_KINDS)


def test_without_javascript_the_way_back_keeps_the_filters_too(new_page, timeline):
    page = new_page(javascript=False)
    page.goto("/")
    choose_kinds(page, DOCKET_KINDS)
    page.locator("form#filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"kind=lawsuit_filed"))
    assert "q=" not in page.url  # the empty fields are dropped from the address
    expect_docket_cards(page)
    page.locator("article.event h3 a").first.click()
    page.locator("p.back a").click()
    expect_docket_cards(page)
    expect_kinds_chosen(page, DOCKET_KINDS)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_typing_a_search_then_pressing_filter_at_once_shows_its_results_cleanly(new_page, timeline, viewport):
    # The blur fires `change` (one request) and the click submits (another): the second must wait for
    # the first rather than abort it (an aborted request is a console error and a failed request).
    page = new_page(viewport=viewport) if viewport else new_page()
    page.goto("/")
    page.wait_for_load_state("load")
    page.locator("#id_q").press_sequentially("docket", delay=20)
    page.locator("form#filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=docket"))
    expect(page.locator("article.event")).to_have_count(3)
    expect(page.locator("#result-count")).to_contain_text("3 events")
    expect(page.locator("#result-count")).to_be_focused()
    expect(page.locator("#announce")).to_contain_text("3 events")
    box = page.locator("#result-count").bounding_box()
    assert -1 <= box["y"] < page.viewport_size["height"], box
