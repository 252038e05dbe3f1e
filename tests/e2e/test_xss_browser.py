"""Hostile text in the browser: payloads in titles, summaries, names and sources never run.

The page fixtures fail a test on any dialog (alert, confirm, prompt) in any page of the context, popups
included, and on console errors such as a Content-Security-Policy refusal.
"""

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
SVG = "<svg onload=alert(3)></svg>"
ATTRIBUTE = '" onmouseover="alert(4)" x="'
ORG_PAYLOAD = f"Hostile {IMG} Org"
JAVASCRIPT_URLS = ["javascript:alert(5)", " JaVaScRiPt:alert(6)", "data:text/html,<script>alert(7)</script>"]

ELEMENTS_WITH_HANDLERS = """() => [...document.querySelectorAll('*')]
    .filter(el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')))
    .map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def hostile(committed_rows, timeline):
    """One event full of payloads, newest of all so it is on the first page; removed after this module."""

    def build():
        from events.models import Source
        from tests.factories import EventFactory, OrganisationFactory, PersonFactory

        organisation = OrganisationFactory(name=ORG_PAYLOAD, aliases=f"{SCRIPT}\n{ATTRIBUTE}", kind="other")
        person = PersonFactory(name=f"Person {SVG}{ATTRIBUTE}")
        event = EventFactory(
            title=f"Payload {IMG}{SCRIPT}{ATTRIBUTE}",
            summary=f'{SVG}{SCRIPT}"><img src=x onerror=alert(8)>',
            date=datetime.date.today(),
            organisations=[organisation],
            people=[person],
            sources=[],
        )
        for n, url in enumerate(JAVASCRIPT_URLS):
            Source.objects.create(
                event=event, url=url, title=f"Source {n} {IMG}", publisher=f"Press {SCRIPT}"
            )
        return event, organisation, person

    event, organisation, person = committed_rows(build)
    yield event, organisation, person
    committed_rows(lambda: (event.delete(), organisation.delete(), person.delete()))


def assert_nothing_injected(page):
    assert page.evaluate(ELEMENTS_WITH_HANDLERS) == []
    assert page.locator("img[src=x]").count() == 0
    assert page.evaluate("[...document.scripts].filter(s => !s.src).length") == 0
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]


def click_every_source_link(page, card):
    toggle = card.locator("details.sources summary")
    if toggle.count():  # a card's sources are behind a toggle; the event page lists them open
        toggle.click()
    links = card.locator(".source-list a")
    expect(links).to_have_count(len(JAVASCRIPT_URLS))
    for n in range(len(JAVASCRIPT_URLS)):
        with page.context.expect_page() as popup:
            links.nth(n).click()
        popup.value.wait_for_load_state()
        popup.value.close()


def test_payloads_on_the_timeline_never_run_even_when_clicked_or_hovered(page, hostile):
    event, organisation, _ = hostile
    page.goto("/")
    card = page.locator(f"#event-{event.slug}")
    expect(card.locator("h3")).to_contain_text(IMG)  # shown as text, not markup
    card.locator("h3 a").hover()
    card.locator(".summary").hover()
    click_every_source_link(page, card)
    assert_nothing_injected(page)

    page.goto(f"/?org={organisation.slug}")
    expect(page.locator("article.event")).to_have_count(1)
    assert_nothing_injected(page)


def test_payloads_on_the_event_and_organisation_pages_never_run(page, hostile):
    event, organisation, person = hostile
    for url in (event.get_absolute_url(), organisation.get_absolute_url(), person.get_absolute_url()):
        page.goto(url)
        expect(page.locator("article.event, article.event-page").first).to_be_visible()
        assert_nothing_injected(page)
    page.goto(event.get_absolute_url())
    click_every_source_link(page, page.locator("article.event-page"))


def test_payloads_in_type_ahead_suggestions_never_run(page, hostile):
    _, organisation, _ = hostile
    page.goto("/")
    page.locator("#org-search").fill("Hostile")
    suggestion = page.locator(f'#org-suggestions .suggestion[data-slug="{organisation.slug}"]')
    expect(suggestion).to_contain_text(IMG)
    suggestion.hover()
    suggestion.click()
    expect(page.locator("article.event")).to_have_count(1)
    assert_nothing_injected(page)
