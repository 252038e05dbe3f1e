"""Entity pages and the timeline's looks in a real browser: charts with text alternatives, screenshots,
page weight."""

import gzip
import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def expect_chart_with_text_alternative(page):
    chart = page.locator("figure.chart svg[role=img]").first
    expect(chart).to_be_visible()
    title = chart.locator(":scope > title")
    description = chart.locator(":scope > desc")
    expect(title).not_to_be_empty()
    expect(description).not_to_be_empty()
    # What a screen reader announces: the title and the description (aria-labelledby names both).
    name = chart.evaluate("svg => svg.getAttribute('aria-labelledby')")
    assert name, "the chart is not labelled by its title"
    expect(chart).to_have_accessible_name(re.compile(re.escape(title.text_content().strip())))
    expect(chart).to_have_accessible_name(re.compile(re.escape(description.text_content().strip())))
    assert chart.locator("rect").count() > 0, "the chart draws no bars"
    # The same numbers as a table, for anyone who cannot read the picture.
    rows = page.locator("figure.chart table tbody tr")
    assert rows.count() > 0


def test_an_organisation_page_shows_its_chart_with_a_text_alternative(page, timeline):
    page.goto(timeline.ai_company.get_absolute_url())
    expect(page.locator("h1")).to_have_text(timeline.ai_company.name)
    expect_chart_with_text_alternative(page)
    expect(page.locator("article.event")).to_have_count(25)  # 27 events: a second page exists
    expect(page.locator(".more a")).to_have_count(1)


def test_a_lawsuit_page_shows_its_chart_with_a_text_alternative(page, timeline):
    page.goto(timeline.lawsuit.get_absolute_url())
    expect(page.locator("h1")).to_have_text(timeline.lawsuit.case_name)
    expect_chart_with_text_alternative(page)
    expect(page.locator("article.event")).to_have_count(3)


def test_entity_pages_visited_from_the_timeline_load_without_errors(page, timeline):
    """Follow the links a reader follows; the page fixture fails on a console error or a bad response."""
    page.goto("/")
    page.locator(f'article.event a.chip.org[href$="?org={timeline.studio.slug}"]').first.click()
    page.wait_for_url(f"**/?org={timeline.studio.slug}")
    page.locator(f'#results .scope a[href="{timeline.studio.get_absolute_url()}"]').click()
    expect(page.locator("h1")).to_have_text(timeline.studio.name)
    # Let the page finish loading its script before leaving it: leaving earlier aborts that request.
    page.wait_for_load_state("load")
    page.locator(f'a[href="{timeline.subsidiary.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_have_text(timeline.subsidiary.name)
    page.wait_for_load_state("load")
    for section in ("Organisations", "Lawsuits", "Agreements"):
        page.get_by_role("navigation", name="Sections").get_by_role("link", name=section).click()
        page.wait_for_load_state("networkidle")
    page.goto("/")
    title = page.locator("article.event h3 a").first.text_content()
    page.locator("article.event h3 a").first.click()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("p.back a")).to_have_text("← Back to the timeline")


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_timeline_are_written_at_desktop_and_phone_widths(
    new_page, timeline, name, viewport
):
    page = new_page(viewport=viewport)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"timeline-{name}-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    # Nothing sticks out sideways on a phone: the page is as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_page_weight_of_the_timeline_is_measured(page, timeline):
    """HTML and JavaScript bytes of `/` (first page, 25 events), printed and kept in test-artifacts/.

    The live server compresses nothing, so "transferred" is the plain size; "gzipped" is what a server
    compressing responses (whitenoise does for static files in production) would send.
    """
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/")
    page.wait_for_load_state("networkidle")
    weight = {kind: {"transferred": 0, "decoded": 0, "gzipped": 0} for kind in ("html", "js", "css")}
    weight["requests"] = len(responses)
    kinds = {"document": "html", "script": "js", "stylesheet": "css"}
    for response in responses:
        kind = kinds.get(response.request.resource_type)
        if kind:
            weight[kind]["transferred"] += response.request.sizes()["responseBodySize"]
            body = response.body()
            weight[kind]["decoded"] += len(body)
            weight[kind]["gzipped"] += len(gzip.compress(body, 6))  # what a compressing server would send
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.json").write_text(json.dumps(weight, indent=2) + "\n")
    html, js = weight["html"], weight["js"]
    print(
        f"\nPage weight of / (25 events), bytes: HTML {html['transferred']} transferred ({html['gzipped']} "
        f"gzipped), JS {js['transferred']} transferred ({js['gzipped']} gzipped), CSS "
        f"{weight['css']['transferred']}, {len(responses)} requests"
    )
    assert weight["html"]["decoded"] > 0
    assert 0 < weight["js"]["decoded"] < 150_000, "the timeline ships more JavaScript than htmx"
