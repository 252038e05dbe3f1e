"""The curator's tools in Debian's Chromium, beyond the morning walk (test_review_walk.py): the draft
review on a phone, the review screen's keys, and an organisation merge undone.

The rows are committed once for the module and removed after it, so the walk finds the queue it expects.
"""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

USER, PASSWORD = "desk", "pw-curator-desk-1"
NAVIGATION_MS = 45_000  # the admin pages load many files; the machine running the suite is often busy
# A long unbroken URL and a wide table in the article: what pushes a narrow page sideways if anything does.
ARTICLE_HTML = (
    "<p>Harbor Lights Pictures said on Monday that it will test an AI tool that drafts subtitles for its "
    "catalogue. Translators review every line before it ships.</p>"
    "<p>The studio's notice is at https://harbor-lights.example.com/press/2025/a-very-long-address-that-"
    "never-breaks-on-its-own-and-would-widen-a-narrow-page-if-nothing-wrapped-it</p>"
    "<table><tr><td>Languages</td><td>Spanish, Portuguese, French, German, Italian, Japanese, Korean</td>"
    "<td>Titles</td><td>120</td><td>Review</td><td>Every line, by a translator</td></tr></table>"
    "<p>A union representing translators said it would watch how the test goes.</p>" * 3
)


class Desk:
    """What the module's tests work on (see the `desk` fixture)."""

    def __init__(self, **rows):
        self.__dict__.update(rows)


@pytest.fixture(scope="module")
def desk(committed_rows):
    """Five drafts of our own (the two newest for the phone, the next three for the keys), each with its
    article, and an organisation entered twice, each with a published event."""

    def build():
        from django.contrib.auth.models import Group, User

        from events import services
        from events.models import Event, Organisation, Source
        from ingest.models import Article

        marks = {model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
                 for model in (Event, Organisation, Article)}
        studio = Organisation.objects.create(name="Harbor Lights Pictures", kind="studio")
        twin = Organisation.objects.create(name="Harbor Lights", kind="studio", slug="harbor-lights")
        for n, organisation in enumerate([studio, twin]):
            event = Event.objects.create(
                title=f"{organisation.name} opens a sound stage {n + 1}", kind="announcement",
                date=datetime.date(2024, 5, 1 + n), status="published", summary="A stage opens.",
            )
            event.organisation_links.create(organisation=organisation)
            Source.objects.create(event=event, url=f"https://desk.example.com/stage-{n}", title="Stage report")
        drafts = []
        for n in range(5):
            title = f"Harbor Lights Pictures tests AI subtitles, report {n + 1}"
            draft, _ = services.propose_event(
                kind="product_launch", date=datetime.date(2025, 3, 3 + n), title=title,
                summary="Harbor Lights Pictures will test an AI tool that drafts subtitles.",
                organisations=[(studio.pk, "subject")], source_url=f"https://desk.example.com/subtitles-{n}",
                source_title=title, publisher="Desk Trade", find_match=False,
            )
            Article.objects.create(
                url=f"https://desk.example.com/subtitles-{n}", canonical_url=f"https://desk.example.com/subtitles-{n}",
                title=title, publisher="Desk Trade", text="Harbor Lights Pictures will test an AI tool.",
                html_sanitised=ARTICLE_HTML, status="proposed", kind_guess="product_launch", kind_confidence=0.8,
                event=draft,
            )
            drafts.append(draft)
        user = User.objects.create_user(USER, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name="Curators"))
        newest_first = list(reversed(drafts))
        return marks, Desk(studio=studio, twin=twin, phone=newest_first[:2], keys=newest_first[2:])

    marks, rows = committed_rows(build)
    yield rows

    def remove():
        from django.contrib.auth.models import User

        from events.models import Event, Organisation, OrganisationMerge
        from ingest.models import Article

        Article.objects.filter(pk__gt=marks[Article]).delete()
        OrganisationMerge.objects.filter(merged_slug__startswith="harbor-lights").delete()
        Event.objects.filter(pk__gt=marks[Event]).delete()
        Organisation.objects.filter(pk__gt=marks[Organisation]).delete()
        User.objects.filter(username=USER).delete()

    committed_rows(remove)


def log_in(page):
    page.set_default_navigation_timeout(NAVIGATION_MS)
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(USER)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('input[type="submit"]').click()


def review_url(event):
    return f"/admin/ingest/draftevent/{event.pk}/change/"


def event_status(event):
    from events.models import Event

    return Event.objects.get(pk=event.pk).status


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_on_a_phone_the_draft_review_fits_and_publish_and_reject_stay_in_reach(new_page, desk):
    first, second = desk.phone
    page = new_page(viewport=PHONE, bypass_csp=True)
    log_in(page)
    page.goto(review_url(first), wait_until="domcontentloaded")
    assert page_width(page) <= PHONE["width"], "the review screen scrolls sideways on a phone"
    assert run_axe(page) == []
    # One column: the suggested event above, the article below it, nothing side by side.
    form = page.locator(".review > .suggested").bounding_box()
    article = page.locator(".review > .article").bounding_box()
    assert article["y"] >= form["y"] + form["height"] - 1 and article["width"] > PHONE["width"] * 0.8
    expect(page.locator(".review-keys")).to_be_hidden()  # a phone has no keyboard to learn
    # Read to the end of the article: the decisions are still on screen, in one row.
    page.locator(".article-body p").last.scroll_into_view_if_needed()
    publish = page.locator('button[name="_publish"]')
    expect(publish).to_be_in_viewport()
    buttons = [page.locator(s).bounding_box() for s in ('button[name="_publish"]', 'button[name="_reject"]')]
    assert all(0 <= b["y"] and b["y"] + b["height"] <= PHONE["height"] for b in buttons)
    with page.expect_navigation(wait_until="domcontentloaded"):
        publish.click()
    assert event_status(first) == "published"
    assert page.url.endswith(review_url(second)), "publishing opens the next draft"
    assert page_width(page) <= PHONE["width"]
    page.locator(".article-body p").last.scroll_into_view_if_needed()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('button[name="_reject"]').click()
    assert event_status(second) == "rejected"
    expect(page.locator(".messagelist")).to_contain_text("Rejected")


def test_the_review_keys_move_between_drafts_jump_to_duplicates_reject_and_publish(new_page, desk):
    newer, middle, older = desk.keys
    page = new_page()
    log_in(page)
    page.goto(review_url(middle), wait_until="domcontentloaded")
    for key in "jkpxd":
        expect(page.locator(".review-keys kbd", has_text=key)).to_have_count(1)

    def press(key):
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.keyboard.press(key)

    press("k")
    assert page.url.endswith(review_url(newer)), "k opens the previous draft"
    press("j")
    assert page.url.endswith(review_url(middle)), "j opens the next draft"
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "duplicates"
    expect(page.locator("#duplicates")).to_be_in_viewport()
    # In a text field the keys are letters: typing "x" in the title rejects nothing.
    page.locator("#id_title").press("End")
    page.locator("#id_title").press("x")
    assert event_status(middle) == "draft" and page.url.endswith(review_url(middle))
    page.locator("#id_title").press("Backspace")
    page.locator("#id_title").evaluate("field => field.blur()")
    press("x")
    assert event_status(middle) == "rejected"
    assert page.url.endswith(review_url(older)), "a decision opens the next draft"
    press("p")
    assert event_status(older) == "published"
    assert event_status(newer) == "draft"  # only the drafts the keys were pressed on


def test_an_organisation_merge_redirects_its_old_page_and_an_unmerge_brings_it_back(new_page, desk):
    from events.models import Organisation

    page = new_page()
    log_in(page)
    page.goto("/admin/events/organisation/?q=Harbor+Lights", wait_until="domcontentloaded")
    for organisation in (desk.studio, desk.twin):
        page.locator(f'input.action-select[value="{organisation.pk}"]').check()
    page.locator('select[name="action"]').select_option("merge")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('button[name="index"]').click()
    page.locator(f'input[name="merge_into"][value="{desk.studio.pk}"]').check()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('input[type="submit"][value="Merge"]').click()
    expect(page.locator(".messagelist")).to_contain_text("Merged Harbor Lights into Harbor Lights Pictures")
    assert not Organisation.objects.filter(slug="harbor-lights").exists()

    reader = new_page()
    old_url = "/organisations/harbor-lights/"
    response = reader.goto(old_url, wait_until="domcontentloaded")
    assert response.status == 200 and reader.url.endswith(desk.studio.get_absolute_url())
    assert response.request.redirected_from.response().status == 301
    expect(reader.locator("h1")).to_contain_text("Harbor Lights Pictures")
    expect(reader.locator("body")).to_contain_text("Harbor Lights opens a sound stage 2")

    page.goto("/admin/events/organisationmerge/", wait_until="domcontentloaded")
    row = page.locator("#result_list tbody tr", has_text="Harbor Lights")
    row.locator("input.action-select").check()
    page.locator('select[name="action"]').select_option("unmerge")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('button[name="index"]').click()
    expect(page.locator(".messagelist")).to_contain_text("Restored Harbor Lights")

    response = reader.goto(old_url, wait_until="domcontentloaded")
    assert response.status == 200 and response.request.redirected_from is None
    expect(reader.locator("h1")).to_contain_text("Harbor Lights")
    expect(reader.locator("h1")).not_to_contain_text("Pictures")
    expect(reader.locator("body")).to_contain_text("Harbor Lights opens a sound stage 2")
    survivor = reader.goto(desk.studio.get_absolute_url(), wait_until="domcontentloaded")
    assert survivor.status == 200
    expect(reader.locator("body")).not_to_contain_text("Harbor Lights opens a sound stage 2")
