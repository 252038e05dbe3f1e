"""Following a view in a real browser: from the timeline, through the mailed sign-in link (read from a real
SMTP server on loopback), to the reader's alerts page."""

import re

import pytest
from playwright.sync_api import expect

from tests.alerts.conftest import body_text, smtp_server, smtp_settings  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


@pytest.fixture(scope="module")
def disney(committed_rows):
    """Disney and Pixar with an event each, committed for the live server and removed after this module,
    so the other browser tests find the package's rows as they left them."""

    def build():
        from tests.factories import EventFactory, OrganisationFactory

        disney = OrganisationFactory(name="The Walt Disney Company", kind="studio")
        pixar = OrganisationFactory(name="Pixar", kind="studio", parent=disney)
        EventFactory(title="Pixar signs a rendering deal", kind="deal", organisations=[pixar])
        EventFactory(
            title="Disney sues an image generator", kind="lawsuit_filed", organisations=[(disney, "plaintiff")]
        )
        return disney, pixar

    disney, pixar = committed_rows(build)
    yield disney

    def remove():
        from alerts.models import Reader
        from events.models import Event

        Reader.objects.all().delete()
        Event.objects.filter(organisations__in=[disney, pixar]).delete()
        pixar.delete()
        disney.delete()

    committed_rows(remove)


def test_following_disney_lawsuits_only_from_the_timeline_and_signing_in_by_the_mailed_link(
    page, disney, app_server, smtp_settings, settings  # noqa: F811 - the fixture imported above
):
    settings.ALERTS_SITE_URL = app_server.url
    page.goto(f"/?org={disney.slug}")
    expect(page.locator("#results")).to_contain_text("Disney sues an image generator")
    page.locator("details.kind-picker summary").click()
    page.locator('input[name="kind"][value="lawsuit_filed"]').check()
    page.locator("details.kind-picker summary").click()  # close the picker: it lies over the results
    follow = page.locator("a.follow")
    expect(follow).to_have_attribute("href", re.compile(r"kind=lawsuit_filed"))
    follow.click()

    expect(page.locator("h1")).to_have_text("Follow this view")
    page.locator("#id_name").fill("Disney, lawsuits only")
    expect(page.locator('input[name="kinds"][value="lawsuit_filed"]')).to_be_checked()
    page.locator("#id_email").fill("fan@example.org")
    page.get_by_role("button", name="Follow").click()
    expect(page.locator("h1")).to_have_text("Check your mail")

    inbox = smtp_settings.inbox
    assert inbox.wait_for(1, 30)
    link = re.search(r"http://\S+/alerts/sign-in/\S+/", body_text(inbox.to("fan@example.org")[0])).group(0)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("h1")).to_have_text("Your alerts")
    expect(page.locator("section.subscription h2")).to_have_text("Disney, lawsuits only")
    expect(page.locator("section.subscription")).to_contain_text("lawsuit_filed")
    expect(page.locator("main")).to_contain_text("fan@example.org")
