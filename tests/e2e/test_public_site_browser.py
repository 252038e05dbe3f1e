"""The public site as a journalist meets it at 1280 and 390 px, with JavaScript on and off: axe finds no
serious or critical problem on the timeline, the four entity pages, an event page, /about/ and the 404;
the phone's filter form leaves the results in the first screen; Filter moves focus to the results.
Screenshots of every page at both widths go to test-artifacts/screenshots/ (not committed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def page_urls(timeline):
    return {
        "timeline": "/",
        "organisation": timeline.ai_company.get_absolute_url(),
        "person": timeline.person.get_absolute_url(),
        "lawsuit": timeline.lawsuit.get_absolute_url(),
        "agreement": timeline.agreement.get_absolute_url(),
        "event": timeline.event_url,
        "about": "/about/",
        "not-found": "/no-such-page/",
    }


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(
    "which", ["timeline", "organisation", "person", "lawsuit", "agreement", "event", "about", "not-found"]
)
def test_axe_finds_nothing_serious_at_desktop_and_phone_widths(new_page, timeline, which, javascript):
    url = page_urls(timeline)[which]
    # axe is injected by evaluating its source; our Content-Security-Policy rightly forbids that for pages.
    # axe needs JavaScript itself, so "off" means the page's own scripts are served empty: what a reader
    # without JavaScript gets (the plain select, no type-ahead), which axe can still inspect.
    page = new_page(bypass_csp=True, viewport=DESKTOP)
    if which == "not-found":
        page.problems.expect_status(404)  # the styled 404 is the page under test
    if not javascript:
        page.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.fulfill(
            status=200, content_type="application/javascript", body="",
        ))
    page.goto(url)
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found[viewport["width"]] = run_axe(page)
        state = "js" if javascript else "nojs"
        page.screenshot(path=str(SCREENSHOTS / f"{which}-{state}-{viewport['width']}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "the page is too wide"
    assert found == {DESKTOP["width"]: [], PHONE["width"]: []}


def test_on_a_phone_the_filter_form_leaves_the_results_in_the_first_screen_and_filter_moves_to_them(
    new_page, timeline
):
    page = new_page(viewport=PHONE)
    page.goto("/")
    form = page.locator("form#filters").bounding_box()
    assert form["y"] + form["height"] < PHONE["height"] * 0.75, form
    count = page.locator("#result-count").bounding_box()
    assert count["y"] < PHONE["height"], count

    # Filter, pressed with nothing changed (typing first: tests/e2e/test_reader_flows_browser.py).
    page.locator("form#filters button[type=submit]").click()
    expect(page.locator("#announce")).to_contain_text("events")
    expect(page.locator("#result-count")).to_be_focused()
    box = page.locator("#result-count").bounding_box()
    assert -1 <= box["y"] < PHONE["height"], box
    # A polite status says the count; the results themselves are not a live region.
    assert page.locator("#results[aria-live]").count() == 0


def test_chart_labels_are_readable_on_a_phone(new_page, timeline):
    page = new_page(viewport=PHONE)
    page.goto(timeline.ai_company.get_absolute_url())
    # The font size a label is drawn at on screen: its CSS size in the viewBox's units, times the scale
    # the 480-unit-wide drawing is shown at.
    sizes = page.locator("figure.chart svg.chart-svg text").evaluate_all(
        """labels => labels.map(label => {
            const svg = label.ownerSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return parseFloat(getComputedStyle(label).fontSize) * scale;
        })"""
    )
    assert sizes and min(sizes) >= 11, sizes  # in CSS pixels
