"""A real browser: Debian's Chromium driven by Playwright against the app on pytest-django's live server.

No browser is ever downloaded (`playwright install` is never run): we launch /usr/bin/chromium, which
`make browser` installs from Debian's packages, and every test here skips with a reason where it is absent.
All browser tests share one xdist group so that one Chromium runs at a time on the machine.

Every page fixture watches the whole browser context (popups included) and fails the test at teardown
on a console error, an uncaught page error, a failed request, a response of 400 or more, a request
for anything outside the live server, a dialog, or a warning the server logged about a request.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("DAILIES_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def chromium_missing_reason():
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (run `make browser`, which installs Debian's chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = chromium_missing_reason()
    if reason is None:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the package, closed after it rather than kept for the whole session."""
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: the machine running `make test` is often busy; waits end as soon as the page is ready.
    expect.set_options(timeout=TIMEOUT_MS)
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with
    # a running loop unless told it is safe. It is here: the tests only drive the browser and create rows.
    unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Django keeps connections per context, and Playwright's greenlets give this thread a new context while
    # it runs: a connection opened before would be orphaned (left open, so the test database could not be
    # dropped at the end) and one opened during would outlive it. Close both sides.
    connections.close_all()
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
            connections.close_all()
    finally:
        if unsafe_before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = unsafe_before


@pytest.fixture(scope="package")
def app_server(django_db_setup):
    """pytest-django's live server (its LiveServer, which the `live_server` fixture wraps) on 127.0.0.1.

    Not the `live_server` fixture itself: naming it makes pytest-django run every test in transactional
    mode, emptying all tables after each one, so each test would build its rows again (seconds each on a
    busy machine). These tests only read what they see, so they share one set of rows (the `timeline`
    fixture) committed once for the package. The tests are marked `django_db` so that the test database
    exists and is open to the server's threads while they run.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    server._live_server_modified_settings.enable()
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture(scope="package")
def committed_rows(app_server, django_db_blocker):
    """Rows committed for the live server to see, and the database as it was put back afterwards.

    Yields a function that runs a builder with the database open; at the end of the package every table is
    emptied and what the migrations made (the Curators group, permissions) is restored, so later tests on
    this xdist worker see the database they expect.
    """
    from django.core.management import call_command
    from django.db import connection

    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), (
            "browser tests must run on the test database"
        )
        before = connection.creation.serialize_db_to_string()

    def build(builder):
        with django_db_blocker.unblock():
            return builder()

    yield build
    with django_db_blocker.unblock():
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(before)
        from events.aggregates import rebuild_counts

        rebuild_counts()  # the flush bypassed the triggers that keep events/aggregates.py's counts


@dataclass
class BrowserProblems:
    """What went wrong in the browser while a test ran; the test fails at teardown if any is left."""

    server: str
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    bad_responses: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    # Statuses a test expects (a filter left out answers 400); responses with them are not problems.
    expected_statuses: set = field(default_factory=set)

    def expect_status(self, status):
        self.expected_statuses.add(status)

    def watch(self, context):
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        context.on("dialog", self._on_dialog)
        # Nothing leaves the machine: requests elsewhere are answered empty here and recorded.
        context.route("**/*", self._route)

    def _on_console(self, message):
        if message.type == "error" and not any(
            f"status of {status}" in message.text for status in self.expected_statuses
        ):
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _on_request_failed(self, request):
        # A static file the browser stops fetching because the page navigated away is no failure of ours
        # (the server answers it fine); any other failure, or a status of 400 and above, is.
        if request.failure == "net::ERR_ABORTED" and request.resource_type in {"script", "stylesheet", "image"}:
            return
        if self._is_ours(request.url):
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response):
        if response.status >= 400 and response.status not in self.expected_statuses:
            self.bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _route(self, route):
        request = route.request
        if self._is_ours(request.url) or request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
            return
        self.outside_requests.append(f"{request.resource_type} {request.url}")
        route.fulfill(status=204, body="")

    def _is_ours(self, url):
        ours = urlsplit(self.server)
        theirs = urlsplit(url)
        return (theirs.scheme, theirs.hostname, theirs.port) == (ours.scheme, ours.hostname, ours.port)

    def report(self):
        problems = {
            "console errors": self.console_errors,
            "uncaught page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "responses >= 400": self.bad_responses,
            "requests outside the live server": self.outside_requests,
            "dialogs opened": self.dialogs,
        }
        return {name: items for name, items in problems.items() if items}


@pytest.fixture
def new_page(browser, app_server):
    """Open pages in fresh contexts: `new_page(javascript=False, viewport=PHONE, color_scheme="dark")`.

    Each context is watched; the test fails at teardown if anything went wrong in any of them.
    """
    opened = []
    server_log = _ServerLog()
    logging.getLogger("django.request").addHandler(server_log)

    def open_page(*, javascript=True, viewport=DESKTOP, color_scheme="light", bypass_csp=False):
        problems = BrowserProblems(server=app_server.url)
        context = browser.new_context(
            base_url=app_server.url,
            java_script_enabled=javascript,
            viewport=viewport,
            color_scheme=color_scheme,
            bypass_csp=bypass_csp,
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        problems.watch(context)
        page = context.new_page()
        page.problems = problems
        opened.append((context, problems))
        return page

    yield open_page
    reports = []
    for context, problems in opened:
        context.close()
        if problems.report():
            reports.append(problems.report())
    logging.getLogger("django.request").removeHandler(server_log)
    # What the server logs for a status a test expects (a filter left out, a page that is not there).
    expected = set().union(*(problems.expected_statuses for _, problems in opened))
    logged_as = tuple(line for status, line in ((400, "Bad Request:"), (404, "Not Found:")) if status in expected)
    if logged_as:
        server_log.messages = [m for m in server_log.messages if not m.startswith(logged_as)]
    if server_log.messages:  # what the browser does not show, such as its own request for /favicon.ico
        reports.append({"server logged": server_log.messages})
    assert not reports, f"the browser reported problems: {reports}"


class _ServerLog(logging.Handler):
    """The live server's warnings and errors about requests (4xx and 5xx) while a test runs."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def page(new_page):
    """A desktop-sized page with JavaScript on, in light colours."""
    return new_page()


def run_axe(page):
    """Inject axe-core into `page` and return its violations of serious or critical impact."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]


@dataclass
class Timeline:
    """The rows the browser tests look at (see the `timeline` fixture)."""

    studio: object
    subsidiary: object
    ai_company: object
    union: object
    lawsuit: object
    person: object
    agreement: object
    event_url: str  # the page of the lawsuit's first event
    all_ids: set
    studio_ids: set  # the studio's own events and its subsidiary's


@pytest.fixture(scope="package")
def timeline(committed_rows):
    """A parent studio with a subsidiary, a union, a lawsuit, and an AI company with 27 events, so that
    both `/` (34 events) and the AI company's page (27) have a second page at 25 a page."""
    return committed_rows(make_timeline)


def make_timeline():
    import datetime

    from events.models import Event
    from tests.factories import EventFactory, LawsuitFactory, OrganisationFactory, PersonFactory, UnionAgreementFactory

    studio = OrganisationFactory(name="Northlight Studios", kind="studio")
    subsidiary = OrganisationFactory(name="Northlight Animation", kind="production_company", parent=studio)
    ai_company = OrganisationFactory(name="Vector Pictures AI", kind="ai_company", aliases="Vector AI")
    union = OrganisationFactory(name="Screen Crafts Guild", kind="union")
    lawsuit = LawsuitFactory(
        case_name="Screen Crafts Guild v. Vector Pictures AI", filed_on=datetime.date(2024, 2, 1)
    )
    kinds = ["announcement", "product_launch", "deal", "investment", "statement"]
    start = datetime.date(2023, 1, 3)

    def day(n):
        return start + datetime.timedelta(days=9 * n)

    for n in range(24):
        EventFactory(
            title=f"Vector Pictures AI update {n + 1}",
            date=day(n),
            kind=kinds[n % len(kinds)],
            organisations=[ai_company],
        )
    docket = []
    for n, kind in enumerate(["lawsuit_filed", "ruling", "settlement"]):
        docket.append(EventFactory(
            title=f"Docket entry {n + 1} in the guild's suit",
            date=day(30 + n * 3),
            kind=kind,
            lawsuit=lawsuit,
            organisations=[(union, "plaintiff"), (ai_company, "defendant")],
        ))
    studio_events = [
        EventFactory(
            title=f"Northlight Studios news {n + 1}", date=day(5 + n * 7), kind="deal", organisations=[studio]
        )
        for n in range(3)
    ] + [
        EventFactory(
            title=f"Northlight Animation short {n + 1}",
            date=day(8 + n * 7),
            kind="product_launch",
            organisations=[subsidiary],
        )
        for n in range(2)
    ]
    person = PersonFactory(name="Dana Okafor", aliases="D. Okafor")
    agreement = UnionAgreementFactory(
        name="Screen Crafts Guild 2024 agreement", union=union, ratified_on=datetime.date(2023, 7, 1),
        expires_on=datetime.date(2027, 6, 30),
    )
    for n in range(2):
        EventFactory(
            title=f"Guild bulletin {n + 1}", date=day(12 + n * 5), kind="statement", organisations=[union],
            people=[person] if n == 0 else [], agreement=agreement if n == 1 else None,
        )
    EventFactory(title="Unpublished draft", status=Event.Status.DRAFT, organisations=[studio])
    published = Event.objects.published()
    return Timeline(
        studio=studio,
        subsidiary=subsidiary,
        ai_company=ai_company,
        union=union,
        lawsuit=lawsuit,
        person=person,
        agreement=agreement,
        event_url=docket[0].get_absolute_url(),
        all_ids={f"event-{e.slug}" for e in published},
        studio_ids={f"event-{e.slug}" for e in studio_events},
    )


def card_ids(page):
    """The id of every event card on the page, in page order (duplicates kept, so they can be caught)."""
    return page.locator("article.event").evaluate_all("cards => cards.map(card => card.id)")
